"""Diagnostics of the passes (``scheduling.cpm``): constraint conflicts and misses, the horizon.

Misses are warnings: the plan is still scheduled, with negative total float on the late side.
"""

from __future__ import annotations

import textwrap

import pytest

from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.services.planning import schedule_plan_file

HEAD = """\
project:
  id: demo
  name: Demo
  start: 2027-01-04
"""


def plan(body: str) -> str:
    return HEAD + textwrap.dedent(body)


def only(outcome, code: str):
    assert [d.code for d in outcome.diagnostics] == [code]
    return outcome.diagnostics[0]


def located(written, needle: str) -> SourceLocation:
    line, column = written.at(needle)
    return SourceLocation(str(written.path), line, column)


# Monday 2027-01-04 on the default calendar (09:00-12:00, 13:00-18:00, mon-fri): a 3d chain
# "long" runs to Wednesday 18:00.
LONG = "  - {id: long, name: Long, duration: 3d}\n"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        pytest.param(
            """\
            tasks:
              - id: a
                name: A
                duration: 1d
                start_no_earlier_than: 2027-01-10
                must_start_on: 2027-01-05
            """,
            "id: a",
            id="snet-after-mso",
        ),
        pytest.param(
            """\
            tasks:
              - id: a
                name: A
                duration: 2d
                start_no_earlier_than: 2027-01-07
                finish_no_later_than: 2027-01-07
            """,
            "id: a",
            id="snet-fnlt",
        ),
        pytest.param(
            """\
            tasks:
              - id: a
                name: A
                duration: 1d
                must_start_on: 2027-01-06T14:00
                deadline: 2027-01-06
            """,
            "id: a",
            id="mso-deadline",
        ),
        pytest.param(
            """\
            tasks:
              - id: m
                name: Gate review
                milestone: true
                start_no_earlier_than: 2027-01-08T10:00
                finish_no_later_than: 2027-01-08T09:00
            """,
            "id: m",
            id="milestone",
        ),
    ],
)
def test_conflicting_constraints(write_plan, body: str, needle: str) -> None:
    written = write_plan(plan(body))
    outcome = schedule_plan_file(written.path)
    d = only(outcome, "conflicting_constraints")
    assert d.severity is Severity.WARNING
    assert d.location == located(written, needle)
    assert outcome.ok


def test_must_start_on_missed(write_plan) -> None:
    written = write_plan(
        HEAD
        + "tasks:\n"
        + LONG
        + "  - id: a\n    name: A\n    duration: 1d\n    after: [long]\n"
        + "    must_start_on: 2027-01-05\n"
    )
    outcome = schedule_plan_file(written.path)
    d = only(outcome, "must_start_on_missed")
    assert d.severity is Severity.WARNING
    assert d.location == located(written, "2027-01-05")
    assert outcome.result is not None
    # links win: a starts after long, Thursday 09:00
    assert outcome.result.at(outcome.result.task("a").start).isoformat() == "2027-01-07T09:00:00"
    assert outcome.result.task("a").total_float < 0


@pytest.mark.parametrize(
    ("key", "code"),
    [("finish_no_later_than", "finish_no_later_than_missed"), ("deadline", "deadline_missed")],
)
@pytest.mark.parametrize("limit", ["2027-01-06", "2027-01-07T12:00"])
def test_finish_limits_missed(write_plan, key: str, code: str, limit: str) -> None:
    written = write_plan(
        HEAD
        + "tasks:\n"
        + LONG
        + "  - id: a\n    name: A\n    duration: 1d\n    after: [long]\n"
        + f"    {key}: {limit}\n"
    )
    outcome = schedule_plan_file(written.path)
    d = only(outcome, code)
    assert d.severity is Severity.WARNING
    assert d.location == located(written, limit)
    assert outcome.ok
    result = outcome.result
    assert result is not None
    a = result.task("a")
    assert result.at(a.finish).isoformat() == "2027-01-07T18:00:00"  # not moved by the limit
    assert a.total_float < 0
    assert result.task("long").total_float < 0
    assert a.critical


@pytest.mark.parametrize("key", ["finish_no_later_than", "deadline"])
def test_a_met_finish_limit_is_silent(write_plan, key: str) -> None:
    written = write_plan(
        HEAD + "tasks:\n" + LONG + "  - {id: a, name: A, duration: 1d, after: [long], "
        f"{key}: 2027-01-07}}\n"
    )
    outcome = schedule_plan_file(written.path)
    assert outcome.diagnostics == ()
    assert outcome.result is not None
    assert outcome.result.task("a").total_float == 0


def test_horizon_exceeded_for_a_task_longer_than_two_centuries(write_plan) -> None:
    written = write_plan(plan("tasks:\n  - {id: forever, name: Forever, duration: 20000w}\n"))
    outcome = schedule_plan_file(written.path)
    d = only(outcome, "horizon_exceeded")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, "id: demo")
    assert not outcome.ok


def test_horizon_exceeded_when_holidays_remove_all_future_work(write_plan) -> None:
    written = write_plan(
        plan(
            """\
            holidays:
              - {from: 2026-06-01, to: 2200-12-31, name: Sabbatical}
            tasks:
              - {id: a, name: A, duration: 1d}
            """
        )
    )
    outcome = schedule_plan_file(written.path)
    d = only(outcome, "horizon_exceeded")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, "id: demo")
