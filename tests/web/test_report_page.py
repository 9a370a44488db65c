"""The Reports page over a real database (SQLite and PostgreSQL): a stakeholder sees it and
downloads the files, which are the API's and the CLI's for the same plan and status date;
someone without a role sees no such project."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services.money import evm_plan_file
from plansmith.storage.database import Database
from tests.web.test_analysis_pages import EXAMPLES, Site, code_of, roles

TRACKING = EXAMPLES / "erp-upgrade-tracking.yaml"


@pytest.fixture
def site(database: Database, tmp_path: Path, database_url: str) -> Iterator[Site]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    app = compose(settings, database)
    with TestClient(app):
        yield Site(app, database)


def test_a_stakeholder_has_the_page_and_its_downloads(site: Site) -> None:
    key = site.import_example("erp-upgrade-tracking.yaml")
    browsers = roles(site, key)
    page = browsers["stakeholder"].get(f"/projects/{key}/reports")
    assert page.status_code == 200, page.text
    assert f'href="/projects/{key}/reports" aria-current="page"' in page.text
    links = re.findall(r'href="(/projects/[^"]+/reports/status\.[a-z]+)"', page.text)
    assert sorted(link.rsplit(".", 1)[1] for link in links) == ["html", "md", "pdf", "xlsx"]
    markdown = browsers["stakeholder"].get(f"/projects/{key}/reports/status.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-disposition"].endswith('-status-2027-05-14.md"')
    evm = evm_plan_file(TRACKING).result.project
    assert f"| CV | {evm.cv:,.2f} |" in markdown.text


def test_a_chosen_status_date_goes_into_every_download(site: Site) -> None:
    key = site.import_example("erp-upgrade-tracking.yaml")
    owner = roles(site, key)["owner"]
    page = owner.get(f"/projects/{key}/reports?status_date=2027-04-30")
    assert f"/projects/{key}/reports/status.xlsx?status_date=2027-04-30" in page.text
    sheet = owner.get(f"/projects/{key}/reports/status.xlsx?status_date=2027-04-30")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    assert book["Summary"]["B2"].value.date().isoformat() == "2027-04-30"
    wrong = owner.get(f"/projects/{key}/reports?status_date=30/04/2027")
    assert (wrong.status_code, code_of(wrong.text)) == (422, "invalid_date")
    unknown = owner.get(f"/projects/{key}/reports/status.docx")
    assert (unknown.status_code, code_of(unknown.text)) == (422, "invalid_value")


def test_no_role_no_report(site: Site) -> None:
    key = site.import_example("erp-upgrade-tracking.yaml")
    outsider = roles(site, key)["outsider"]
    for url in (f"/projects/{key}/reports", f"/projects/{key}/reports/status.md"):
        answer = outsider.get(url)
        assert (answer.status_code, code_of(answer.text)) == (404, "not_found")
    summary = outsider.get("/reports/portfolio.md")
    assert summary.status_code == 200
    assert key not in summary.text
