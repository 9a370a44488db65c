"""``plansmith simulate`` and ``plansmith estimate``: schedule risk from the command line."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from plansmith.cli.output import OutputFormat, finish
from plansmith.domain.model import Project
from plansmith.io.schedule_json import TIME_FORMAT

if TYPE_CHECKING:
    from plansmith.services.risk import RiskOutcome


class Level(StrEnum):
    FAST = "fast"


PlanArg = Annotated[Path, typer.Argument(help="The plan file (YAML).", show_default=False)]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Same seed, same answer.")]


def register(app: typer.Typer) -> None:
    app.command()(simulate)
    app.command()(estimate)


def simulate(
    plan: PlanArg,
    iterations: Annotated[
        int, typer.Option("--iterations", "-n", min=1, max=10_000_000, help="Runs to simulate.")
    ] = 1000,
    seed: SeedOpt = 0,
    latin: Annotated[
        bool, typer.Option("--latin", help="Latin hypercube sampling (fewer runs, same precision).")
    ] = False,
    until_stable: Annotated[
        str | None,
        typer.Option(
            "--until-stable",
            help="Keep adding rounds of --iterations until the P80 finish moves less than this "
            "working time (e.g. 2h, 0.5d).",
        ),
    ] = None,
    max_iterations: Annotated[
        int, typer.Option("--max-iterations", min=1, help="Cap for --until-stable.")
    ] = 200_000,
    level: Annotated[
        Level | None, typer.Option("--level", help="Level resources in every iteration (fast).")
    ] = None,
    schedules: Annotated[
        int, typer.Option("--schedules", min=1, help="Schedules per leveled iteration.")
    ] = 20,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Monte Carlo schedule risk: finish and cost percentiles, criticality and sensitivity."""
    # Imported here: the simulation's modules are not needed by the other commands' start-up.
    from plansmith.analytics.montecarlo import SimulationOptions
    from plansmith.scheduling.leveling import LevelingOptions
    from plansmith.services.risk import simulate_plan_file

    options = SimulationOptions(
        iterations=iterations, seed=seed, latin=latin, max_iterations=max_iterations
    )
    leveling = LevelingOptions(schedules=schedules, seed=seed) if level is not None else None
    outcome = simulate_plan_file(plan, options, leveling, until_stable)
    _finish(outcome, output_format, output, _print_simulation)


def estimate(
    plan: PlanArg,
    iterations: Annotated[int, typer.Option("--iterations", "-n", min=1)] = 2000,
    seed: SeedOpt = 0,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """PERT totals, and the schedule and budget reserve needed for P80 and P90."""
    from plansmith.analytics.montecarlo import SimulationOptions
    from plansmith.services.risk import simulate_plan_file

    outcome = simulate_plan_file(plan, SimulationOptions(iterations=iterations, seed=seed))
    _finish(outcome, output_format, output, _print_estimate)


def _finish(
    outcome: RiskOutcome, output_format: OutputFormat, output: Path | None, table: Any
) -> None:
    from plansmith.io.simulation_json import simulation_to_json

    def to_json() -> dict[str, Any]:
        doc = simulation_to_json(outcome.plan.project, outcome.report, outcome.diagnostics)
        if outcome.ok:
            doc["estimate"] = _estimate_json(outcome)
        return doc

    finish(
        ok=outcome.ok,
        diagnostics=outcome.diagnostics,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=to_json,
        table=lambda console: table(console, outcome),
        width=120,
    )


def _money(value: float) -> str:
    from plansmith.io.simulation_json import money

    return money(value)


def _days(project: Project, minutes: float) -> str:
    return f"{minutes / 60 / project.hours_per_day:.1f}d"


def _print_simulation(console: Console, outcome: RiskOutcome) -> None:
    report, project = outcome.report, outcome.plan.project
    assert report is not None
    assert project is not None

    def at(minutes: float) -> str:
        return (project.origin_datetime + timedelta(minutes=int(minutes))).strftime(TIME_FORMAT)

    mode = "leveled, " if report.leveled else ""
    console.print(
        f"[bold]{project.name}[/]: {report.iterations} iterations ({mode}{report.sampling}, "
        f"seed {report.seed}); plan finishes {at(report.deterministic_finish)}, costs "
        f"{_money(report.deterministic_cost)} {project.currency}"
    )
    spread = Table("", "finish", f"cost ({project.currency})")
    for p, value in report.finish.percentiles.items():
        spread.add_row(f"P{p}", at(value), _money(report.cost.percentiles[p]))
    spread.add_row("mean", at(report.finish.mean), _money(report.cost.mean))
    spread.add_row("std", _days(project, report.finish.std), _money(report.cost.std))
    console.print(spread)
    tasks = sorted(report.tasks, key=lambda t: (-abs(t.sensitivity), -t.criticality, t.id))
    drivers = Table("task", "criticality", "sensitivity", "PERT mean", "PERT σ", title="Drivers")
    for t in tasks[:15]:
        e = t.estimate
        drivers.add_row(
            t.id,
            f"{t.criticality:.0%}",
            f"{t.sensitivity:+.2f}",
            _days(project, e.pert_mean) if e else "",
            _days(project, e.pert_std) if e else "",
        )
    console.print(drivers)
    if report.risks:
        risks = Table("risk", "title", "probability", "occurred", "sensitivity", title="Risks")
        for r in report.risks:
            risks.add_row(
                r.id,
                r.title,
                f"{r.probability:.0%}",
                f"{r.occurrence:.1%}",
                f"{r.sensitivity:+.2f}",
            )
        console.print(risks)
    if report.targets:
        dates = Table("milestone / deadline", "date", "kind", "on time", title="Commitments")
        for m in report.targets:
            dates.add_row(m.id, at(m.target), m.kind, f"{m.p_on_time:.1%}")
        console.print(dates)
    if report.precision is not None and report.p80_interval is not None:
        state = "stable" if report.precision.stable else "NOT stable (iteration cap reached)"
        low, high = report.p80_interval
        console.print(
            f"P80 {state}: last round moved it {_days(project, report.precision.change)}; "
            f"95% interval {at(low)} .. {at(high)}"
        )


def _print_estimate(console: Console, outcome: RiskOutcome) -> None:
    project, pert, res = outcome.plan.project, outcome.pert, outcome.reserve
    assert project is not None
    assert pert is not None
    assert res is not None
    console.print(f"[bold]{project.name}[/]: {pert.task_count} tasks with three-point estimates")
    table = Table("", "working days", title="PERT")
    table.add_row("sum of means (all tasks)", _days(project, pert.mean_total))
    table.add_row("σ of the sum (all tasks)", _days(project, pert.std_total))
    table.add_row("critical path, planned", _days(project, pert.path_likely))
    table.add_row("critical path, PERT mean", _days(project, pert.path_mean))
    table.add_row("critical path, PERT σ", _days(project, pert.path_std))
    table.add_row("critical path, PERT P80", _days(project, pert.path_p80))
    table.add_row("critical path, PERT P90", _days(project, pert.path_p90))
    console.print(table)
    reserve = Table("", "schedule (working days)", f"budget ({project.currency})", title="Reserve")
    reserve.add_row("P80", _days(project, res.schedule_p80), _money(res.cost_p80))
    reserve.add_row("P90", _days(project, res.schedule_p90), _money(res.cost_p90))
    console.print(reserve)


def _estimate_json(outcome: RiskOutcome) -> dict[str, Any]:
    project, pert, res = outcome.plan.project, outcome.pert, outcome.reserve
    assert project is not None
    assert pert is not None
    assert res is not None
    day = 60.0 * project.hours_per_day
    return {
        "estimated_tasks": pert.task_count,
        "pert_mean_total_days": round(pert.mean_total / day, 3),
        "pert_std_total_days": round(pert.std_total / day, 3),
        "critical_path": {
            "planned_days": round(pert.path_likely / day, 3),
            "pert_mean_days": round(pert.path_mean / day, 3),
            "pert_std_days": round(pert.path_std / day, 3),
            "pert_p80_days": round(pert.path_p80 / day, 3),
            "pert_p90_days": round(pert.path_p90 / day, 3),
        },
        "reserve": {
            "schedule_p80_days": round(res.schedule_p80 / day, 3),
            "schedule_p90_days": round(res.schedule_p90 / day, 3),
            "cost_p80": _money(res.cost_p80),
            "cost_p90": _money(res.cost_p90),
        },
    }
