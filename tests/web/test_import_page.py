"""The Import page: a task table previewed (columns as selects, rows with their problems),
the mapping changed, and the project created; refusals shown on the page, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import accounts
from plansmith.storage.database import Database

TABLE = """\
ID,Work item,Duration,Predecessors,Colour
1,Write spec,2 days,,red
2,Review spec,one day,1,blue
3,Ship,0 days,9,green
"""
HTMX = {"HX-Request": "true"}


def _signed_in(database: Database, tmp_path: Path) -> TestClient:
    settings = Settings(
        database_url="sqlite://", data_dir=tmp_path, secret_key="s" * 48, production=False
    )
    with database.transaction() as session:
        accounts.create_user(session, "lena@example.com", "correct horse battery")
    client = TestClient(compose(settings, database))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    reply = client.post(
        "/sign-in",
        data={
            "email": "lena@example.com",
            "password": "correct horse battery",
            "csrf_token": token.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return client


def _post(
    client: TestClient, url: str, table: str, fields: dict[str, str], *, htmx: bool = True
) -> tuple[int, str, dict[str, str]]:
    csrf = client.cookies.get("plansmith_csrf")
    assert csrf is not None
    reply = client.post(
        url,
        files={"file": ("tasks.csv", table.encode(), "text/csv")},
        data={"csrf_token": csrf, **fields},
        headers=HTMX if htmx else {},
        follow_redirects=False,
    )
    return reply.status_code, reply.text, dict(reply.headers)


def _problems(html: str, row: int) -> list[str]:
    found = re.search(rf'<tr data-row="{row}".*?</tr>', html, re.S)
    assert found is not None, html
    return re.findall(r'class="(?:error|warning)" data-code="([a-z_]+)"', found.group(0))


def test_the_dashboard_links_to_the_import_page(database: Database, tmp_path: Path) -> None:
    client = _signed_in(database, tmp_path)
    assert 'href="/import"' in client.get("/").text
    page = client.get("/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'accept=".csv,' in page.text


def test_preview_map_and_create(database: Database, tmp_path: Path) -> None:
    client = _signed_in(database, tmp_path)
    assert client.get("/import").status_code == 200  # sets the CSRF cookie

    # The first preview: "Work item" is not a header the reader knows, so nothing gives names.
    status, html, _ = _post(client, "/import/preview", TABLE, {})
    assert status == 200
    assert 'data-code="missing_name_column"' in html
    digest = re.search(r'name="table_digest" value="([0-9a-f]+)"', html)
    assert digest is not None
    autos = dict(re.findall(r'name="auto-(\d+)" value="([a-z_]+)"', html))
    assert autos == {"1": "id", "2": "ignore", "3": "duration", "4": "predecessors", "5": "ignore"}

    # Work item mapped to name by its select: now each row shows its own problems.
    fields = {
        "table_digest": digest.group(1),
        **{f"auto-{n}": field for n, field in autos.items()},
        "column-1": "id",
        "column-2": "name",
        "column-3": "duration",
        "column-4": "predecessors",
        "column-5": "ignore",
    }
    status, html, _ = _post(client, "/import/preview", TABLE, fields)
    assert status == 200
    assert _problems(html, 2) == []
    assert _problems(html, 3) == ["invalid_row_value"]
    assert _problems(html, 4) == ["unknown_predecessor"]
    assert 'data-code="unknown_column"' in html  # Colour, still only detected as unknown

    # Creating it is refused while it has errors, with the preview and its problems.
    status, html, _ = _post(client, "/import", TABLE, {**fields, "project_name": "Spec work"})
    assert status == 422
    assert 'data-code="invalid_plan"' in html
    assert _problems(html, 3) == ["invalid_row_value"]

    fixed = TABLE.replace("one day", "1 day").replace(",9,", ",2,")
    status, html, _ = _post(client, "/import/preview", fixed, fields)
    assert 'data-code="table_digest"' not in html
    # The selects were made for the old file: for this one, they count only with its digest.
    assert 'data-code="missing_name_column"' in html
    fields["table_digest"] = re.findall(r'name="table_digest" value="([0-9a-f]+)"', html)[0]
    status, html, _ = _post(client, "/import/preview", fixed, fields)
    assert "ready to create" in html

    status, _, headers = _post(client, "/import", fixed, {**fields, "project_name": "Spec work"})
    assert (status, headers["hx-redirect"]) == (204, "/projects/spec-work")
    plan = client.get("/projects/spec-work")
    assert plan.status_code == 200
    assert "Review spec" in plan.text


def test_without_htmx_the_page_comes_back_whole(database: Database, tmp_path: Path) -> None:
    client = _signed_in(database, tmp_path)
    client.get("/import")
    table = "Name,Duration\nA,1d\n"
    status, html, _ = _post(client, "/import/preview", table, {}, htmx=False)
    assert status == 200
    assert "<h1>Import a project</h1>" in html
    status, _, headers = _post(client, "/import", table, {"project_name": "Plain"}, htmx=False)
    assert (status, headers["location"]) == (303, "/projects/plain")


def test_refusals_are_shown_on_the_page(database: Database, tmp_path: Path) -> None:
    client = _signed_in(database, tmp_path)
    client.get("/import")
    csrf = client.cookies.get("plansmith_csrf")
    no_file = client.post("/import/preview", data={"csrf_token": csrf}, headers=HTMX)
    assert no_file.status_code == 422
    assert 'data-code="invalid_upload"' in no_file.text
    unreadable = client.post(
        "/import/preview",
        files={"file": ("plan.xlsx", b"not a workbook", "application/octet-stream")},
        data={"csrf_token": csrf},
        headers=HTMX,
    )
    assert unreadable.status_code == 422
    assert 'data-code="table_unreadable"' in unreadable.text
    forged = client.post(
        "/import",
        files={"file": ("tasks.csv", b"Name,Duration\nA,1d\n", "text/csv")},
        data={"csrf_token": "forged"},
    )
    assert forged.status_code == 403
