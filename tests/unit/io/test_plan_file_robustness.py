"""Hostile or odd plan files: never an exception, only diagnostics with catalogued codes.

A diagnostic code is a stable contract, so a code leaking out of a library (a Pydantic error type,
say) is a bug as much as a traceback is.
"""

from __future__ import annotations

import pytest

from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.services.planning import schedule_plan_file

CATALOGUE = {
    "yaml_syntax",
    "duplicate_key",
    "invalid_type",
    "missing_key",
    "unknown_key",
    "invalid_value",
    "invalid_duration",
    "invalid_date",
    "invalid_time_range",
    "invalid_timezone",
    "invalid_currency",
    "duplicate_id",
    "unknown_task",
    "unknown_resource",
    "unknown_calendar",
    "task_kind_conflict",
    "task_kind_missing",
    "effort_without_assignment",
    "self_dependency",
    "duplicate_dependency",
    "dependency_on_own_summary",
    "invalid_on_summary",
    "calendar_no_working_time",
    "no_common_working_time",
    "dependency_cycle",
    "conflicting_constraints",
    "must_start_on_missed",
    "finish_no_later_than_missed",
    "deadline_missed",
    "horizon_exceeded",
    "no_tasks",
    "plan_not_found",
    "invalid_encoding",
}

PROJECT = "project: {id: p, name: P, start: 2027-01-04}\n"
RESOURCE = "resources: [{id: r}]\n"


ODD_PLANS = [
    pytest.param("? [a, b]\n: 1\n", id="sequence-as-key"),
    pytest.param(
        PROJECT + "tasks: [{id: a, name: A, duration: " + "9" * 400 + "}]\n",
        id="duration-400-digits",
    ),
    pytest.param(
        PROJECT + "tasks: [{id: a, name: A, duration: 1d, priority: 1.5}]\n",
        id="fractional-priority",
    ),
    pytest.param(
        PROJECT + "resources: [{id: r, rate: NaN}]\n",
        id="rate-nan",
    ),
    pytest.param(PROJECT + "~: 1\n", id="null-key"),
    pytest.param("&a [*a]\n", id="recursive-alias"),
    pytest.param("project: &p {id: p, name: P, start: 2027-01-04, x: *p}\n", id="alias"),
    pytest.param(PROJECT + "tasks: " + "[" * 2000 + "]" * 2000 + "\n", id="deep-nesting"),
    pytest.param(PROJECT + "---\nfoo: 1\n", id="two-documents"),
    pytest.param(PROJECT + "tasks: !!python/object:os.system x\n", id="python-tag"),
    pytest.param(PROJECT.replace("P,", "P\x00,"), id="nul-character"),
    pytest.param(PROJECT + "tasks: [{id: a, name: A, duration: .inf}]\n", id="infinite-duration"),
    pytest.param(PROJECT + "tasks: [{id: a, name: A, duration: 1d, after: [~]}]\n", id="null-id"),
    pytest.param(
        PROJECT + "calendars: {~: {week: {mon: ['09:00-10:00']}}}\n", id="null-calendar-id"
    ),
    pytest.param(
        PROJECT + RESOURCE + "tasks: [{id: a, name: A, duration: 1d, assign: [{units: 2}]}]\n",
        id="assignment-without-resource",
    ),
    pytest.param(
        PROJECT + RESOURCE + "tasks: [{id: a, name: A, effort: 1d, assign: [{resource: r, "
        "units: abc}]}]\n",
        id="units-words",
    ),
    pytest.param(PROJECT + "tasks: {a: 1}\n", id="tasks-mapping"),
    pytest.param("project: 2027-01-04\n", id="project-scalar"),
    pytest.param("42\n", id="scalar-document"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("text", ODD_PLANS)
def test_odd_plans_give_catalogued_located_errors(tmp_path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    outcome = schedule_plan_file(path)
    assert outcome.diagnostics, "a broken plan must say why"
    assert {d.code for d in outcome.diagnostics} <= CATALOGUE
    assert not outcome.ok
    assert any(d.severity is Severity.ERROR for d in outcome.diagnostics)
    lines = max(1, text.count("\n") + 1)
    for d in outcome.diagnostics:
        assert d.location is not None
        assert d.location.file == str(path)
        assert 1 <= d.location.line <= lines
        assert d.location.column >= 1


EXTREME_PLANS = [
    pytest.param(
        "project: {id: p, name: P, start: 9999-06-01}\ntasks: [{id: a, name: A, duration: 1d}]\n",
        id="start-year-9999",
    ),
    pytest.param(
        "project: {id: p, name: P, start: 0001-01-01}\ntasks: [{id: a, name: A, duration: 1d}]\n",
        id="start-year-1",
    ),
    pytest.param(
        PROJECT + "tasks: [{id: a, name: A, duration: 1d, deadline: 9999-12-31}]\n",
        id="deadline-9999-12-31",
    ),
]


@pytest.mark.parametrize("text", EXTREME_PLANS)
def test_extreme_dates_never_crash(tmp_path, text: str) -> None:
    """Scheduled or refused, but with catalogued and located diagnostics only."""
    path = tmp_path / "extreme.yaml"
    path.write_text(text, encoding="utf-8")
    outcome = schedule_plan_file(path)
    assert {d.code for d in outcome.diagnostics} <= CATALOGUE
    assert all(d.location is not None for d in outcome.diagnostics)
    assert outcome.ok is not any(d.severity is Severity.ERROR for d in outcome.diagnostics)
    assert outcome.ok is (outcome.result is not None)


def test_byte_order_mark_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_text("\ufeff" + PROJECT + "tasks: [{id: a, name: A, duration: 1d}]\n", "utf-8")
    outcome = schedule_plan_file(path)
    assert outcome.ok
    assert outcome.diagnostics == ()


def test_crlf_line_endings_locate_like_lf(tmp_path) -> None:
    body = PROJECT + "tasks:\n  - id: a\n    name: A\n    duration: 3x\n"
    unix, windows = tmp_path / "unix.yaml", tmp_path / "windows.yaml"
    unix.write_bytes(body.encode())
    windows.write_bytes(body.replace("\n", "\r\n").encode())
    at_unix = schedule_plan_file(unix).diagnostics
    at_windows = schedule_plan_file(windows).diagnostics
    assert [d.code for d in at_unix] == [d.code for d in at_windows] == ["invalid_duration"]
    assert at_unix[0].location == SourceLocation(str(unix), 5, 15)
    assert at_windows[0].location == SourceLocation(str(windows), 5, 15)


def test_control_character_is_located(tmp_path) -> None:
    path = tmp_path / "nul.yaml"
    text = PROJECT + "tasks: [{id: a, name: A\x00, duration: 1d}]\n"
    path.write_text(text, encoding="utf-8")
    (d,) = schedule_plan_file(path).diagnostics
    assert d.code == "yaml_syntax"
    assert d.location == SourceLocation(str(path), 2, text.split("\n")[1].index("\x00") + 1)
