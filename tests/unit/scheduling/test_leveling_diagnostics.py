"""Diagnostics that only leveling raises."""

from __future__ import annotations

from plansmith.domain.diagnostics import Severity
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.leveling import LevelingOptions, LevelStatus, level_project

PLAN = """\
project: {id: p, name: P, start: 2027-01-04}
resources:
  - {id: crane, name: Crane, capacity: 1}
tasks:
  - id: lift
    name: Lift
    duration: 1d
    assign: [{resource: crane, units: 2}]
"""


def test_demand_exceeds_capacity_is_an_error_at_the_assignment() -> None:
    loaded = load_plan_text(PLAN, "plan.yaml")
    assert loaded.project is not None
    result = level_project(loaded.project, LevelingOptions(schedules=5))
    assert result.status is LevelStatus.INVALID
    (d,) = [d for d in result.schedule.diagnostics if d.code == "demand_exceeds_capacity"]
    assert d.severity is Severity.ERROR
    located = loaded.source.place(d)
    assert located.location is not None
    assert (located.location.line, located.location.column) == (8, 13)
