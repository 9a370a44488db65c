"""Every diagnostic the plan loader emits: its code, severity and exact file:line:column.

Each case is a small plan with one mistake; the expected position is found in the plan's text (the
offending token), never hard-coded, and the message wording is never asserted.
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import pytest

from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.services.planning import schedule_plan_file

HEAD = """\
project:
  id: demo
  name: Demo
  start: 2027-01-04
"""


def plan(*parts: str) -> str:
    """HEAD followed by each part, dedented separately."""
    return HEAD + "".join(textwrap.dedent(part) for part in parts)


class Case(NamedTuple):
    code: str
    text: str
    needle: str  # the offending token; the diagnostic must point at its first character
    nth: int = 1
    after: str = ""  # search for needle only after this text
    severity: Severity = Severity.ERROR


def param(case: Case, name: str, *marks: pytest.MarkDecorator) -> object:
    return pytest.param(case, id=f"{case.code}-{name}", marks=marks)


def check(case: Case, write_plan) -> None:
    written = write_plan(case.text)
    outcome = schedule_plan_file(written.path)
    assert [d.code for d in outcome.diagnostics] == [case.code]
    diagnostic = outcome.diagnostics[0]
    assert diagnostic.severity is case.severity
    line, column = written.at(case.needle, case.nth, after=case.after)
    assert diagnostic.location == SourceLocation(str(written.path), line, column)
    # errors stop scheduling, warnings never do
    assert outcome.ok is (case.severity is Severity.WARNING)
    assert (outcome.result is not None) is (case.severity is Severity.WARNING)


TASK = """\
tasks:
  - id: a
    name: A
    duration: 1d
"""

SYNTAX = [
    param(Case("yaml_syntax", "project:\n  id: p\n  name: A: B\n", ": B"), "colon-in-value"),
    param(Case("yaml_syntax", "project:\n  id: p\n\tname: x\n", "\t"), "tab"),
    param(
        Case("yaml_syntax", plan("tasks:\n  - {id: a, name: A, after: [b, c}\n"), "}"),
        "unclosed-flow",
    ),
    param(
        Case("yaml_syntax", "project:\n  id: p\n  name: P\n start: 2027-01-04\n", "start"), "dedent"
    ),
    param(Case("duplicate_key", HEAD + "  name: Again\n" + TASK, "name", 2), "project"),
    param(
        Case("duplicate_key", plan(TASK + "    duration: 2d\n"), "duration", 2),
        "task",
    ),
]

STRUCTURE = [
    param(Case("invalid_type", "- a\n- b\n", "- a"), "top-level-list"),
    param(Case("invalid_type", plan("tasks: 5\n"), "5"), "tasks-not-list"),
    param(Case("invalid_type", plan("tasks:\n  - just a string\n"), "just"), "task-not-mapping"),
    param(
        Case("invalid_type", plan(TASK + "    after: a\n"), "a", after="after: "),
        "after-not-list",
    ),
    param(Case("invalid_type", plan(TASK + "    milestone: maybe\n"), "maybe"), "bool"),
    param(Case("invalid_type", plan(TASK + "    priority: true\n"), "true"), "priority-bool"),
    param(
        Case("invalid_type", HEAD + "  hours_per_day: lots\n" + TASK, "lots"),
        "hours-per-day",
    ),
    param(
        Case("missing_key", "project:\n  id: demo\n  name: Demo\n" + TASK, "id: demo"),
        "project-start",
    ),
    param(
        Case(
            "missing_key", "# comment first\ntasks:\n  - {id: a, name: A, duration: 1d}\n", "tasks"
        ),
        "no-project",
    ),
    param(
        Case("missing_key", plan("tasks:\n  - id: a\n    duration: 1d\n"), "id: a"),
        "task-name",
    ),
    param(
        Case(
            "missing_key",
            plan(
                TASK
                + "  - id: b\n    name: B\n    duration: 1d\n    depends:\n      - {type: SS}\n"
            ),
            "{type",
        ),
        "dependency-task",
    ),
    param(
        Case(
            "missing_key",
            plan(
                """\
                calendars:
                  std:
                    week: {mon: ["09:00-17:00"]}
                  broken:
                    name: No working time given
                """,
                TASK,
            ),
            "name: No",
        ),
        "calendar-form",
    ),
    param(
        Case(
            "missing_key",
            plan("holidays:\n  - 2027-01-01\n  - {name: No date}\n" + TASK),
            "{name",
        ),
        "holiday-entry",
    ),
    param(Case("unknown_key", plan(TASK + "colour: red\n"), "colour"), "top-level"),
    param(Case("unknown_key", plan(TASK + "    colour: red\n"), "colour"), "task"),
    param(
        Case("unknown_key", HEAD + "  owner: me\n" + TASK, "owner"),
        "project",
    ),
    param(
        Case(
            "unknown_key",
            plan("holidays:\n  - 2027-01-01\n  - {date: 2027-01-02, colour: red}\n" + TASK),
            "colour",
        ),
        "holiday-entry",
    ),
    param(
        Case("invalid_value", plan(TASK + "    priority: 0\n"), "0", after="priority: "), "priority"
    ),
    param(Case("invalid_value", plan(TASK + "    priority: 1001\n"), "1001"), "priority-high"),
    param(
        Case("invalid_value", plan("tasks:\n  - id: a b\n    name: A\n    duration: 1d\n"), "a b"),
        "bad-id",
    ),
    param(
        Case("invalid_value", plan("resources:\n  - id: r\n    kind: robot\n" + TASK), "robot"),
        "resource-kind",
    ),
    param(
        Case("invalid_value", plan("resources:\n  - id: r\n    rate: cheap\n" + TASK), "cheap"),
        "rate",
    ),
    param(
        Case(
            "invalid_value",
            plan("resources:\n  - id: r\n    capacity: 0\n" + TASK),
            "0",
            after="capacity: ",
        ),
        "capacity",
    ),
    param(Case("invalid_value", HEAD + "  hours_per_day: 25\n" + TASK, "25"), "hours-per-day"),
    param(
        Case(
            "invalid_value",
            plan(
                TASK
                + "  - id: b\n    name: B\n    duration: 1d\n    depends:\n"
                + "      - {task: a, type: XX}\n"
            ),
            "XX",
        ),
        "dependency-type",
    ),
    param(
        Case(
            "invalid_value",
            plan(
                "resources:\n  - id: r\n"
                + TASK
                + "    assign:\n      - {resource: r, units: -50%}\n"
            ),
            "-50%",
        ),
        "units",
    ),
    param(
        Case(
            "invalid_value",
            plan(
                """\
                calendars:
                  both:
                    week: {mon: ["09:00-17:00"]}
                    workdays: [mon]
                    hours: ["09:00-17:00"]
                """,
                TASK,
            ),
            "week:",
        ),
        "calendar-two-forms",
    ),
]

VALUES = [
    param(Case("invalid_duration", plan(TASK.replace("1d", "3x")), "3x"), "unit"),
    param(Case("invalid_duration", plan(TASK.replace("1d", "-1d")), "-1d"), "negative"),
    param(Case("invalid_duration", plan(TASK.replace("1d", "'2 days'")), "'2 days'"), "words"),
    param(
        Case(
            "invalid_duration",
            plan(
                "resources: [{id: r}]\n"
                + TASK.replace("duration: 1d", "effort: lots")
                + "    assign: [r]\n"
            ),
            "lots",
        ),
        "effort",
    ),
    param(
        Case(
            "invalid_duration",
            plan(
                TASK
                + "  - id: b\n    name: B\n    duration: 1d\n    depends:\n"
                + "      - {task: a, type: SS, lag: soon}\n"
            ),
            "soon",
        ),
        "lag",
    ),
    param(
        Case("invalid_duration", plan(TASK.replace("1d", "yes")), "yes"),
        "boolean",
    ),
    param(
        Case(
            "invalid_date", "project:\n  id: d\n  name: D\n  start: '2027-02-30'\n" + TASK, "'2027"
        ),
        "start",
    ),
    param(
        Case("invalid_date", "project:\n  id: d\n  name: D\n  start: next monday\n" + TASK, "next"),
        "words",
    ),
    param(Case("invalid_date", plan(TASK + "    deadline: tomorrow\n"), "tomorrow"), "deadline"),
    param(
        Case(
            "invalid_date", plan(TASK + "    must_start_on: '2027-01-05T25:00'\n"), "'2027-01-05T"
        ),
        "instant-hour",
    ),
    param(
        Case("invalid_date", plan("holidays:\n  - 2027-01-01\n  - someday\n" + TASK), "someday"),
        "holiday",
    ),
    param(
        Case(
            "invalid_date",
            plan("holidays:\n  - 2027-01-01\n  - {from: 2027-01-09, to: 2027-01-02}\n" + TASK),
            "{from",
        ),
        "reversed-range",
    ),
    param(
        Case(
            "invalid_date",
            plan(
                "resources:\n  - id: r\n    vacations:\n      - {from: 2027-01-09, to: 13.1.2027}\n"
                + TASK
            ),
            "{from",
        ),
        "vacation",
    ),
    param(
        Case(
            "invalid_date",
            "project:\n  id: d\n  name: D\n  start: 2027-02-30\n" + TASK,
            "2027-02-30",
        ),
        "unquoted-impossible-day",
    ),
]

CALENDAR = """\
calendars:
  office:
    week:
      mon: [{ranges}]
"""

TIME_RANGES = [
    param(
        Case("invalid_time_range", plan(CALENDAR.format(ranges='"9-17"') + TASK), '"9-17"'),
        "format",
    ),
    param(
        Case("invalid_time_range", plan(CALENDAR.format(ranges='"10:00-09:00"') + TASK), '"10:00'),
        "backwards",
    ),
    param(
        Case("invalid_time_range", plan(CALENDAR.format(ranges='"00:00-24:30"') + TASK), '"00:00'),
        "past-midnight",
    ),
    param(
        Case("invalid_time_range", plan(CALENDAR.format(ranges='"09:60-10:00"') + TASK), '"09:60'),
        "minute-60",
    ),
    param(
        Case(
            "invalid_time_range",
            plan(
                "calendars:\n  office:\n    workdays: [mon]\n"
                '    hours: ["09:00-12:00", "24:00-24:00"]\n',
                TASK,
            ),
            '"24:00-',
        ),
        "hours-form",
    ),
    param(
        Case(
            "invalid_time_range",
            plan(CALENDAR.format(ranges='"09:00-12:00", "11:00-13:00"') + TASK),
            '"11:00',
        ),
        "overlap",
    ),
    param(Case("invalid_timezone", HEAD + "  timezone: Mars/Olympus\n" + TASK, "Mars"), "zone"),
    param(Case("invalid_currency", HEAD + "  currency: usd\n" + TASK, "usd"), "lower-case"),
    param(Case("invalid_currency", HEAD + "  currency: EURO\n" + TASK, "EURO"), "four-letters"),
]

MODEL = [
    param(
        Case("duplicate_id", plan(TASK + TASK.removeprefix("tasks:\n")), "a", after="1d\n  - id: "),
        "task",
    ),
    param(
        Case(
            "duplicate_id",
            plan(
                """\
                tasks:
                  - id: phase
                    name: Phase
                    children:
                      - {id: a, name: A, duration: 1d}
                      - {id: a, name: Again, duration: 1d}
                """
            ),
            "a",
            after="{id: a, name: A, duration: 1d}\n      - {id: ",
        ),
        "nested",
    ),
    param(
        Case(
            "duplicate_id",
            plan("resources:\n  - id: r\n  - id: r\n" + TASK),
            "r",
            after="  - id: r\n  - id: ",
        ),
        "resource",
    ),
    param(
        Case(
            "task_kind_conflict",
            plan("resources: [{id: r}]\n" + TASK + "    effort: 2d\n    assign: [r]\n"),
            "2d",
        ),
        "duration-and-effort",
    ),
    param(
        Case("task_kind_conflict", plan(TASK + "    milestone: true\n"), "true"),
        "duration-and-milestone",
    ),
    param(
        Case(
            "task_kind_conflict",
            plan(
                """\
                tasks:
                  - id: phase
                    name: Phase
                    duration: 3d
                    children:
                      - {id: a, name: A, duration: 1d}
                """
            ),
            "3d",
        ),
        "summary-with-duration",
    ),
    param(
        Case("task_kind_missing", plan(TASK + "  - id: b\n    name: B\n"), "id: b"),
        "leaf",
    ),
    param(
        Case(
            "task_kind_missing",
            plan(TASK + "  - id: phase\n    name: Phase\n    children: []\n"),
            "[]",
        ),
        "empty-children",
    ),
    param(
        Case("effort_without_assignment", plan(TASK.replace("duration: 1d", "effort: 5d")), "5d"),
        "no-assign",
    ),
    param(
        Case("calendar_no_working_time", plan(CALENDAR.format(ranges="") + TASK), "week:"),
        "empty-day",
    ),
    param(
        Case(
            "calendar_no_working_time",
            plan("calendars:\n  office:\n    workdays: []\n    hours: ['09:00-17:00']\n" + TASK),
            "workdays",
        ),
        "no-workdays",
    ),
]


OFFICE = """\
calendars:
  office:
    workdays: [mon, tue, wed, thu, fri]
    hours: ["08:00-12:00", "13:00-17:00"]
"""


def office(extra: str) -> str:
    """A plan whose office calendar has ``extra`` keys (written unindented) and one task."""
    return HEAD + OFFICE + textwrap.indent(textwrap.dedent(extra), "    ") + TASK


# Work weeks and working days (docs/plan-format.md, `calendars`): each error points at the entry.
CALENDAR_DATES = [
    param(
        Case(
            "work_weeks_overlap",
            office("""\
                    work_weeks:
                      - {from: 2027-06-01, to: 2027-08-31, workdays: [mon], hours: ["08:00-12:00"]}
                      - {from: 2027-08-30, to: 2027-09-03, workdays: [tue], hours: ["08:00-12:00"]}
                """),
            "2027-08-30",
        ),
        "second-starts-inside-first",
    ),
    param(
        Case(
            "working_days_overlap",
            office("""\
                    working_days:
                      - {from: 2027-03-05, to: 2027-03-07, hours: ["09:00-13:00"]}
                      - {date: 2027-03-06, hours: ["10:00-12:00"], name: Release}
                """),
            "2027-03-06",
        ),
        "date-inside-range",
    ),
    param(
        Case(
            "calendar_day_conflict",
            office("""\
                    holidays: [2027-03-13]
                    working_days:
                      - {from: 2027-03-13, to: 2027-03-14, hours: ["09:00-13:00"]}
                """),
            "2027-03-13",
            2,
        ),
        "holiday-and-working-day",
    ),
    param(
        Case(
            "invalid_date",
            office("""\
                    work_weeks:
                      - {from: 2027-06-01, to: 2027-05-31, workdays: [mon], hours: ["08:00-12:00"]}
                """),
            "2027-05-31",
        ),
        "work-week-reversed",
    ),
    param(
        Case(
            "invalid_date",
            office(
                "working_days:\n  - {from: 2027-03-15, to: 2027-03-14, hours: ['09:00-13:00']}\n"
            ),
            "2027-03-14",
        ),
        "working-days-reversed",
    ),
    param(
        Case(
            "missing_key",
            office("    working_days:\n      - {from: 2027-03-15, hours: ['09:00-13:00']}\n"),
            "{from",
        ),
        "working-day-without-to",
    ),
    param(
        Case(
            "invalid_value",
            office("    working_days:\n      - {date: 2027-03-15, hours: []}\n"),
            "[]",
        ),
        "working-day-without-hours",
    ),
    param(
        Case(
            "missing_key",
            office("    work_weeks:\n      - {from: 2027-06-01, to: 2027-06-30}\n"),
            "{from",
        ),
        "work-week-without-week",
    ),
]


@pytest.mark.parametrize("case", SYNTAX + STRUCTURE + VALUES + TIME_RANGES + MODEL + CALENDAR_DATES)
def test_diagnostic_code_severity_and_location(case: Case, write_plan) -> None:
    check(case, write_plan)


def test_no_tasks_is_a_warning_at_the_project(write_plan) -> None:
    check(Case("no_tasks", HEAD, "id: demo", severity=Severity.WARNING), write_plan)


def test_empty_file_is_invalid_type_at_the_start(write_plan) -> None:
    check(Case("invalid_type", "# nothing here yet\n", "#"), write_plan)


def test_every_problem_is_reported_not_only_the_first(write_plan) -> None:
    written = write_plan(
        plan(
            """\
            tasks:
              - id: a
                name: A
                duration: 3x
              - id: b
                name: B
                duration: 1d
                priority: 0
                colour: red
            """
        )
    )
    outcome = schedule_plan_file(written.path)
    # schema problems come first and stop the build, so both schema errors are listed together
    assert sorted(d.code for d in outcome.diagnostics) == ["invalid_value", "unknown_key"]
    assert {(d.location.line, d.location.column) for d in outcome.diagnostics if d.location} == {
        written.at("0", after="priority: "),
        written.at("colour"),
    }


# -- unreadable files --------------------------------------------------------------------------


def test_missing_file_is_plan_not_found_at_its_start(tmp_path) -> None:
    path = tmp_path / "nowhere.yaml"
    outcome = schedule_plan_file(path)
    assert [(d.code, d.severity) for d in outcome.diagnostics] == [
        ("plan_not_found", Severity.ERROR)
    ]
    assert outcome.diagnostics[0].location == SourceLocation(str(path), 1, 1)
    assert not outcome.ok


def test_directory_is_plan_not_found(tmp_path) -> None:
    outcome = schedule_plan_file(tmp_path)
    assert [(d.code, d.severity) for d in outcome.diagnostics] == [
        ("plan_not_found", Severity.ERROR)
    ]
    assert outcome.diagnostics[0].location == SourceLocation(str(tmp_path), 1, 1)


def test_binary_file_is_invalid_encoding(tmp_path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    outcome = schedule_plan_file(path)
    assert [(d.code, d.severity) for d in outcome.diagnostics] == [
        ("invalid_encoding", Severity.ERROR)
    ]
    assert outcome.diagnostics[0].location == SourceLocation(str(path), 1, 1)
    assert not outcome.ok
