"""A report as the body of an e-mail: the headline (health, first section's key figures) in
HTML and in plain text, with the attached file named and the unsubscribe link at the foot.

The body is deliberately short: mail clients strip styles and block SVG, and the full report
travels as the attachment, so the body only has to say what matters and where the rest is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from plansmith.reports.document import KeyFigure, Report
from plansmith.reports.formatting import show
from plansmith.reports.html import TEMPLATES


@dataclass(frozen=True)
class EmailBody:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _headline(report: Report) -> tuple[KeyFigure, ...]:
    """The first section's figures: the status report's summary, or the portfolio's totals."""
    return report.sections[0].figures if report.sections else ()


def email_body(report: Report, title: str, attachment: str, unsubscribe_url: str) -> EmailBody:
    """``title`` is the plan entry's (say, "Weekly status to the steering group")."""
    figures = [(f.label, show(f.value, f.kind)) for f in _headline(report)]
    subject = f"{report.title} ({report.status_date})"
    context = {
        "report": report,
        "title": title,
        "figures": figures,
        "attachment": attachment,
        "unsubscribe_url": unsubscribe_url,
    }
    lines = [subject, ""]
    if report.health is not None:
        lines.append(f"Health: {report.health.level.upper()}: {report.health.rule}.")
    lines += [f"{label}: {value}" for label, value in figures]
    lines += [
        "",
        f"The full report is attached ({attachment}).",
        "",
        f"You receive this as part of the communication plan '{title}'.",
        f"Unsubscribe: {unsubscribe_url}",
    ]
    html = _environment().get_template("email.html").render(context)
    return EmailBody(subject, "\n".join(lines) + "\n", html)
