"""``plansmith``: schedule, check and start plans from the command line.

Exit status: 0 when the plan is fine (warnings allowed), 1 when it has errors, 2 for a misuse of
the command itself.
"""

from __future__ import annotations

import gc
import sys
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from plansmith.cli import cba, comms, convert, money, portfolio, report, risk, server
from plansmith.cli.output import OutputFormat, cannot_write, finish
from plansmith.cli.render import explain_task, print_diagnostics, print_outcome, print_overloads
from plansmith.scheduling.leveling import LevelingOptions, LevelMode
from plansmith.services.planning import (
    PlanOutcome,
    PortfolioOutcome,
    level_plan_file,
    level_plan_files,
    overload_plan_file,
    schedule_plan_file,
    schedule_plan_files,
)
from plansmith.services.starter import StarterExistsError, write_starter_plan

app = typer.Typer(
    name="plansmith",
    help="Technical project management with plans as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PlanArg = Annotated[Path, typer.Argument(help="The plan file (YAML).", show_default=False)]
risk.register(app)
money.register(app)
cba.register(app)
server.register(app)
convert.register(app)
report.register(app)
portfolio.register(app)
comms.register(app)


class LevelChoice(StrEnum):
    FAST = "fast"
    OPTIMAL = "optimal"


@app.command()
def schedule(
    plans: Annotated[
        list[Path],
        typer.Argument(
            help="Plan files (YAML). Several plans with --level are leveled together over the "
            "resource pool they share.",
            show_default=False,
        ),
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json")
    ] = OutputFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the result to this file.")
    ] = None,
    level: Annotated[
        LevelChoice | None,
        typer.Option(
            "--level",
            help="Level resources: fast (heuristics) or optimal (CP-SAT); --level alone = fast.",
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.01, help="Seconds for leveling.")
    ] = 1.0,
    schedules: Annotated[
        int | None,
        typer.Option("--schedules", min=1, help="Stop fast leveling after N schedules."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for fast leveling.")] = 0,
    within_float: Annotated[
        bool, typer.Option("--within-float", help="Never delay a task beyond its float.")
    ] = False,
) -> None:
    """Schedule a plan: dates, floats and the critical path (and leveled, with --level)."""
    options = LevelingOptions(
        LevelMode(level.value if level else "fast"), time_limit, schedules, seed, within_float
    )
    outcome: PlanOutcome | PortfolioOutcome
    if len(plans) > 1:
        outcome = schedule_plan_files(plans) if level is None else level_plan_files(plans, options)
    elif level is None:
        outcome = schedule_plan_file(plans[0])
    else:
        outcome = level_plan_file(plans[0], options)
    finish(
        ok=outcome.ok,
        diagnostics=outcome.diagnostics,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=outcome.to_json,
        table=lambda console: print_outcome(console, outcome),
    )


@app.command()
def explain(
    plan: PlanArg,
    task: Annotated[str, typer.Argument(help="The id of the task to explain.")],
    level: Annotated[LevelChoice, typer.Option("--level")] = LevelChoice.FAST,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.01)] = 1.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Say in words why a task starts when it does after leveling."""
    outcome = level_plan_file(plan, LevelingOptions(LevelMode(level.value), time_limit, None, seed))
    err = Console(stderr=True)
    print_diagnostics(err, outcome.diagnostics)
    if not outcome.ok or outcome.leveling is None:
        raise typer.Exit(1)
    try:
        lines = explain_task(outcome, task)
    except KeyError:
        err.print(f"error[unknown_task]: no task '{task}' in {plan}", markup=False)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)


@app.command()
def overload(plan: PlanArg) -> None:
    """Without leveling: per resource, the periods and amounts booked over capacity."""
    outcome = overload_plan_file(plan)
    print_diagnostics(Console(stderr=True), outcome.diagnostics)
    if not outcome.ok:
        raise typer.Exit(1)
    print_overloads(Console(), outcome)


@app.command()
def check(plan: PlanArg) -> None:
    """Only validate a plan: print each problem on one line; exit 1 on errors."""
    outcome = schedule_plan_file(plan)
    print_diagnostics(Console(stderr=True), outcome.diagnostics)
    if outcome.ok:
        warnings = len(outcome.diagnostics)
        tasks = len(outcome.project.tasks) if outcome.project else 0
        typer.echo(f"{plan}: OK, {tasks} tasks, {warnings} warning(s)")
    raise typer.Exit(0 if outcome.ok else 1)


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="The project's name.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: from NAME).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Start date YYYY-MM-DD (default: next Monday).")
    ] = None,
) -> None:
    """Write a commented starter plan to edit."""
    err = Console(stderr=True)
    try:
        first = date.fromisoformat(start) if start else _next_monday(date.today())
    except ValueError:
        err.print(f"error[invalid_date]: '{start}' is not a date: write YYYY-MM-DD", markup=False)
        raise typer.Exit(2) from None
    try:
        written = write_starter_plan(name, first, output)
    except StarterExistsError as exc:
        err.print(f"error[file_exists]: {exc}", markup=False)
        raise typer.Exit(1) from None
    except OSError as exc:
        cannot_write(err, output, exc)
    typer.echo(f"Wrote {written}; schedule it with: plansmith schedule {written}")


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


LEVEL_MODES = {"fast", "optimal"}


def with_default_level(args: list[str]) -> list[str]:
    """``--level`` may stand alone, meaning fast: Typer options cannot take an optional value, so
    the bare flag is completed here before parsing."""
    out: list[str] = []
    for k, arg in enumerate(args):
        out.append(arg)
        if arg == "--level" and (k + 1 == len(args) or args[k + 1] not in LEVEL_MODES):
            out.append("fast")
    return out


def main() -> None:
    # A command runs once and exits: the cyclic garbage collector only costs time here (about a
    # tenth of scheduling a 10,000-task plan), as the model holds no reference cycles to free.
    gc.disable()
    app(args=with_default_level(sys.argv[1:]), prog_name="plansmith")
