"""The Import page with MS Project XML: the fidelity report and the date check in the preview,
then the project created with the file's baselines; a broken file shown with its line."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient

from plansmith.services.mspdi import read_mspdi_upload
from plansmith.storage.database import Database
from tests.unit.io.test_mspdi_mpxj import mpx_file, needs_java
from tests.web.test_import_page import HTMX, _signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "mspdi"
__all__ = ["mpx_file"]  # the fixture, shared with the MPXJ tests


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
    data = (DATA / "mspdirelations-moved.xml").read_bytes()  # Task 5's finish moved by hand
    status, html, _ = _send(client, "/import/preview", "mspdirelations.xml", data)
    assert status == 200, html
    assert 'id="import-fidelity"' in html
    assert 'data-same="false"' in html
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


def test_the_reports_page_offers_the_plan_as_yaml_and_as_ms_project_xml(
    database: Database, tmp_path: Path
) -> None:
    client = _signed_in(database, tmp_path)
    data = (DATA / "task-links-project2010-mspdi.xml").read_bytes()
    status, _, _ = _send(client, "/import", "links.xml", data)
    assert status == 204
    key = "task-links-project2010-mspdi"
    page = client.get(f"/projects/{key}/reports")
    assert f'href="/projects/{key}/export.xml"' in page.text
    xml = client.get(f"/projects/{key}/export.xml")
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xml")
    again = read_mspdi_upload(io.BytesIO(xml.content), "again.xml")
    assert again.dates.compared == 16
    assert again.dates.same
    plan = client.get(f"/projects/{key}/export.yaml")
    assert plan.text.startswith("project:")
    assert client.get("/projects/nobody/export.xml").status_code == 404


@needs_java
def test_an_mpx_file_is_previewed_and_created_through_mpxj(
    database: Database, tmp_path: Path, mpx_file: Path
) -> None:
    client = _signed_in(database, tmp_path)
    status, html, _ = _send(client, "/import/preview", "links.mpx", mpx_file.read_bytes())
    assert status == 200, html
    assert 'data-same="true"' in html
    status, html, headers = _send(client, "/import", "links.mpx", mpx_file.read_bytes())
    assert status == 204, html
    assert client.get(headers["hx-redirect"]).status_code == 200
