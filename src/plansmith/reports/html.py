"""The report document as one self-contained HTML file: the styles are inline, the charts are
inline SVG, and nothing is linked or fetched, so the file can be mailed or archived as it is.
The PDF is printed from this same HTML (:mod:`.pdf`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from plansmith.reports.charts import svg
from plansmith.reports.document import Report
from plansmith.reports.formatting import show

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    charts = {c.id: Markup(svg(c)) for s in report.sections for c in s.charts}
    template = _environment().get_template("report.html")
    return template.render(report=report, show=show, charts=charts)
