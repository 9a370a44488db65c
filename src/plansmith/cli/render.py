"""Rich rendering of schedules and diagnostics for the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.durations import format_duration
from plansmith.domain.model import Project
from plansmith.scheduling.result import ScheduleResult

_WHEN = "%a %Y-%m-%d %H:%M"


def diagnostic_line(d: Diagnostic) -> str:
    """One line per problem: ``file:line:col: severity[code]: message``."""
    where = f"{d.location}: " if d.location is not None else ""
    return f"{where}{d.severity.value}[{d.code}]: {d.message}"


def print_diagnostics(console: Console, diagnostics: Iterable[Diagnostic]) -> None:
    for d in diagnostics:
        style = "red" if d.is_error else "yellow"
        console.print(
            diagnostic_line(d), style=style, markup=False, highlight=False, soft_wrap=True
        )


def schedule_table(project: Project, result: ScheduleResult) -> Table:
    hours = project.hours_per_day
    table = Table(title=f"{project.name} ({project.id})", title_justify="left")
    table.add_column("WBS", no_wrap=True)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Start", no_wrap=True)
    table.add_column("Finish", no_wrap=True)
    table.add_column("Duration", justify="right")
    table.add_column("Float", justify="right")
    table.add_column("Crit", justify="center")
    for task in result.tasks:
        indent = "  " * task.wbs.count(".")
        style = "bold" if task.summary else ("red" if task.critical else None)
        name = f"{indent}{task.name}" + (" ◆" if task.milestone else "")
        table.add_row(
            task.wbs,
            task.id,
            name,
            result.at(task.start).strftime(_WHEN),
            result.at(task.finish).strftime(_WHEN),
            format_duration(task.duration, hours),
            format_duration(task.total_float, hours),
            "*" if task.critical else "",
            style=style,
        )
    return table


def print_schedule(console: Console, project: Project, result: ScheduleResult) -> None:
    if not console.is_terminal:
        console.width = max(console.width, 132)  # a file or pipe gets the whole table, unwrapped
    console.print(schedule_table(project, result))
    console.print(
        f"Project finish: [bold]{result.at(result.finish).strftime(_WHEN)}[/bold] "
        f"({project.timezone}); critical path: {len(result.critical_path)} tasks"
    )
