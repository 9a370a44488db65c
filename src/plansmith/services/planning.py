"""Checking, scheduling and leveling plan files: the use cases behind the plan commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.domain.model import Project
from plansmith.io.plan_file import LoadedPlan, load_plan
from plansmith.io.schedule_json import leveling_to_json, loads_to_json, schedule_to_json
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.explain import ResourceLoad
from plansmith.scheduling.leveling import (
    LevelingOptions,
    LevelingResult,
    level_project,
    unleveled_loads,
)
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


def _located(plan: LoadedPlan, diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    return (*plan.diagnostics, *(plan.source.place(d) for d in diagnostics))


def schedule_plan_file(path: str | Path) -> PlanOutcome:
    """Load, check and schedule; problems come back as diagnostics, never as exceptions."""
    plan = load_plan(path)
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    result = schedule_project(plan.project)
    return PlanOutcome(plan, result, _located(plan, result.diagnostics))


def level_plan_file(path: str | Path, options: LevelingOptions) -> PlanOutcome:
    """Schedule with resource leveling: the outcome's result is the leveled schedule."""
    plan = load_plan(path)
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    leveled = level_project(plan.project, options)
    return PlanOutcome(
        plan,
        leveled.schedule,
        _located(plan, leveled.schedule.diagnostics),
        leveled,
        leveled.loads,
    )


def overload_plan_file(path: str | Path) -> PlanOutcome:
    """The unleveled schedule with each resource's load, to find where it is overbooked."""
    plan = load_plan(path)
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    result, loads = unleveled_loads(plan.project)
    return PlanOutcome(plan, result, _located(plan, result.diagnostics), None, loads)
