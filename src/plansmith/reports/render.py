"""One entry point for every format: the bytes of a report, its media type and its file
extension. Imports each renderer only when asked for (WeasyPrint and Matplotlib take a while to
load, and Markdown and XLSX need neither)."""

from __future__ import annotations

from enum import StrEnum

from plansmith.reports.document import Report


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"
    MD = "md"


MEDIA_TYPES = {
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.MD: "text/markdown; charset=utf-8",
}


def render(report: Report, fmt: ReportFormat) -> bytes:
    """The report in ``fmt``; :class:`~plansmith.reports.pdf.PdfUnavailable` for PDF where
    WeasyPrint's system libraries are missing."""
    if fmt is ReportFormat.MD:
        from plansmith.reports.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt is ReportFormat.HTML:
        from plansmith.reports.html import render_html

        return render_html(report).encode("utf-8")
    if fmt is ReportFormat.PDF:
        from plansmith.reports.pdf import render_pdf

        return render_pdf(report)
    from plansmith.reports.xlsx import render_xlsx

    return render_xlsx(report)


def file_name(report: Report, key: str, fmt: ReportFormat) -> str:
    """``KEY-status-2027-03-15.pdf``: the project, the kind and the status date."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in key) or "report"
    return f"{safe}-{report.kind}-{report.status_date.isoformat()}.{fmt.value}"
