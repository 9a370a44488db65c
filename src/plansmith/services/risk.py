"""Simulating and estimating plan files: the use cases behind ``simulate`` and ``estimate``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from plansmith.analytics.checks import plan_diagnostics
from plansmith.analytics.estimate import PertTotals, Reserve, pert_totals, reserve
from plansmith.analytics.leveled_simulation import LeveledBatches
from plansmith.analytics.montecarlo import Simulation, SimulationOptions, simulate
from plansmith.analytics.risk_report import RiskReport, report
from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.domain.durations import DurationError, parse_duration
from plansmith.io.plan_file import LoadedPlan, load_plan
from plansmith.scheduling.cpm import run_cpm
from plansmith.scheduling.leveling import LevelingOptions
from plansmith.scheduling.progress import progressed


@dataclass(frozen=True)
class RiskOutcome:
    """A simulation's report (None when the plan has errors) and every located diagnostic."""

    plan: LoadedPlan
    report: RiskReport | None
    diagnostics: tuple[Diagnostic, ...]
    pert: PertTotals | None = None
    reserve: Reserve | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and not has_errors(self.diagnostics)


def simulate_plan_file(
    path: str | Path,
    options: SimulationOptions,
    leveling: LevelingOptions | None = None,
    until_stable: str | None = None,
) -> RiskOutcome:
    """Load, check, and simulate ``options.iterations`` runs of the plan (leveled when
    ``leveling`` is given; with ``until_stable``, a duration such as "2h", in rounds until the
    P80 moves less than that); problems come back as diagnostics, never as exceptions."""
    return simulate_plan(load_plan(path), options, leveling, until_stable)


def simulate_plan(
    plan: LoadedPlan,
    options: SimulationOptions,
    leveling: LevelingOptions | None = None,
    until_stable: str | None = None,
) -> RiskOutcome:
    project = plan.project
    if project is None or not plan.ok:
        return RiskOutcome(plan, None, tuple(plan.diagnostics))
    if until_stable is not None:
        try:
            tolerance = parse_duration(
                until_stable,
                hours_per_day=project.hours_per_day,
                hours_per_week=project.hours_per_week,
            )
        except DurationError as exc:
            problem = error("invalid_duration", f"--until-stable: {exc}", "--until-stable")
            return RiskOutcome(plan, None, (*plan.diagnostics, problem))
        options = replace(options, until_stable=tolerance)
    project, progress_problems = progressed(project)
    cpm, passes = run_cpm(project)
    problems = [*progress_problems, *cpm.diagnostics, *plan_diagnostics(project)]
    if passes is None or has_errors(problems):
        return RiskOutcome(plan, None, _located(plan, problems))
    model = Simulation.build(project, cpm, passes)
    if leveling is None:
        tally, precision = simulate(model, options)
        result = report(model, tally, options, precision)
    else:
        runner = LeveledBatches(model, leveling)
        tally, precision = simulate(runner.model, options, runner.run)
        result = report(
            runner.model,
            tally,
            options,
            precision,
            baseline_finish=runner.base_finish,
            leveled=True,
        )
    totals = pert_totals(project, cpm, passes.net)
    return RiskOutcome(plan, result, _located(plan, problems), totals, reserve(result))


def _located(plan: LoadedPlan, diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return (*plan.diagnostics, *(plan.source.place(d) for d in diagnostics))
