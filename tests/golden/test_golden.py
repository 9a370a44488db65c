"""Golden fixture projects: schedule each ``tests/golden/<name>/plan.yaml`` and compare with
the dates worked out by hand in ``expected.yaml`` (the reasoning is in its comments).

``expected.yaml`` holds ``project_finish``, ``diagnostics`` (the codes of the expected error
and warning diagnostics, in any order) and ``tasks``: for every task id its ``start`` and
``finish`` ("YYYY-MM-DDTHH:MM") and, for some tasks, ``total_float_minutes`` and
``critical``.  Informational diagnostics are not compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from plansmith.services.planning import schedule_plan_file

GOLDEN_DIR = Path(__file__).parent
FIXTURE_DIRS = sorted(p.parent for p in GOLDEN_DIR.glob("*/plan.yaml"))
COMPARED_FIELDS = ("start", "finish", "total_float_minutes", "critical")


def load_expected(fixture_dir: Path) -> dict[str, Any]:
    path = fixture_dir / "expected.yaml"
    assert path.is_file(), f"{fixture_dir.name}: plan.yaml has no expected.yaml next to it"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: expected a mapping"
    assert isinstance(data.get("tasks"), dict), f"{path}: 'tasks' must map task ids to dates"
    return data


def schedule_json(plan_path: Path) -> dict[str, Any]:
    result = schedule_plan_file(plan_path).to_json()
    if isinstance(result, str):
        result = json.loads(result)
    assert isinstance(result, dict)
    return result


def differences(expected: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every way ``result`` (the JSON result) differs from ``expected``, one line each."""
    problems: list[str] = []
    got_tasks = {task["id"]: task for task in result.get("tasks", [])}
    want_tasks: dict[str, dict[str, Any]] = expected["tasks"]
    for task_id, want in want_tasks.items():
        got = got_tasks.get(task_id)
        if got is None:
            problems.append(f"task {task_id}: missing from the result")
            continue
        for field in COMPARED_FIELDS:
            if field in want and got.get(field) != want[field]:
                problems.append(
                    f"task {task_id}: {field} expected {want[field]!r}, got {got.get(field)!r}"
                )
    for task_id in sorted(set(got_tasks) - set(want_tasks)):
        got = got_tasks[task_id]
        problems.append(
            f"task {task_id}: not in expected.yaml (got {got.get('start')} .. {got.get('finish')})"
        )
    got_finish = result.get("project", {}).get("finish")
    if got_finish != expected["project_finish"]:
        problems.append(
            f"project finish: expected {expected['project_finish']!r}, got {got_finish!r}"
        )
    got_codes = sorted(
        d["code"] for d in result.get("diagnostics", []) if d.get("severity") != "info"
    )
    want_codes = sorted(expected.get("diagnostics") or [])
    if got_codes != want_codes:
        messages = [
            f"{d.get('code')} ({d.get('severity')}): {d.get('message')}"
            for d in result.get("diagnostics", [])
        ]
        problems.append(
            f"diagnostics: expected codes {want_codes}, got {got_codes}; all: {messages}"
        )
    return problems


def test_fixtures_are_present() -> None:
    assert len(FIXTURE_DIRS) >= 5, f"expected at least 5 golden fixtures, found {FIXTURE_DIRS}"


@pytest.mark.parametrize("fixture_dir", FIXTURE_DIRS, ids=lambda p: p.name)
def test_golden_schedule(fixture_dir: Path) -> None:
    expected = load_expected(fixture_dir)
    result = schedule_json(fixture_dir / "plan.yaml")
    problems = differences(expected, result)
    assert not problems, (
        f"{fixture_dir.name}: the schedule differs from expected.yaml in "
        f"{len(problems)} place(s):\n  " + "\n  ".join(problems)
    )
