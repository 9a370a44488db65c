"""Reports as downloads: a project's status report and the portfolio summary, in HTML, PDF,
XLSX or Markdown (``plansmith report``'s documents). Reading a report needs ``read_reports``,
which every role has, stakeholders included."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from plansmith.api.actions import StatusDate
from plansmith.api.deps import CurrentUser, DbSession
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.reports.document import Report
from plansmith.reports.render import MEDIA_TYPES, ReportFormat, file_name
from plansmith.services import reports

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
FormatQuery = Annotated[ReportFormat, Query(alias="format", description="html, pdf, xlsx or md")]
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as a file",
        "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
    }
}


def _download(report: Report, key: str, fmt: ReportFormat) -> Response:
    return Response(
        reports.render_report(report, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{file_name(report, key, fmt)}"'},
    )


@router.get("/projects/{project}/reports/status", response_class=Response, responses=FILES)
def status_report(
    project: str,
    session: DbSession,
    user: CurrentUser,
    fmt: FormatQuery = ReportFormat.HTML,
    status_date: StatusDate = None,
) -> Response:
    """The project's status report at ``status_date`` (default: the plan's status date, else
    today): health and its rule, milestones, earned value, the P80 forecast, top risks and
    next steps."""
    report = reports.project_status_report(session, user, project, status_date)
    return _download(report, project, fmt)


@router.get("/reports/portfolio", response_class=Response, responses=FILES)
def portfolio_report(
    session: DbSession, user: CurrentUser, fmt: FormatQuery = ReportFormat.HTML
) -> Response:
    """A summary of every project the caller may see: health, finish, SPI, CPI, burn."""
    return _download(reports.portfolio_report(session, user), "portfolio", fmt)
