"""Checking and scheduling plan files: the use cases behind ``plansmith check`` and ``schedule``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.domain.model import Project
from plansmith.io.plan_file import LoadedPlan, load_plan
from plansmith.io.schedule_json import schedule_to_json
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.result import ScheduleResult


@dataclass(frozen=True)
class PlanOutcome:
    """A plan file's schedule (None when it has errors) and every located diagnostic."""

    plan: LoadedPlan
    result: ScheduleResult | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def project(self) -> Project | None:
        return self.plan.project

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok and not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        return schedule_to_json(self.plan.project, self.result, self.diagnostics)


def schedule_plan_file(path: str | Path) -> PlanOutcome:
    """Load, check and schedule; problems come back as diagnostics, never as exceptions."""
    plan = load_plan(path)
    if plan.project is None or not plan.ok:
        return PlanOutcome(plan, None, tuple(plan.diagnostics))
    result = schedule_project(plan.project)
    located = [plan.source.place(d) for d in result.diagnostics]
    return PlanOutcome(plan, result, (*plan.diagnostics, *located))
