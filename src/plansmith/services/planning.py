"""Checking, scheduling and leveling plan files: the use cases behind the plan commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plansmith.analytics.checks import plan_diagnostics
from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.domain.model import Project
from plansmith.io.plan_file import LoadedPlan, load_plan
from plansmith.io.schedule_json import (
    delay_reasons_json,
    leveling_to_json,
    loads_to_json,
    schedule_to_json,
)
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.explain import ResourceLoad
from plansmith.scheduling.leveling import (
    LevelingOptions,
    LevelingResult,
    level_project,
    unleveled_loads,
)
from plansmith.scheduling.portfolio import combine, diagnostics_for, split
from plansmith.scheduling.progress import progressed
from plansmith.scheduling.result import ScheduleResult


@dataclass(frozen=True)
class PlanOutcome:
    """A plan file's schedule (None when it has errors) and every located diagnostic; with
    leveling, also the leveling result whose schedule is ``result``."""

    plan: LoadedPlan
    result: ScheduleResult | None
    diagnostics: tuple[Diagnostic, ...]
    leveling: LevelingResult | None = None
    loads: tuple[ResourceLoad, ...] = ()

    @property
    def project(self) -> Project | None:
        return self.plan.project

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok and not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        doc = schedule_to_json(self.plan.project, self.result, self.diagnostics)
        if self.leveling is not None and self.ok:
            leveling_to_json(doc, self.leveling)
        elif self.loads and self.result is not None:
            doc["resources"] = loads_to_json(self.result, self.loads)
        return doc


def _current(project: Project) -> tuple[Project, list[Diagnostic]]:
    """The plan as of its status date, and what the checks beyond scheduling found."""
    current, problems = progressed(project)
    return current, [*plan_diagnostics(project), *problems]


def _located(plan: LoadedPlan, diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    return (*plan.diagnostics, *(plan.source.place(d) for d in diagnostics))


def schedule_plan_file(path: str | Path) -> PlanOutcome:
    """Load, check and schedule; problems come back as diagnostics, never as exceptions."""
    return schedule_plan(load_plan(path))


def schedule_plan(plan: LoadedPlan) -> PlanOutcome:
    """Check and schedule a loaded plan (from a file or the database)."""
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    project, problems = _current(plan.project)
    if has_errors(problems):
        return PlanOutcome(plan, None, _located(plan, tuple(problems)))
    result = schedule_project(project)
    return PlanOutcome(plan, result, _located(plan, (*problems, *result.diagnostics)))


def level_plan_file(path: str | Path, options: LevelingOptions) -> PlanOutcome:
    """Schedule with resource leveling: the outcome's result is the leveled schedule."""
    return level_plan(load_plan(path), options)


def level_plan(plan: LoadedPlan, options: LevelingOptions) -> PlanOutcome:
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    project, problems = _current(plan.project)
    if has_errors(problems):
        return PlanOutcome(plan, None, _located(plan, tuple(problems)))
    leveled = level_project(project, options)
    return PlanOutcome(
        plan,
        leveled.schedule,
        _located(plan, (*problems, *leveled.schedule.diagnostics)),
        leveled,
        leveled.loads,
    )


def overload_plan_file(path: str | Path) -> PlanOutcome:
    """The unleveled schedule with each resource's load, to find where it is overbooked."""
    plan = load_plan(path)
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    project, problems = _current(plan.project)
    if has_errors(problems):
        return PlanOutcome(plan, None, _located(plan, tuple(problems)))
    result, loads = unleveled_loads(project)
    return PlanOutcome(plan, result, _located(plan, (*problems, *result.diagnostics)), None, loads)


@dataclass(frozen=True)
class PortfolioOutcome:
    """Several plans leveled together: one outcome per plan, sharing one leveling result."""

    outcomes: tuple[PlanOutcome, ...]
    leveling: LevelingResult | None

    @property
    def ok(self) -> bool:
        leveled_ok = self.leveling is None or self.leveling.schedule.ok
        return leveled_ok and all(o.ok for o in self.outcomes)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for o in self.outcomes for d in o.diagnostics)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"plans": [o.to_json() for o in self.outcomes]}
        if self.leveling is not None and self.ok:
            for plan, outcome in zip(doc["plans"], self.outcomes, strict=True):
                assert outcome.project is not None
                prefix = f"{outcome.project.id}/"
                for task in plan["tasks"]:
                    task["delay_reasons"] = delay_reasons_json(
                        self.leveling, self.leveling.delay_reasons.get(prefix + task["id"], ())
                    )
            shared: dict[str, Any] = {}
            leveling_to_json(shared, self.leveling)
            doc["resources"] = shared["resources"]
            doc["leveling"] = shared["leveling"]
        return doc


def schedule_plan_files(paths: list[Path]) -> PortfolioOutcome:
    """Several plans scheduled each on its own (no shared leveling)."""
    return PortfolioOutcome(tuple(schedule_plan_file(path) for path in paths), None)


def level_plan_files(paths: list[Path], options: LevelingOptions) -> PortfolioOutcome:
    """Level several plans over their shared pool, so nobody is booked twice across them."""
    plans = [load_plan(path) for path in paths]
    if not all(plan.ok and plan.project is not None for plan in plans):
        return PortfolioOutcome(
            tuple(PlanOutcome(p, None, tuple(p.diagnostics)) for p in plans), None
        )
    members = [progressed(plan.project)[0] for plan in plans if plan.project is not None]
    portfolio, problems = combine(members)
    if portfolio is None:
        return PortfolioOutcome(
            tuple(
                PlanOutcome(plan, None, _located(plan, diagnostics_for(member.id, problems)))
                for plan, member in zip(plans, members, strict=True)
            ),
            None,
        )
    leveled = level_project(portfolio.project, options)
    parts = split(portfolio, leveled.schedule) if leveled.schedule.ok else [None] * len(members)
    outcomes = [
        PlanOutcome(
            plan, part, _located(plan, diagnostics_for(member.id, leveled.schedule.diagnostics))
        )
        for plan, member, part in zip(plans, members, parts, strict=True)
    ]
    return PortfolioOutcome(tuple(outcomes), leveled)
