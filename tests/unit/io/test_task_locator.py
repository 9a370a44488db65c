"""The quick task locator must agree with composing the whole document, or decline."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansmith.io.plan_file import load_plan
from plansmith.io.task_locator import TaskLocator, split_task_path
from plansmith.io.yaml_source import YamlSource

ROOT = Path(__file__).resolve().parents[3]
PLANS = sorted((ROOT / "examples").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "golden").glob("*/plan.yaml")
)
RESTS = [
    (),
    ("name",),
    ("duration",),
    ("effort",),
    ("after", 0),
    ("depends", 0),
    ("depends", 0, "lag"),
    ("assign", 0),
    ("deadline",),
    ("must_start_on",),
    ("children", 0),
]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_quick_and_full_locations_agree(plan: Path) -> None:
    loaded = load_plan(plan)
    assert loaded.project is not None
    text = plan.read_text(encoding="utf-8")
    quick = TaskLocator(text)
    full = YamlSource(str(plan), text)  # knows no tasks: always composes the whole document
    answered = 0
    for task in loaded.project.tasks:
        for rest in RESTS:
            got = quick.locate(task.id, rest)
            if got is None:
                continue
            answered += 1
            expected = full.locate((*task.origin, *rest))
            assert got == (expected.line, expected.column), (task.id, rest)
    assert answered >= len(loaded.project.tasks)  # it answers at least the task itself


def test_it_declines_an_id_written_twice() -> None:
    text = (
        "project: {id: p, name: P, start: 2027-01-04}\n"
        "tasks:\n  - {id: a, name: A}\n  - {id: a, name: B}\n"
    )
    assert TaskLocator(text).locate("a", ("name",)) is None


def test_split_task_path_finds_the_innermost_task() -> None:
    assert split_task_path(("tasks", 1, "children", 0, "depends", 2, "lag")) == (
        ("tasks", 1, "children", 0),
        ("depends", 2, "lag"),
    )
    assert split_task_path(("resources", 0, "calendar")) is None
