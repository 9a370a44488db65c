"""Budgets, baselines and earned value of plan files: the use cases behind ``budget``,
``baseline save|compare`` and ``evm``.

Every one starts the same way: load, fold progress in as of the status date, schedule, and cost
the schedule by day. Problems come back as diagnostics, never as exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from plansmith.analytics.budget import BudgetReport, budget_report
from plansmith.analytics.checks import plan_diagnostics
from plansmith.analytics.costs import CostPlan, planned_costs
from plansmith.analytics.evm import EvmReport, earned_value
from plansmith.analytics.health import working_days
from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.domain.model import Project
from plansmith.io.baselines import (
    Baseline,
    BaselineFileError,
    BaselineTask,
    load_baselines,
    load_status_history,
    record_status,
    save_baseline,
)
from plansmith.io.plan_file import LoadedPlan, load_plan
from plansmith.io.schedule_json import TIME_FORMAT
from plansmith.io.schema_types import FIRST_YEAR, LAST_YEAR
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.progress import progressed
from plansmith.scheduling.result import ScheduleResult


@dataclass(frozen=True)
class Costed:
    """A plan as it stands: progressed, scheduled and costed by day."""

    plan: LoadedPlan
    project: Project
    schedule: ScheduleResult
    costs: CostPlan


@dataclass(frozen=True)
class MoneyOutcome:
    """What a money command produced (``result``; None on errors) and every located diagnostic."""

    plan: LoadedPlan
    result: Any
    diagnostics: tuple[Diagnostic, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is not None and not has_errors(self.diagnostics)


def cost_plan_file(
    path: str | Path, status_date: date | None = None
) -> tuple[Costed | None, tuple[Diagnostic, ...], LoadedPlan]:
    """The plan as of its status date (or ``status_date``, which then replaces it)."""
    return cost_plan(load_plan(path), status_date)


def cost_plan(
    plan: LoadedPlan, status_date: date | None = None
) -> tuple[Costed | None, tuple[Diagnostic, ...], LoadedPlan]:
    if plan.project is None or not plan.ok:
        return None, tuple(plan.diagnostics), plan
    if status_date is not None and not FIRST_YEAR <= status_date.year <= LAST_YEAR:
        problem = error(
            "invalid_date",
            f"the status date {status_date} is outside the years {FIRST_YEAR}-{LAST_YEAR}",
            "status_date",
        )
        return None, (*plan.diagnostics, problem), plan
    written = plan.project
    if status_date is not None:
        written = replace(written, status_date=status_date)
    project, problems = progressed(written)
    problems += plan_diagnostics(plan.project)
    if has_errors(problems):
        return None, _located(plan, problems), plan
    schedule = schedule_project(project)
    problems += schedule.diagnostics
    if not schedule.ok:
        return None, _located(plan, problems), plan
    return (
        Costed(plan, project, schedule, planned_costs(project, schedule)),
        _located(plan, problems),
        plan,
    )


def budget_plan_file(path: str | Path) -> MoneyOutcome:
    costed, diagnostics, plan = cost_plan_file(path)
    if costed is None:
        return MoneyOutcome(plan, None, diagnostics)
    report: BudgetReport = budget_report(costed.project, costed.costs)
    return MoneyOutcome(plan, report, diagnostics, {"costed": costed})


def save_plan_baseline(path: str | Path, name: str, *, force: bool = False) -> MoneyOutcome:
    costed, diagnostics, plan = cost_plan_file(path)
    if costed is None:
        return MoneyOutcome(plan, None, diagnostics)
    existing = _saved(path)
    if isinstance(existing, Diagnostic):
        return MoneyOutcome(plan, None, (*diagnostics, existing))
    if name in existing and not force:
        problem = error(
            "baseline_exists",
            f"baseline '{name}' already exists; choose another name or pass --force to replace it",
        )
        return MoneyOutcome(plan, None, (*diagnostics, problem))
    baseline = baseline_of(costed, name)
    try:
        written = save_baseline(Path(path), baseline)
    except OSError as exc:
        problem = error("output_not_writable", f"cannot write the baseline: {exc.strerror or exc}")
        return MoneyOutcome(plan, None, (*diagnostics, problem))
    return MoneyOutcome(plan, baseline, diagnostics, {"path": written})


def baseline_of(costed: Costed, name: str) -> Baseline:
    schedule, project = costed.schedule, costed.project
    days = costed.costs.task_days()
    cost = {task_id: sum(d.values(), Decimal(0)) for task_id, d in days.items()}
    for task in reversed(project.tasks):  # children come after parents: roll costs up
        if task.parent is not None:
            cost[task.parent] = cost.get(task.parent, Decimal(0)) + cost.get(task.id, Decimal(0))
    tasks = {
        task.id: BaselineTask(
            task.name,
            schedule.at(s.start).strftime(TIME_FORMAT),
            schedule.at(s.finish).strftime(TIME_FORMAT),
            cost.get(task.id, Decimal(0)),
            days.get(task.id, {}),  # a summary's own: a fixed cost or expense on the phase
        )
        for task, s in zip(project.tasks, schedule.tasks, strict=True)
    }
    return Baseline(
        name,
        datetime.now().strftime(TIME_FORMAT),
        schedule.at(schedule.start).strftime(TIME_FORMAT),
        schedule.at(schedule.finish).strftime(TIME_FORMAT),
        tasks,
        costed.costs.total,
    )


def compare_plan_baselines(path: str | Path, first: str | None, second: str | None) -> MoneyOutcome:
    """``first`` vs ``second`` (a baseline name, or None for the current plan); with neither,
    the latest baseline against the current plan."""
    costed, diagnostics, plan = cost_plan_file(path)
    if costed is None:
        return MoneyOutcome(plan, None, diagnostics)
    saved = _saved(path)
    if isinstance(saved, Diagnostic):
        return MoneyOutcome(plan, None, (*diagnostics, saved))
    if first is None:
        if not saved:
            problem = error("unknown_baseline", "no baselines saved yet: run 'baseline save' first")
            return MoneyOutcome(plan, None, (*diagnostics, problem))
        first = list(saved)[-1]
    current = baseline_of(costed, "current")
    chosen = []
    for name in (first, second):
        if name is None:
            chosen.append(current)
        elif name in saved:
            chosen.append(saved[name])
        else:
            return MoneyOutcome(plan, None, (*diagnostics, _unknown(name, saved)))
    return MoneyOutcome(plan, (chosen[0], chosen[1]), diagnostics, {"costed": costed})


def evm_plan_file(
    path: str | Path,
    status_date: date | None = None,
    baseline: str | None = None,
    *,
    record: bool = False,
) -> MoneyOutcome:
    costed, diagnostics, plan = cost_plan_file(path, status_date)
    saved = _saved(path) if baseline else {}
    try:
        history = load_status_history(Path(path))
    except BaselineFileError as exc:
        saved = error("baseline_file_invalid", str(exc))
    if isinstance(saved, Diagnostic):
        return MoneyOutcome(plan, None, (*diagnostics, saved))
    outcome = evm_of(costed, diagnostics, plan, saved, history, baseline)
    if record and outcome.ok:
        from plansmith.io.money_json import snapshot

        outcome.extra["recorded"] = record_status(Path(path), snapshot(outcome.result))
    return outcome


def evm_of(
    costed: Costed | None,
    diagnostics: tuple[Diagnostic, ...],
    plan: LoadedPlan,
    saved: dict[str, Baseline],
    history: list[dict[str, Any]],
    baseline: str | None = None,
) -> MoneyOutcome:
    """Earned value of a costed plan against ``baseline`` (one of ``saved``; None: the plan as
    it stands), with the recorded status ``history`` for the trend."""
    if costed is None:
        return MoneyOutcome(plan, None, diagnostics)
    project = costed.project
    day = project.status_date
    if day is None:
        problem = error(
            "status_date_missing",
            "earned value needs a status date: set project.status_date or pass --status-date",
            "project",
            ("project",),
        )
        return MoneyOutcome(plan, None, (*diagnostics, plan.source.place(problem)))
    if baseline is not None and baseline not in saved:
        return MoneyOutcome(plan, None, (*diagnostics, _unknown(baseline, saved)))
    chosen = saved[baseline] if baseline else baseline_of(costed, "current")
    planned = {task_id: t.days for task_id, t in chosen.tasks.items() if t.days}
    planned_finish = datetime.strptime(chosen.finish, TIME_FORMAT)
    finish_day = (planned_finish - timedelta(minutes=1)).date()
    remaining = sum(
        (e.amount for e in costed.costs.entries if e.task is not None and e.day > day), Decimal(0)
    )
    last = max(finish_day, day, costed.schedule.at(costed.schedule.finish).date())
    report: EvmReport = earned_value(
        project, planned, day, working_days(project, last), finish_day, remaining
    )
    extra: dict[str, Any] = {"baseline": chosen.name if baseline else None, "history": history}
    return MoneyOutcome(plan, report, diagnostics, extra)


def _saved(path: str | Path) -> dict[str, Baseline] | Diagnostic:
    """The plan's saved baselines, or the problem with a damaged baselines file."""
    try:
        return load_baselines(Path(path))
    except BaselineFileError as exc:
        return error("baseline_file_invalid", str(exc))


def _unknown(name: str, saved: dict[str, Baseline]) -> Diagnostic:
    known = ", ".join(saved) or "none"
    return error("unknown_baseline", f"no baseline '{name}' (saved: {known})")


def _located(plan: LoadedPlan, diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return (*plan.diagnostics, *(plan.source.place(d) for d in diagnostics))
