"""Report downloads over the API (SQLite and PostgreSQL): the file, its media type and name, the
figures equal to the API's own EVM answer, a stakeholder reading them, and another project's
report looking absent."""

from __future__ import annotations

import io
import re

import html5lib
import pytest
from openpyxl import load_workbook

from plansmith.reports.pdf import weasyprint_problem
from plansmith.services.access import Role
from tests.api.conftest import Api

V1 = "/api/v1"
OTHER = """\
project: {id: other-customer, name: Another customer's project, start: 2027-03-01}
tasks:
  - {id: alpha, name: Alpha, duration: 2d}
  - {id: gate, name: Gate, milestone: true, after: [alpha]}
"""


def _other(api: Api) -> str:
    from plansmith.services.projects import import_plan_text

    with api.database.transaction() as session:
        return import_plan_text(session, OTHER, "other.yaml").key


def test_a_stakeholder_downloads_the_status_report(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("erp-upgrade-tracking.yaml")
    stakeholder = api.member("sponsor@example.com", key, Role.STAKEHOLDER)
    url = f"{V1}/projects/{key}/reports/status"
    reply = api.client.get(url, params={"format": "md"}, headers=stakeholder)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/markdown; charset=utf-8"
    assert reply.headers["content-disposition"] == (
        f'attachment; filename="{key}-status-2027-05-14.md"'
    )
    evm = api.client.get(f"{V1}/projects/{key}/evm", headers=stakeholder).json()
    text = reply.text
    assert f"| SV | {float(evm['sv']):,.2f} |" in text
    assert f"| CV | {float(evm['cv']):,.2f} |" in text
    assert f"| AC | {float(evm['ac']):,.2f} |" in text
    assert f"| SPI | {evm['spi']:.2f} |" in text
    assert "**Health: GREEN**" in text
    # The dashboard's rule and verdict for the same project.
    html = api.client.get(url, headers=stakeholder)
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    html5lib.HTMLParser(strict=True).parse(html.text)
    assert "on schedule and on budget by every rule" in html.text


def test_an_earlier_status_date_and_the_spreadsheet(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("erp-upgrade-tracking.yaml")
    reply = api.client.get(
        f"{V1}/projects/{key}/reports/status",
        params={"format": "xlsx", "status_date": "2027-04-30"},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["Summary", "Tasks", "Costs", "Risks"]
    evm = api.client.get(
        f"{V1}/projects/{key}/evm", params={"status_date": "2027-04-30"}, headers=admin
    ).json()
    project_row = list(book["Costs"].iter_rows(values_only=True))[-1]
    assert project_row[0] == "Project"
    assert project_row[3] == pytest.approx(float(evm["ev"]))


@pytest.mark.skipif(weasyprint_problem() is not None, reason=str(weasyprint_problem()))
def test_the_pdf_report(api: Api, admin: dict[str, str]) -> None:
    from pypdf import PdfReader

    key = api.import_example("saas-launch.yaml")
    reply = api.client.get(
        f"{V1}/projects/{key}/reports/status",
        params={"format": "pdf", "status_date": "2027-03-15"},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(reply.content)).pages
    )
    assert "Status report: Pulse SaaS launch" in text
    assert re.search(r"P80 finish \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)


def test_another_projects_report_is_not_found(api: Api, admin: dict[str, str]) -> None:
    mine = api.import_example("erp-upgrade-tracking.yaml")
    theirs = _other(api)
    stakeholder = api.member("sponsor@example.com", mine, Role.STAKEHOLDER)
    reply = api.client.get(f"{V1}/projects/{theirs}/reports/status", headers=stakeholder)
    assert (reply.status_code, reply.json()["code"]) == (404, "not_found")
    unknown = api.client.get(f"{V1}/projects/no-such/reports/status", headers=admin)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_a_format_that_does_not_exist_is_refused(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("erp-upgrade-tracking.yaml")
    reply = api.client.get(
        f"{V1}/projects/{key}/reports/status", params={"format": "docx"}, headers=admin
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid"


def test_the_portfolio_summary_lists_only_visible_projects(api: Api, admin: dict[str, str]) -> None:
    mine = api.import_example("erp-upgrade-tracking.yaml")
    theirs = _other(api)
    stakeholder = api.member("sponsor@example.com", mine, Role.STAKEHOLDER)
    reply = api.client.get(f"{V1}/reports/portfolio", params={"format": "md"}, headers=stakeholder)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-disposition"].startswith('attachment; filename="portfolio-')
    assert f"| {mine} |" in reply.text
    assert theirs not in reply.text
    everything = api.client.get(f"{V1}/reports/portfolio", params={"format": "md"}, headers=admin)
    assert f"| {theirs} |" in everything.text
    assert "| Projects | 2 |" in everything.text
