"""The report as PDF: the HTML report printed by WeasyPrint (A4, page numbers in the footer).

WeasyPrint needs the Pango and HarfBuzz libraries of the system (scripts/system-deps.sh
installs them); without them importing it fails, which :class:`PdfUnavailable` says in words.
"""

from __future__ import annotations

from plansmith.reports.document import Report
from plansmith.reports.html import render_html


class PdfUnavailable(Exception):
    """WeasyPrint cannot run here (its system libraries are missing)."""


def weasyprint_problem() -> str | None:
    """Why PDF cannot be rendered here, or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"PDF needs WeasyPrint and the Pango library ({exc})"
    return None


def render_pdf(report: Report) -> bytes:
    return html_to_pdf(render_html(report))


def html_to_pdf(html: str) -> bytes:
    problem = weasyprint_problem()
    if problem is not None:
        raise PdfUnavailable(problem)
    from weasyprint import HTML

    data: bytes = HTML(string=html, base_url=None).write_pdf()
    return data
