"""Every format shows the document's figures: Markdown and HTML contain them as the formatting
rules write them, the HTML is valid HTML5 (html5lib, strict) and self-contained, the PDF's text
(read back with pypdf) contains the key figures, and the XLSX opens in openpyxl with the Summary,
Tasks, Costs and Risks sheets holding the same values."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import html5lib
import pytest
from openpyxl import load_workbook

from plansmith.reports.document import Report
from plansmith.reports.formatting import show
from plansmith.reports.html import render_html
from plansmith.reports.markdown import render_markdown
from plansmith.reports.pdf import render_pdf, weasyprint_problem
from plansmith.reports.render import ReportFormat, file_name, render
from plansmith.reports.xlsx import render_xlsx
from plansmith.services.reports import plan_file_status_report, plan_files_portfolio_report

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
KEY_FIGURES = ("spi", "cpi", "sv", "cv", "bac", "ev", "ac", "p80_finish", "forecast_finish")


@pytest.fixture(scope="module")
def report() -> Report:
    outcome = plan_file_status_report(EXAMPLES / "erp-upgrade-tracking.yaml", workers=1)
    assert outcome.report is not None
    return outcome.report


@pytest.fixture(scope="module")
def risky() -> Report:
    outcome = plan_file_status_report(EXAMPLES / "saas-launch.yaml", date(2027, 3, 15), workers=1)
    assert outcome.report is not None
    return outcome.report


def shown(report: Report, figure_id: str) -> str:
    figure = report.figure(figure_id)
    return show(figure.value, figure.kind)


def test_figures_are_shown_by_the_money_rules(report: Report) -> None:
    assert shown(report, "cv") == "8,519.25"  # 8519.25 exactly: half-even to the cent
    assert shown(report, "sv") == "-5,667.81"
    assert shown(report, "spi") == "0.97"
    assert show(Decimal("0.125"), "money") == "0.12"
    assert show(None, "ratio") == "n/a"
    assert show(datetime(2027, 1, 2, 9, 30), "datetime") == "2027-01-02 09:30"


def test_markdown_contains_the_key_figures(report: Report) -> None:
    text = render_markdown(report)
    assert text.startswith("# Status report: ERP upgrade to release 12\n")
    assert "**Health: GREEN**" in text
    for figure_id in KEY_FIGURES:
        assert shown(report, figure_id) in text, figure_id
    for section in report.sections:
        assert f"## {section.title}" in text


def test_html_is_valid_self_contained_and_contains_the_key_figures(risky: Report) -> None:
    text = render_html(risky)
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    for figure_id in (*KEY_FIGURES, "p50_finish_forecast", "p80_cost"):
        assert shown(risky, figure_id) in text, figure_id
    assert text.count("<svg") == 2  # the S-curve and the finish-date curve, inline
    assert not re.search(r"<(link|script|img|iframe)\b", text)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert "url(http" not in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "ids must be unique across the inline charts"
    assert "ClickHouse ingestion" in text  # a top risk's title


def test_the_same_report_gives_the_same_html(report: Report) -> None:
    assert render_html(report) == render_html(report)


@pytest.mark.skipif(weasyprint_problem() is not None, reason=str(weasyprint_problem()))
def test_pdf_is_rendered_and_its_text_has_the_key_figures(risky: Report) -> None:
    from pypdf import PdfReader

    data = render_pdf(risky)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Status report: Pulse SaaS launch" in flat
    for figure_id in ("bac", "p80_cost", "p50_finish_forecast", "p80_finish_forecast"):
        assert shown(risky, figure_id) in flat, figure_id
    assert "RED" in flat
    assert "Page 1 of" in flat


def test_xlsx_sheets_hold_the_documents_values(report: Report) -> None:
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["Summary", "Tasks", "Costs", "Risks"]
    summary = book["Summary"]
    assert summary["A1"].value == report.title
    rows = {row[1]: row[2] for row in summary.iter_rows(min_row=1, values_only=True)}
    assert rows["SPI"] == pytest.approx(float(report.figure("spi").value))  # type: ignore[arg-type]
    assert rows["Forecast finish"] == report.figure("forecast_finish").value
    health = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Health")
    assert health[1:3] == ("GREEN", "on schedule and on budget by every rule")

    tasks = list(book["Tasks"].iter_rows(values_only=True))
    table = report.table("tasks")
    assert list(tasks[0]) == [c.title for c in table.columns]
    assert [r[1] for r in tasks[1:]] == table.column("Id")
    assert book["Tasks"]["D2"].number_format == "yyyy-mm-dd hh:mm"

    costs = list(book["Costs"].iter_rows(values_only=True))
    project = costs[-1]
    assert project[0] == "Project"
    assert project[1] == pytest.approx(float(report.figure("bac").value))  # type: ignore[arg-type]
    assert project[5] == pytest.approx(float(report.figure("sv").value))  # type: ignore[arg-type]
    assert book["Costs"]["B2"].number_format == "#,##0.00"

    risks = list(book["Risks"].iter_rows(values_only=True))
    assert risks[0][:3] == ("Id", "Risk", "Status")
    assert len(risks) - 1 == len(report.table("risks").rows)


def test_every_format_through_one_entry_point(report: Report) -> None:
    assert render(report, ReportFormat.MD).decode() == render_markdown(report)
    assert render(report, ReportFormat.XLSX)[:2] == b"PK"
    assert file_name(report, "erp", ReportFormat.PDF) == "erp-status-2027-05-14.pdf"


def test_portfolio_summary_in_each_text_format() -> None:
    outcome = plan_files_portfolio_report(
        [EXAMPLES / "saas-launch.yaml", EXAMPLES / "erp-upgrade-tracking.yaml"]
    )
    assert outcome.report is not None
    text = render_markdown(outcome.report)
    assert "| saas-launch | Pulse SaaS launch |" in text
    assert "RED" in text
    html = render_html(outcome.report)
    html5lib.HTMLParser(strict=True).parse(html)
    assert "erp-upgrade-tracking" in html
    book = load_workbook(io.BytesIO(render_xlsx(outcome.report)))
    assert book.sheetnames == ["Summary", "Projects"]
    assert book["Projects"].max_row == 3
