"""The report document as Markdown (GitHub-flavoured tables): for a wiki, a pull request or an
e-mail. Charts are pictures, which Markdown cannot hold inline: each is given by its one-sentence
description instead, and its figures are in the tables."""

from __future__ import annotations

from plansmith.reports.document import KeyFigure, Report, Table
from plansmith.reports.formatting import show


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _figure(figure: KeyFigure) -> str:
    value = show(figure.value, figure.kind)
    return f"| {_cell(figure.label)} | {_cell(value)} | {_cell(figure.note)} |"


def _table(table: Table) -> list[str]:
    lines = [f"### {table.title}", ""]
    if not table.rows:
        return [*lines, table.empty, ""]
    lines.append("| " + " | ".join(_cell(c.title) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if c.kind != "text" else "---" for c in table.columns) + "|")
    for row in table.rows:
        cells = (show(v, c.kind) for v, c in zip(row, table.columns, strict=True))
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if table.note:
        lines += ["", table.note]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"Status date: {report.status_date}", ""]
    if report.health is not None:
        lines += [f"**Health: {report.health.level.upper()}**: {report.health.rule}.", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.figures:
            lines += ["| Figure | Value | |", "|---|---:|---|"]
            lines += [_figure(f) for f in section.figures]
            lines.append("")
        for chart in section.charts:
            lines += [f"*Chart: {chart.title}.* {chart.description}", ""]
        for table in section.tables:
            lines += _table(table)
    if report.health is not None and report.health.rules:
        lines += ["## How health is set", ""]
        lines += [f"- **{level}**: {rule}" for level, rule in report.health.rules]
        lines.append("")
    for note in report.notes:
        lines += [note, ""]
    return "\n".join(lines).rstrip() + "\n"
