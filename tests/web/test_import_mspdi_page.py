"""The Import page with MS Project XML: the fidelity report and the date check in the preview,
then the project created with the file's baselines; a broken file shown with its line."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from plansmith.storage.database import Database
from tests.web.test_import_page import HTMX, _signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "mspdi"


def _send(client: TestClient, url: str, name: str, data: bytes) -> tuple[int, str, dict[str, str]]:
    csrf = client.cookies.get("plansmith_csrf")
    assert csrf is not None
    reply = client.post(
        url,
        files={"file": (name, data, "application/xml")},
        data={"csrf_token": csrf},
        headers=HTMX,
        follow_redirects=False,
    )
    return reply.status_code, reply.text, dict(reply.headers)


def test_preview_shows_the_fidelity_report_and_the_date_check(
    database: Database, tmp_path: Path
) -> None:
    client = _signed_in(database, tmp_path)
    data = (DATA / "mspdirelations.xml").read_bytes()
    status, html, _ = _send(client, "/import/preview", "mspdirelations.xml", data)
    assert status == 200, html
    assert 'id="import-fidelity"' in html
    assert 'data-same="false"' in html  # the start-to-finish link's minute
    assert "1 of 5 tasks differ from the file" in html
    assert "<td>530</td>" in html  # the task's line in the file
    assert 'data-fate="mapped"' in html


def test_create_makes_the_project_and_a_broken_file_is_shown_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    client = _signed_in(database, tmp_path)
    broken = (DATA / "baselines.xml").read_bytes()[:3000]
    status, html, _ = _send(client, "/import", "baselines.xml", broken)
    assert status == 422
    assert 'data-code="mspdi_malformed"' in html
    assert "line 2: error[mspdi_malformed]" in html
    data = (DATA / "baselines.xml").read_bytes()
    status, html, headers = _send(client, "/import", "baselines.xml", data)
    assert status == 204, html
    assert headers["hx-redirect"] == "/projects/baselines"
    page = client.get("/projects/baselines")
    assert page.status_code == 200
    assert "Task One" in page.text
