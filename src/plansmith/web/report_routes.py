"""The Reports page of a project: its status report at a chosen status date, to download as
PDF, HTML, XLSX or Markdown, and the portfolio summary of every project the user can see.

Reading reports needs ``read_reports``, so stakeholders have the page; the files are the ones
``plansmith report`` and the API's report downloads give for the same plan and date.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from plansmith.errors import Invalid
from plansmith.io.schema_types import FIRST_YEAR, LAST_YEAR
from plansmith.reports.document import Report
from plansmith.reports.render import MEDIA_TYPES, ReportFormat, file_name
from plansmith.services import reports
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.web.deps import PageSession, PageUser
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
FORMATS = (
    (ReportFormat.PDF, "PDF", "to print or send"),
    (ReportFormat.HTML, "HTML", "one self-contained file"),
    (ReportFormat.XLSX, "XLSX", "with every task, cost and risk"),
    (ReportFormat.MD, "Markdown", "for a wiki or an e-mail"),
)


def _status_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"'{text}' is not a date: write YYYY-MM-DD", code="invalid_date") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(
            f"the status date {day} is outside {FIRST_YEAR}-{LAST_YEAR}", code="invalid_date"
        )
    return day


def _format(text: str) -> ReportFormat:
    try:
        return ReportFormat(text)
    except ValueError:
        raise Invalid(f"no report format '{text}'", code="invalid_value") from None


def _file(report: Report, key: str, fmt: ReportFormat) -> Response:
    return Response(
        reports.render_report(report, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{file_name(report, key, fmt)}"'},
    )


@router.get("/projects/{key}/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    key: str,
    session: PageSession,
    user: PageUser,
    status_date: str | None = None,
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_REPORTS)
    chosen = _status_date(status_date)
    context = {
        **page_context(session, user, project),
        "formats": FORMATS,
        "status_date": chosen.isoformat() if chosen else "",
        "query": f"?status_date={chosen.isoformat()}" if chosen else "",
    }
    return render(request, "reports.html", context)


@router.get("/projects/{key}/reports/status.{fmt}")
def status_download(
    key: str, fmt: str, session: PageSession, user: PageUser, status_date: str | None = None
) -> Response:
    chosen = _format(fmt)
    report = reports.project_status_report(session, user, key, _status_date(status_date))
    return _file(report, key, chosen)


@router.get("/reports/portfolio.{fmt}")
def portfolio_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    chosen = _format(fmt)
    return _file(reports.portfolio_report(session, user), "portfolio", chosen)
