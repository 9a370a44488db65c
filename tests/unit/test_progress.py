"""Rescheduling from the status date (scheduling/progress.py): what is done is fact, what remains
comes after the end of the status date.

Every plan here uses the default calendar, Monday to Friday 09:00-12:00 + 13:00-18:00 (8 h a day,
1d = 8h = 480 working minutes). Week of reference: Mon 2025-03-03 .. Fri 2025-03-07, then
Mon 2025-03-10 .. Fri 2025-03-14. The status date is a day: progress is as of its end, so remaining
work starts at the next working minute after it (Wed 2025-03-05 -> Thu 2025-03-06 09:00).
"""

from __future__ import annotations

import textwrap

import pytest

from plansmith.domain.diagnostics import Diagnostic, Severity
from plansmith.domain.risk import ThreePoint
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.progress import progressed

HEADER = "project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-05}\ntasks:\n"


def _dates(text: str) -> tuple[dict[str, tuple[str, str]], list[Diagnostic]]:
    """Each task's (start, finish) as "YYYY-MM-DD HH:MM" after folding progress in."""
    plan = load_plan_text(textwrap.dedent(text))
    assert plan.ok, plan.diagnostics
    assert plan.project is not None
    project, diagnostics = progressed(plan.project)
    result = schedule_project(project)
    assert result.ok, result.diagnostics
    fmt = "%Y-%m-%d %H:%M"
    dates = {
        t.id: (result.at(t.start).strftime(fmt), result.at(t.finish).strftime(fmt))
        for t in result.tasks
    }
    return dates, diagnostics


def _plan(tasks: str, header: str = HEADER) -> str:
    return header + textwrap.indent(textwrap.dedent(tasks), "  ")


# --- finished tasks keep their actual dates ----------------------------------------------------


def test_finished_task_keeps_its_actual_dates_and_lasts_the_time_it_took() -> None:
    # Planned 1d; it really ran Mon 13:00 .. Wed 12:00 = 5h + 8h + 3h = 16h = 2d.
    dates, diagnostics = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d, actual_start: "2025-03-03T13:00",
               actual_finish: "2025-03-05T12:00"}
            - {id: b, name: B, duration: 1d, after: [a]}
            """
        )
    )
    assert dates["a"] == ("2025-03-03 13:00", "2025-03-05 12:00")
    # b has not started: after a (Wed 12:00) but not before the end of the status date (Wed):
    # Thu 09:00-18:00.
    assert dates["b"] == ("2025-03-06 09:00", "2025-03-06 18:00")
    assert diagnostics == []


def test_finished_task_given_by_days_runs_to_the_end_of_its_last_day() -> None:
    # actual_finish 2025-03-04 (a day) means by the end of that day: Tue 18:00.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 5d, actual_start: 2025-03-03, actual_finish: 2025-03-04}
            """
        )
    )
    assert dates["a"] == ("2025-03-03 09:00", "2025-03-04 18:00")


def test_finished_task_keeps_its_dates_whatever_its_links() -> None:
    # b really ran Mon-Tue although its predecessor a is planned Mon-Wed: facts win over links.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 3d, actual_start: 2025-03-03, actual_finish: 2025-03-05}
            - {id: b, name: B, duration: 2d, after: [a], actual_start: 2025-03-03,
               actual_finish: 2025-03-04}
            """
        )
    )
    assert dates["b"] == ("2025-03-03 09:00", "2025-03-04 18:00")


# --- started tasks: work done up to the status date, the rest after it --------------------------


def test_started_task_by_percent_finishes_status_plus_what_remains() -> None:
    # 10d started Mon; 40% complete at the end of Wed. Remaining = ceil(10d x 0.6) = 6d after
    # Wed: Thu 06, Fri 07, Mon 10, Tue 11, Wed 12, Thu 13 -> Thu 2025-03-13 18:00 (done Mon-Wed
    # = 3d, so the task now lasts 3d + 6d = 9d).
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 10d, actual_start: 2025-03-03, progress: 40}
            - {id: b, name: B, duration: 1d, after: [a]}
            """
        )
    )
    assert dates["a"] == ("2025-03-03 09:00", "2025-03-13 18:00")
    # Its successor moves with it: Fri 2025-03-14.
    assert dates["b"] == ("2025-03-14 09:00", "2025-03-14 18:00")


def test_started_task_by_percent_rounds_the_remaining_minutes_up() -> None:
    # 1d = 480 min, 33% complete: remaining ceil(480 x 0.67) = ceil(321.6) = 322 min after Wed:
    # Thu 09:00-12:00 (180) + 13:00-15:22 (142) -> Thu 15:22.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d, actual_start: 2025-03-05, progress: "33%"}
            """
        )
    )
    assert dates["a"] == ("2025-03-05 09:00", "2025-03-06 15:22")


def test_started_task_by_remaining_finishes_status_plus_remaining() -> None:
    # remaining 12h = 1.5d after the end of Wed: Thu (8h) + Fri 09:00-12:00 (3h) + 13:00-14:00.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 10d, actual_start: 2025-03-03, remaining: 12h}
            """
        )
    )
    assert dates["a"] == ("2025-03-03 09:00", "2025-03-07 14:00")


def test_remaining_wins_over_percent() -> None:
    # progress 90% would leave 1d; remaining: 3d is what the TPM reported -> Thu, Fri, Mon 10.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 10d, actual_start: 2025-03-03, progress: 90,
               remaining: 3d}
            """
        )
    )
    assert dates["a"][1] == "2025-03-10 18:00"


def test_started_task_without_progress_keeps_its_planned_work() -> None:
    # 5d started Tue: done Tue + Wed = 2d, remaining 5d - 2d = 3d: Thu, Fri, Mon -> Mon 10 18:00.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 5d, actual_start: 2025-03-04}
            """
        )
    )
    assert dates["a"] == ("2025-03-04 09:00", "2025-03-10 18:00")


def test_started_mid_day_counts_only_the_working_time_done() -> None:
    # Started Wed 15:00: done Wed 15:00-18:00 = 3h; remaining given 1d -> Thu 18:00.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 2d, actual_start: "2025-03-05T15:00", remaining: 1d}
            """
        )
    )
    assert dates["a"] == ("2025-03-05 15:00", "2025-03-06 18:00")


def test_progress_folds_remaining_uncertainty_only() -> None:
    # 10d (4800 min) with estimate 8d/10d/15d; 40% done by the end of Wed. done = 3d = 1440,
    # remaining = ceil(4800 x 0.6) = 2880; share = 2880 / 4800 = 0.6; the estimate becomes
    # done + share x (3840, 4800, 7200) = (3744, 4320, 5760) minutes.
    plan = load_plan_text(
        _plan(
            """\
            - id: a
              name: A
              duration: 10d
              estimate: {optimistic: 8d, likely: 10d, pessimistic: 15d}
              actual_start: 2025-03-03
              progress: 40
            """
        )
    )
    assert plan.project is not None
    project, _ = progressed(plan.project)
    (task,) = project.tasks
    assert task.duration == 1440 + 2880
    assert task.estimate == ThreePoint(3744, 4320, 5760, task.estimate.distribution)


# --- tasks not started ---------------------------------------------------------------------------


def test_unstarted_task_not_before_the_next_working_minute_after_the_status_date() -> None:
    dates, _ = _dates(_plan("- {id: a, name: A, duration: 1d}\n"))
    assert dates["a"] == ("2025-03-06 09:00", "2025-03-06 18:00")


def test_status_date_on_a_friday_moves_unstarted_work_to_monday() -> None:
    header = "project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-07}\ntasks:\n"
    dates, _ = _dates(_plan("- {id: a, name: A, duration: 1d}\n", header))
    assert dates["a"] == ("2025-03-10 09:00", "2025-03-10 18:00")


def test_later_start_constraint_is_kept() -> None:
    dates, _ = _dates(
        _plan("- {id: a, name: A, duration: 1d, start_no_earlier_than: 2025-03-12}\n")
    )
    assert dates["a"][0] == "2025-03-12 09:00"


def test_earlier_start_constraint_gives_way_to_the_status_date() -> None:
    dates, _ = _dates(
        _plan("- {id: a, name: A, duration: 1d, start_no_earlier_than: 2025-03-03}\n")
    )
    assert dates["a"][0] == "2025-03-06 09:00"


def test_no_status_date_and_no_actuals_leaves_the_plan_unchanged() -> None:
    plan = load_plan_text(
        "project: {id: p, name: P, start: 2025-03-03}\ntasks:\n  - {id: a, name: A, duration: 1d}\n"
    )
    assert plan.project is not None
    project, diagnostics = progressed(plan.project)
    assert project is plan.project
    assert diagnostics == []


def test_status_date_only_moves_unstarted_work() -> None:
    # Without any progress, every task waits for the end of the status date.
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d}
            - {id: b, name: B, duration: 1d, after: [a]}
            """
        )
    )
    assert dates == {
        "a": ("2025-03-06 09:00", "2025-03-06 18:00"),
        "b": ("2025-03-07 09:00", "2025-03-07 18:00"),
    }


# --- milestones ----------------------------------------------------------------------------------


def test_milestone_reached_at_an_instant_stays_there_and_successors_follow() -> None:
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d, actual_start: 2025-03-03, actual_finish: 2025-03-03}
            - {id: gate, name: Gate, milestone: true, after: [a],
               actual_finish: "2025-03-04T15:00"}
            - {id: b, name: B, duration: 1d, after: [gate]}
            """
        )
    )
    assert dates["gate"] == ("2025-03-04 15:00", "2025-03-04 15:00")
    # b is not started: not before Thu 09:00 (status Wed), which is also after the gate.
    assert dates["b"] == ("2025-03-06 09:00", "2025-03-06 18:00")


def test_milestone_not_reached_waits_for_the_status_date() -> None:
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d, actual_start: 2025-03-03, actual_finish: 2025-03-03}
            - {id: gate, name: Gate, milestone: true, after: [a]}
            """
        )
    )
    assert dates["gate"][0] >= "2025-03-05 18:00"


def test_milestone_reached_on_a_day_is_reported_on_that_day() -> None:
    dates, _ = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 1d, actual_start: 2025-03-03, actual_finish: 2025-03-03}
            - {id: gate, name: Gate, milestone: true, after: [a], actual_finish: 2025-03-04}
            """
        )
    )
    assert dates["gate"][1].startswith("2025-03-04")


# --- diagnostics ---------------------------------------------------------------------------------


def test_actual_dates_after_the_status_date_are_warned_about() -> None:
    _, diagnostics = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 2d, actual_start: "2025-03-06T10:00",
               actual_finish: 2025-03-07}
            - {id: b, name: B, duration: 2d, actual_start: "2025-03-05T10:00"}
            """
        )
    )
    assert [(d.code, d.severity, d.subject, d.path[-1]) for d in diagnostics] == [
        ("actual_after_status_date", Severity.WARNING, "task:a", "actual_start"),
        ("actual_after_status_date", Severity.WARNING, "task:a", "actual_finish"),
    ]
    assert "2025-03-06 10:00" in diagnostics[0].message
    assert "2025-03-05" in diagnostics[0].message


def test_start_on_the_day_after_the_status_date_is_warned_about() -> None:
    _, diagnostics = _dates(_plan("- {id: a, name: A, duration: 2d, actual_start: 2025-03-06}\n"))
    assert [d.code for d in diagnostics] == ["actual_after_status_date"]


def test_actual_finish_on_the_status_date_is_not_after_it() -> None:
    _, diagnostics = _dates(
        _plan(
            """\
            - {id: a, name: A, duration: 2d, actual_start: 2025-03-04, actual_finish: 2025-03-05}
            """
        )
    )
    assert diagnostics == []


def test_actual_after_status_date_is_located_in_the_plan(write_plan) -> None:
    from plansmith.services.money import cost_plan_file

    written = write_plan(
        _plan("- {id: a, name: A, duration: 2d, actual_start: 2025-03-07, cost: 10}\n")
    )
    costed, diagnostics, _ = cost_plan_file(written.path)
    assert costed is not None
    (problem,) = diagnostics
    assert problem.code == "actual_after_status_date"
    assert problem.location is not None
    assert problem.location.line == written.at("actual_start")[0]


@pytest.mark.parametrize(
    ("task", "code"),
    [
        ("{id: a, name: A, duration: 2d, progress: 10}", "progress_without_start"),
        ("{id: a, name: A, duration: 2d, remaining: 1d}", "progress_without_start"),
        (
            "{id: a, name: A, duration: 2d, actual_finish: 2025-03-04}",
            "actual_finish_without_start",
        ),
        (
            "{id: a, name: A, duration: 2d, actual_start: 2025-03-04, actual_finish: 2025-03-02}",
            "actual_finish_before_start",
        ),
        ("{id: a, name: A, duration: 2d, ev_method: weighted_milestones}", "steps_missing"),
    ],
)
def test_inconsistent_progress_is_an_error(task: str, code: str) -> None:
    plan = load_plan_text(HEADER + f"  - {task}\n")
    assert [d.code for d in plan.diagnostics if d.is_error] == [code]


def test_finish_the_day_before_the_start_is_an_error() -> None:
    task = "{id: a, name: A, duration: 2d, actual_start: 2025-03-04, actual_finish: 2025-03-03}"
    plan = load_plan_text(HEADER + f"  - {task}\n")
    assert [d.code for d in plan.diagnostics if d.is_error] == ["actual_finish_before_start"]
