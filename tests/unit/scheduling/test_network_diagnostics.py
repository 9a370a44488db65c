"""Diagnostics of references, links and calendars (``scheduling.network`` / ``calendars``).

Each plan loads cleanly, so the problem is found by the engine; the diagnostic must still point at
the exact place in the file (found in the plan's text), with a stable code and severity.
"""

from __future__ import annotations

import re
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


def plan(*parts: str) -> str:
    return HEAD + "".join(textwrap.dedent(part) for part in parts)


def only(outcome, code: str):
    assert [d.code for d in outcome.diagnostics] == [code]
    return outcome.diagnostics[0]


def located(written, needle: str, nth: int = 1, after: str = "") -> SourceLocation:
    line, column = written.at(needle, nth, after=after)
    return SourceLocation(str(written.path), line, column)


@pytest.mark.parametrize(
    ("body", "needle", "after"),
    [
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d}
              - {id: b, name: B, duration: 1d, after: [a, ghost]}
            """,
            "ghost",
            "",
            id="after",
        ),
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d}
              - id: b
                name: B
                duration: 1d
                depends:
                  - {task: a, type: SS}
                  - {task: ghost, type: FF, lag: 2h}
            """,
            "{task: ghost",
            "",
            id="depends",
        ),
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                after: [ghost]
                children:
                  - {id: a, name: A, duration: 1d}
            """,
            "ghost",
            "",
            id="from-summary",
        ),
    ],
)
def test_unknown_task(write_plan, body: str, needle: str, after: str) -> None:
    written = write_plan(plan(body))
    d = only(schedule_plan_file(written.path), "unknown_task")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle, after=after)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        pytest.param(
            """\
            resources: [{id: dev}]
            tasks:
              - {id: a, name: A, duration: 1d, assign: [dev, ghost]}
            """,
            "ghost",
            id="plain",
        ),
        pytest.param(
            """\
            resources: [{id: dev}]
            tasks:
              - id: a
                name: A
                effort: 2d
                assign:
                  - {resource: dev, units: 50%}
                  - {resource: ghost, units: 0.5}
            """,
            "{resource: ghost",
            id="with-units",
        ),
    ],
)
def test_unknown_resource(write_plan, body: str, needle: str) -> None:
    written = write_plan(plan(body))
    d = only(schedule_plan_file(written.path), "unknown_resource")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param(
            HEAD + "  calendar: nights\ntasks:\n  - {id: a, name: A, duration: 1d}\n",
            "nights",
            id="project",
        ),
        pytest.param(
            plan(
                """\
                calendars:
                  office: {workdays: [mon, tue], hours: ["09:00-17:00"]}
                tasks:
                  - {id: a, name: A, duration: 1d, calendar: nights}
                """
            ),
            "nights",
            id="task",
        ),
        pytest.param(
            plan(
                """\
                resources:
                  - {id: dev, calendar: nights}
                tasks:
                  - {id: a, name: A, duration: 1d, assign: [dev]}
                """
            ),
            "nights",
            id="resource",
        ),
    ],
)
def test_unknown_calendar(write_plan, text: str, needle: str) -> None:
    written = write_plan(text)
    d = only(schedule_plan_file(written.path), "unknown_calendar")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle)


@pytest.mark.parametrize(
    ("body", "needle", "after"),
    [
        pytest.param(
            "tasks:\n  - {id: a, name: A, duration: 1d, after: [a]}\n", "a]", "", id="after"
        ),
        pytest.param(
            """\
            tasks:
              - id: a
                name: A
                duration: 1d
                depends: [{task: a, type: SS, lag: 1h}]
            """,
            "{task: a",
            "",
            id="depends",
        ),
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                after: [phase]
                children:
                  - {id: a, name: A, duration: 1d}
            """,
            "phase]",
            "",
            id="summary",
        ),
    ],
)
def test_self_dependency(write_plan, body: str, needle: str, after: str) -> None:
    written = write_plan(plan(body))
    d = only(schedule_plan_file(written.path), "self_dependency")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle, after=after)


@pytest.mark.parametrize(
    ("body", "needle", "after"),
    [
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d}
              - {id: b, name: B, duration: 1d, after: [a, a]}
            """,
            "a]",
            "",
            id="after-twice",
        ),
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d}
              - id: b
                name: B
                duration: 1d
                after: [a]
                depends:
                  - {task: a, type: SS}
                  - {task: a, lag: 1h}
            """,
            "{task: a, lag",
            "",
            id="after-and-depends-fs",
        ),
    ],
)
def test_duplicate_dependency_is_a_warning_and_keeps_the_first(
    write_plan, body: str, needle: str, after: str
) -> None:
    written = write_plan(plan(body))
    outcome = schedule_plan_file(written.path)
    d = only(outcome, "duplicate_dependency")
    assert d.severity is Severity.WARNING
    assert d.location == located(written, needle, after=after)
    assert outcome.ok
    assert outcome.result is not None
    a, b = outcome.result.task("a"), outcome.result.task("b")
    # the first link (FS, no lag) is used: b starts the next working morning, not an hour later
    assert b.start == outcome.result.task("a").finish + 15 * 60
    assert a.start == 9 * 60


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                children:
                  - {id: a, name: A, duration: 1d}
                  - {id: b, name: B, duration: 1d, after: [phase]}
            """,
            "phase]",
            id="child-after-parent",
        ),
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                after: [b]
                children:
                  - {id: a, name: A, duration: 1d}
                  - id: sub
                    name: Sub
                    children:
                      - {id: b, name: B, duration: 1d}
            """,
            "b]",
            id="parent-after-grandchild",
        ),
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                children:
                  - id: sub
                    name: Sub
                    children:
                      - id: b
                        name: B
                        duration: 1d
                        depends: [{task: phase, type: SS}]
            """,
            "{task: phase",
            id="grandchild-depends-on-grandparent",
        ),
    ],
)
def test_dependency_on_own_summary(write_plan, body: str, needle: str) -> None:
    written = write_plan(plan(body))
    d = only(schedule_plan_file(written.path), "dependency_on_own_summary")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle)


def test_no_common_working_time(write_plan) -> None:
    written = write_plan(
        plan(
            """\
            calendars:
              days: {workdays: [mon, tue, wed, thu, fri], hours: ["08:00-16:00"]}
              nights: {workdays: [mon, tue, wed, thu, fri], hours: ["16:00-24:00"]}
            resources:
              - {id: early, calendar: days}
              - {id: late, calendar: nights}
            tasks:
              - {id: solo, name: Solo, duration: 1d, assign: [early]}
              - {id: a, name: A, duration: 1d, assign: [early, late]}
            """
        )
    )
    d = only(schedule_plan_file(written.path), "no_common_working_time")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, "[early, late]")


def test_no_common_working_time_from_weekdays(write_plan) -> None:
    """Overlapping hours on different days are no common time either."""
    written = write_plan(
        plan(
            """\
            calendars:
              weekdays: {workdays: [mon, tue, wed], hours: ["09:00-17:00"]}
              weekend: {workdays: [sat, sun], hours: ["09:00-17:00"]}
            resources:
              - {id: dev, calendar: weekdays}
              - {id: ops, calendar: weekend}
            tasks:
              - id: a
                name: A
                duration: 1d
                assign:
                  - dev
                  - ops
            """
        )
    )
    d = only(schedule_plan_file(written.path), "no_common_working_time")
    assert d.location == located(written, "- dev")


def _cycle_ids(message: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", message))


@pytest.mark.parametrize(
    ("body", "cycle", "links"),
    [
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d, after: [c]}
              - {id: b, name: B, duration: 1d, after: [a]}
              - {id: c, name: C, duration: 1d, after: [b]}
              - {id: tail, name: Tail, duration: 1d, after: [a]}
            """,
            {"a", "b", "c"},
            ["c]", "a]", "b]"],
            id="three-fs",
        ),
        pytest.param(
            """\
            tasks:
              - {id: a, name: A, duration: 1d, depends: [{task: b, type: SS}]}
              - {id: b, name: B, duration: 1d, depends: [{task: a, type: FF, lag: -2d}]}
            """,
            {"a", "b"},
            ["{task: b", "{task: a"],
            id="ss-ff-negative-lag",
        ),
        pytest.param(
            """\
            tasks:
              - id: phase
                name: Phase
                children:
                  - {id: inner, name: Inner, duration: 1d, after: [outer]}
              - {id: outer, name: Outer, duration: 1d, after: [phase]}
            """,
            {"phase", "inner", "outer"},
            ["outer]", "phase]"],
            id="through-summary",
        ),
    ],
)
def test_dependency_cycle_names_the_whole_cycle(
    write_plan, body: str, cycle: set[str], links: list[str]
) -> None:
    written = write_plan(plan(body))
    d = only(schedule_plan_file(written.path), "dependency_cycle")
    assert d.severity is Severity.ERROR
    named = _cycle_ids(d.message)
    assert cycle <= named
    assert "tail" not in named
    # the cycle is reported at one of its own links
    assert d.location in {located(written, link) for link in links}


def test_two_cycles_are_two_diagnostics(write_plan) -> None:
    written = write_plan(
        plan(
            """\
            tasks:
              - {id: a, name: A, duration: 1d, after: [b]}
              - {id: b, name: B, duration: 1d, after: [a]}
              - {id: c, name: C, duration: 1d, after: [d]}
              - {id: d, name: D, duration: 1d, after: [c, a]}
            """
        )
    )
    outcome = schedule_plan_file(written.path)
    assert [d.code for d in outcome.diagnostics] == ["dependency_cycle"] * 2
    named = sorted((_cycle_ids(d.message) & {"a", "b", "c", "d"}) for d in outcome.diagnostics)
    assert named == [{"a", "b"}, {"c", "d"}]
    first = {located(written, "b]"), located(written, "a]")}
    second = {located(written, "d]"), located(written, "c, a]")}
    assert {d.location in first for d in outcome.diagnostics} == {True, False}
    assert all(d.location in first | second for d in outcome.diagnostics)


@pytest.mark.parametrize(
    ("key_text", "needle"),
    [
        pytest.param("must_start_on: 2027-01-06", "2027-01-06", id="must-start-on"),
        pytest.param("assign: [dev]", "[dev]", id="assign"),
    ],
)
def test_invalid_on_summary(write_plan, key_text: str, needle: str) -> None:
    written = write_plan(
        plan(
            f"""\
            resources: [{{id: dev}}]
            tasks:
              - id: phase
                name: Phase
                {key_text}
                children:
                  - {{id: a, name: A, duration: 1d}}
            """
        )
    )
    d = only(schedule_plan_file(written.path), "invalid_on_summary")
    assert d.severity is Severity.ERROR
    assert d.location == located(written, needle)
