"""Rich rendering of schedules and diagnostics for the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.durations import format_duration
from plansmith.domain.model import Project
from plansmith.scheduling.result import ScheduleResult
from plansmith.services.planning import PlanOutcome, PortfolioOutcome

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


def print_outcome(console: Console, outcome: PlanOutcome | PortfolioOutcome) -> None:
    """The schedule table(s), and with leveling a summary of what leveling did."""
    members = outcome.outcomes if isinstance(outcome, PortfolioOutcome) else (outcome,)
    for member in members:
        if member.project is not None and member.result is not None:
            print_schedule(console, member.project, member.result)
    leveled = outcome.leveling
    if leveled is None:
        return
    result = leveled.schedule
    moved = sum(1 for reasons in leveled.delay_reasons.values() if reasons)
    gap = leveled.gap
    console.print(
        f"Leveled ({leveled.mode.value}, {leveled.status.value}): finish "
        f"{result.at(result.finish).strftime(_WHEN)}, unleveled "
        f"{result.at(leveled.unleveled_finish).strftime(_WHEN)}; {moved} tasks moved; "
        f"{leveled.schedules} schedules in {leveled.seconds:.2f} s"
        + (f"; gap to lower bound {gap:.1%}" if gap is not None else ""),
        highlight=False,
    )
    console.print("Why a task moved: plansmith explain PLAN TASK", style="dim")


def explain_task(outcome: PlanOutcome, task_id: str) -> list[str]:
    """Sentences saying why ``task_id`` starts when it does; KeyError for an unknown task."""
    assert outcome.leveling is not None
    assert outcome.project is not None
    result = outcome.leveling.schedule
    task = result.task(task_id)
    names = {t.id: t.name for t in result.tasks}
    resources = {r.id: r for r in outcome.project.resources}

    def when(minutes: int) -> str:
        return result.at(minutes).strftime(_WHEN)

    hours = outcome.project.hours_per_day
    lines = [f"{task.id} ({task.name}) starts {when(task.start)}, finishes {when(task.finish)}."]
    reasons = outcome.leveling.delay_reasons.get(task_id, ())
    if task.start <= task.early_start:
        lines.append("It starts at its early start: leveling did not delay it.")
        return lines
    lines.append(f"Without leveling it could start {when(task.early_start)}; it waits because:")
    for reason in reasons:
        if reason.kind == "predecessor" and reason.predecessor is not None:
            lines.append(
                f"- its predecessor {reason.predecessor} ({names.get(reason.predecessor, '')}) "
                f"was itself moved, so it may start only {when(reason.end)}"
            )
        elif reason.resource is not None:
            res = resources[reason.resource]
            held = ", ".join(f"{h} ({names.get(h, '')})" for h in reason.held_by)
            lines.append(
                f"- {res.name} ({res.id}, capacity {res.capacity:g}) is fully booked from "
                f"{when(reason.start)} to {when(reason.end)} by {held}"
            )
    if not reasons:
        lines.append("- calendars: no resource was over capacity in between")
    lines.append(f"Total float after leveling: {format_duration(task.total_float, hours)}.")
    return lines


def print_overloads(console: Console, outcome: PlanOutcome) -> None:
    """Per resource, where the unleveled schedule books it over capacity."""
    if outcome.result is None:
        return
    result = outcome.result
    table = Table(title="Resources over capacity (unleveled schedule)", title_justify="left")
    for column in ("Resource", "Capacity", "From", "To", "Booked", "Over by"):
        table.add_column(column, no_wrap=True)
    over = 0
    for load in outcome.loads:
        for a, b, excess in load.overloads:
            over += 1
            table.add_row(
                f"{load.name} ({load.resource})",
                f"{load.capacity:g}",
                result.at(a).strftime(_WHEN),
                result.at(b).strftime(_WHEN),
                f"{load.capacity + excess:g}",
                f"{excess:g}",
            )
    if not console.is_terminal:
        console.width = max(console.width, 132)
    if over:
        console.print(table)
    else:
        console.print("No resource is booked over its capacity.")
