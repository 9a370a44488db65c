"""Golden leveling fixtures: level each ``tests/golden/leveling/<name>/plan.yaml`` in fast mode
(enough schedules to find the optimum of a plan this small) and in optimal mode, and compare
with the leveled dates worked out by hand in ``expected.yaml`` (the reasoning is in its
comments).

Where a plan has several optimal schedules, ``expected.yaml`` pins only what every optimum
shares. Its keys:

- ``project_finish``: the leveled finish ("YYYY-MM-DDTHH:MM");
- ``status`` (optional): per mode, the status that mode must report;
- ``tasks``: for the tasks whose dates are forced, ``start`` and ``finish``;
- ``order``: pairs ``[a, b]``: ``a`` finishes no later than ``b`` starts;
- ``delay_reasons``: for some tasks, their exact list of reasons (``[]``: none), each with
  ``kind``, ``from``, ``to`` and ``resource`` + ``held_by`` or ``predecessor``.

Every leveled result must also be free of errors and overloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from plansmith.domain.diagnostics import has_errors
from plansmith.domain.model import Project
from plansmith.io.plan_file import load_plan
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.explain import DelayReason
from plansmith.scheduling.leveling import (
    LevelingOptions,
    LevelingResult,
    LevelMode,
    LevelStatus,
    level_project,
)

FIXTURES = Path(__file__).parent
FIXTURE_DIRS = sorted(p.parent for p in FIXTURES.glob("*/plan.yaml"))
OPTIONS = {
    LevelMode.FAST: LevelingOptions(mode=LevelMode.FAST, schedules=200, time_limit=60.0),
    LevelMode.OPTIMAL: LevelingOptions(mode=LevelMode.OPTIMAL, schedules=200, time_limit=10.0),
}
KNOWN_BUGS: dict[tuple[str, LevelMode], str] = {}


def _cases() -> list[Any]:
    cases = []
    for directory in FIXTURE_DIRS:
        for mode in LevelMode:
            bug = KNOWN_BUGS.get((directory.name, mode))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            cases.append(pytest.param(directory, mode, marks=marks, id=f"{directory.name}-{mode}"))
    return cases


def _load(directory: Path) -> tuple[Project, dict[str, Any]]:
    loaded = load_plan(directory / "plan.yaml")
    assert loaded.ok, loaded.diagnostics
    assert loaded.project is not None
    expected = yaml.safe_load((directory / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict), f"{directory.name}/expected.yaml: expected a mapping"
    return loaded.project, expected


def _stamp(result: LevelingResult, minutes: int) -> str:
    return result.schedule.at(minutes).strftime("%Y-%m-%dT%H:%M")


def _reason(result: LevelingResult, reason: DelayReason) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": reason.kind,
        "from": _stamp(result, reason.start),
        "to": _stamp(result, reason.end),
    }
    if reason.kind == "resource":
        out["resource"] = reason.resource
        out["held_by"] = list(reason.held_by)
    else:
        out["predecessor"] = reason.predecessor
    return out


def differences(expected: dict[str, Any], result: LevelingResult, mode: LevelMode) -> list[str]:
    problems: list[str] = []
    schedule = result.schedule
    if _stamp(result, result.finish) != expected["project_finish"]:
        problems.append(
            f"finish: expected {expected['project_finish']}, got {_stamp(result, result.finish)}"
        )
    want_status = (expected.get("status") or {}).get(str(mode))
    if want_status is not None and result.status != LevelStatus(want_status):
        problems.append(f"status: expected {want_status}, got {result.status}")
    for task_id, want in (expected.get("tasks") or {}).items():
        got = schedule.task(task_id)
        for field, minutes in (("start", got.start), ("finish", got.finish)):
            if _stamp(result, minutes) != want[field]:
                problems.append(
                    f"{task_id}: {field} expected {want[field]}, got {_stamp(result, minutes)}"
                )
    for before, after in expected.get("order") or []:
        if schedule.task(before).finish > schedule.task(after).start:
            problems.append(f"order: {before} should finish before {after} starts")
    for task_id, want in (expected.get("delay_reasons") or {}).items():
        got_reasons = [_reason(result, r) for r in result.delay_reasons.get(task_id, ())]
        if got_reasons != want:
            problems.append(f"{task_id}: delay reasons expected {want}, got {got_reasons}")
    if has_errors(list(schedule.diagnostics)):
        problems.append(f"errors: {schedule.diagnostics}")
    for load in result.loads:
        if load.overloads:
            problems.append(f"{load.resource} overloaded: {load.overloads}")
    return problems


def test_fixtures_are_present() -> None:
    assert len(FIXTURE_DIRS) >= 4, FIXTURE_DIRS


@pytest.mark.parametrize(("fixture_dir", "mode"), _cases())
def test_golden_leveling(fixture_dir: Path, mode: LevelMode) -> None:
    project, expected = _load(fixture_dir)
    result = level_project(project, OPTIONS[mode])
    problems = differences(expected, result, mode)
    dates = {
        t.id: f"{_stamp(result, t.start)} .. {_stamp(result, t.finish)}"
        for t in result.schedule.tasks
    }
    assert not problems, (
        f"{fixture_dir.name} ({mode}): the leveled schedule differs from expected.yaml in "
        f"{len(problems)} place(s):\n  " + "\n  ".join(problems) + f"\n  dates: {dates}"
    )


def test_the_unleveled_plans_really_overbook() -> None:
    """Each fixture needs leveling: its critical-path schedule books some resource beyond its
    capacity (so the fixtures test leveling, not scheduling)."""
    for directory in FIXTURE_DIRS:
        project, _ = _load(directory)
        cpm = schedule_project(project)
        spans = {t.id: (cpm.task(t.id).start, cpm.task(t.id).finish) for t in project.tasks}
        overbooked = False
        for res in project.resources:
            bookings = [
                (*spans[t.id], a.units)
                for t in project.tasks
                for a in t.assignments
                if a.resource == res.id
            ]
            for start, _, _ in bookings:
                use = sum(u for a, b, u in bookings if a <= start < b)
                overbooked = overbooked or use > res.capacity
        assert overbooked, f"{directory.name}: the unleveled schedule overbooks nobody"
