"""The model the loader builds: engine units, WBS numbers, constraint instants, calendars."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from plansmith.domain.calendar import standard_week
from plansmith.io.plan_file import load_plan, load_plan_text

PROJECT = "project: {id: p, name: P, start: 2027-01-04}\n"


def load(text: str):
    loaded = load_plan_text(text, "plan.yaml")
    assert loaded.diagnostics == []
    assert loaded.project is not None
    return loaded.project


def task(project, task_id: str):
    return next(t for t in project.tasks if t.id == task_id)


@pytest.mark.parametrize(
    ("assign", "expected"),
    [
        pytest.param("[r]", 480, id="one-unit"),
        pytest.param("[{resource: r, units: 2}]", 240, id="two-units"),
        pytest.param("[{resource: r, units: 50%}]", 960, id="percent"),
        pytest.param("[{resource: r, units: 0.5}, {resource: s, units: 0.5}]", 480, id="sum"),
        pytest.param("[{resource: r, units: 33%}, s]", math.ceil(480 / 1.33), id="round-up"),
        pytest.param("[{resource: r, units: 0.7}]", math.ceil(480 / 0.7), id="point-seven"),
        pytest.param(
            "[{resource: r, units: 0.3333}]",
            1441,  # ceil(480 / 0.3333) = ceil(1440.14...)
            id="four-decimals",
        ),
        pytest.param(
            "[{resource: r, units: 0.0015}]",
            320000,
            id="tiny-units",
        ),
        pytest.param(
            "[{resource: r, units: 0.0004}]",
            1200000,
            id="units-below-a-thousandth",
        ),
    ],
)
def test_effort_is_divided_by_assigned_units_rounding_up(assign: str, expected: int) -> None:
    project = load(
        PROJECT
        + "resources: [{id: r}, {id: s}]\n"
        + f"tasks:\n  - {{id: a, name: A, effort: 1d, assign: {assign}}}\n"
    )
    a = task(project, "a")
    assert a.effort == 480
    assert a.duration == expected


def test_fixed_duration_ignores_units() -> None:
    project = load(
        PROJECT
        + "resources: [{id: r}]\n"
        + "tasks:\n  - {id: a, name: A, duration: 1d, assign: [{resource: r, units: 4}]}\n"
    )
    assert task(project, "a").duration == 480
    assert task(project, "a").effort is None


def test_durations_use_the_projects_hours_per_day_and_week() -> None:
    project = load(
        "project: {id: p, name: P, start: 2027-01-04, hours_per_day: 7.5, hours_per_week: 37.5}\n"
        "tasks:\n"
        "  - {id: d, name: D, duration: 2d}\n"
        "  - {id: w, name: W, duration: 1w}\n"
        "  - {id: n, name: N, duration: 1.5}\n"
        "  - id: l\n    name: L\n    duration: 1h\n"
        "    depends: [{task: d, type: SS, lag: -0.5d}]\n"
    )
    assert task(project, "d").duration == 900
    assert task(project, "w").duration == 2250
    assert task(project, "n").duration == 675  # a bare number means days
    (link,) = task(project, "l").dependencies
    assert link.lag == -225


def test_wbs_numbers_follow_the_tree_and_document_order() -> None:
    project = load(
        PROJECT
        + """\
tasks:
  - id: design
    name: Design
    children:
      - {id: spec, name: Spec, duration: 1d}
      - id: review
        name: Review
        children:
          - {id: r1, name: R1, duration: 1d}
          - {id: r2, name: R2, duration: 1d}
  - {id: build, name: Build, duration: 1d}
"""
    )
    assert [(t.id, t.wbs, t.parent) for t in project.tasks] == [
        ("design", "1", None),
        ("spec", "1.1", "design"),
        ("review", "1.2", "design"),
        ("r1", "1.2.1", "review"),
        ("r2", "1.2.2", "review"),
        ("build", "2", None),
    ]
    assert task(project, "design").children == ("spec", "review")
    assert task(project, "design").is_summary
    assert not task(project, "spec").is_summary


def test_constraint_days_mean_start_and_end_of_that_day() -> None:
    project = load(
        PROJECT + "tasks:\n"
        "  - id: a\n    name: A\n    duration: 1d\n"
        "    start_no_earlier_than: 2027-01-05\n"
        "    must_start_on: 2027-01-05T10:30\n"
        "    finish_no_later_than: 2027-01-08\n"
        "    deadline: 2027-01-09T12:00\n"
    )
    a = task(project, "a")
    assert a.start_no_earlier_than == datetime(2027, 1, 5, 0, 0)
    assert a.must_start_on == datetime(2027, 1, 5, 10, 30)
    assert a.finish_no_later_than == datetime(2027, 1, 9, 0, 0)  # end of the 8th
    assert a.deadline == datetime(2027, 1, 9, 12, 0)


def test_milestones() -> None:
    project = load(
        PROJECT + "tasks:\n"
        "  - {id: m, name: M, milestone: true}\n"
        "  - {id: z, name: Z, duration: 0}\n"
        "  - {id: a, name: A, duration: 1min}\n"
    )
    assert task(project, "m").is_milestone
    assert task(project, "z").is_milestone  # duration 0 is a milestone
    assert not task(project, "a").is_milestone


def test_default_calendar_is_standard_8h() -> None:
    project = load(PROJECT + "tasks: [{id: a, name: A, duration: 1d}]\n")
    assert project.calendar == "standard"
    assert project.calendars["standard"].week == standard_week()
    assert standard_week().minutes_per_week == 5 * 8 * 60
    assert standard_week().days[0] == ((540, 720), (780, 1080))
    assert standard_week().days[5] == standard_week().days[6] == ()


def test_calendar_forms_and_holidays() -> None:
    project = load(
        PROJECT
        + """\
calendars:
  office:
    workdays: [Mon, tue, wed]
    hours: ["13:00-17:00", "08:00-12:00"]
    holidays: [2027-01-05, {date: 2027-01-12, name: X}, {from: 2027-01-19, to: 2027-01-20}]
  ops:
    week:
      sat: ["00:00-24:00"]
      sun: ["00:00-06:00", "22:00-24:00"]
tasks: [{id: a, name: A, duration: 1d}]
"""
    )
    assert project.calendar == "office"  # the first calendar when none is called standard
    office = project.calendars["office"]
    assert office.week.days[:3] == (((480, 720), (780, 1020)),) * 3
    assert office.week.days[3:] == ((),) * 4
    assert office.holidays == {
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
        date(2027, 1, 20),
    }
    ops = project.calendars["ops"]
    assert ops.week.days[5] == ((0, 1440),)
    assert ops.week.days[6] == ((0, 360), (1320, 1440))
    assert ops.week.minutes_per_week == 1440 + 360 + 120


def test_load_plan_reads_the_file(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROJECT + "tasks: [{id: a, name: A, duration: 2h}]\n", encoding="utf-8")
    loaded = load_plan(path)
    assert loaded.ok
    assert loaded.project is not None
    assert [t.duration for t in loaded.project.tasks] == [120]
