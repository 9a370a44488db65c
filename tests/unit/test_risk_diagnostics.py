"""Every diagnostic about estimates, risks and correlations: code, severity and file:line:column.

Each case is a small plan with one mistake, simulated through ``simulate_plan_file`` (the use case
behind ``plansmith simulate``). The expected position is found in the plan's text (the offending
token), never hard-coded, and the message wording is never asserted.
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import pytest

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.services.planning import schedule_plan_file
from plansmith.services.risk import simulate_plan_file

BASE = """\
project: {id: demo, name: Demo, start: 2027-01-04}
tasks:
  - {id: a, name: A, duration: 2d}
  - id: b
    name: B
    estimate: {optimistic: 1d, likely: 2d, pessimistic: 3d}
  - id: s
    name: S
    children:
      - {id: c, name: C, duration: 1d, estimate: {optimistic: 1d, likely: 1d, pessimistic: 2d}}
      - {id: d, name: D, estimate: {optimistic: 2h, likely: 4h, pessimistic: 9h}}
  - {id: m, name: M, milestone: true, after: [a]}
"""


def plan(extra: str = "", base: str = BASE) -> str:
    return base + textwrap.dedent(extra)


class Case(NamedTuple):
    code: str
    text: str
    needle: str  # the offending token; the diagnostic must point at its first character
    nth: int = 1
    after: str = ""  # search for needle only after this text
    severity: Severity = Severity.ERROR
    at_load: bool = False  # found by the plan loader (so ``schedule`` reports it too)


def param(case: Case, name: str) -> object:
    return pytest.param(case, id=f"{case.code}-{name}")


OPTIONS = SimulationOptions(iterations=20, seed=0, workers=1)

RISK = "risks:\n  - {id: r, title: R, probability: 0.5, impact: %s, tasks: %s}\n"

CASES = [
    # -- estimates
    param(
        Case(
            "estimate_out_of_order",
            plan(base=BASE.replace("likely: 2d", "likely: 5d")),
            "{optimistic: 1d, likely: 5d",
            at_load=True,
        ),
        "task",
    ),
    param(
        Case(
            "estimate_out_of_order",
            plan(RISK % ("{schedule: {optimistic: 2d, likely: 1d, pessimistic: 3d}}", "[a]")),
            "{optimistic: 2d",
            at_load=True,
        ),
        "risk-schedule-range",
    ),
    param(
        Case(
            "estimate_out_of_order",
            plan(RISK % ("{cost: {optimistic: 5, likely: 3, pessimistic: 9}}", "[]")),
            "{optimistic: 5",
            at_load=True,
        ),
        "risk-cost-range",
    ),
    param(
        Case(
            "invalid_duration",
            plan(base=BASE.replace("pessimistic: 3d", "pessimistic: 3x")),
            "3x",
            at_load=True,
        ),
        "estimate",
    ),
    param(
        Case(
            "invalid_duration",
            plan(base=BASE.replace("optimistic: 2h", "optimistic: soon")),
            "soon",
            at_load=True,
        ),
        "estimate-in-summary",
    ),
    param(
        Case(
            "invalid_duration",
            plan(RISK % ("{schedule: '3 days'}", "[a]")),
            "'3 days'",
            at_load=True,
        ),
        "risk-schedule",
    ),
    param(
        Case(
            "invalid_value",
            plan(
                base=BASE.replace(
                    "    estimate: {optimistic: 1d",
                    "    distribution: beta\n    estimate: {optimistic: 1d",
                )
            ),
            "beta",
            at_load=True,
        ),
        "distribution",
    ),
    param(
        Case(
            "task_kind_conflict",
            plan(
                base=BASE.replace(
                    "milestone: true,",
                    "milestone: true, estimate: {optimistic: 1d, likely: 1d, pessimistic: 2d},",
                )
            ),
            "true",
            after="id: m",
            at_load=True,
        ),
        "estimate-on-milestone",
    ),
    param(
        Case(
            "task_kind_conflict",
            plan(
                base=BASE.replace(
                    "    children:",
                    "    estimate: {optimistic: 1d, likely: 1d, pessimistic: 2d}\n    children:",
                )
            ),
            "{optimistic: 1d, likely: 1d, pessimistic: 2d}\n",
            at_load=True,
        ),
        "estimate-on-summary",
    ),
    # -- risks
    param(
        Case("risk_without_impact", plan(RISK % ("{}", "[a]")), "{}", at_load=True),
        "empty-impact",
    ),
    param(
        Case(
            "risk_without_tasks",
            plan("risks:\n  - {id: r, title: R, probability: 0.5, impact: {schedule: 1d}}\n"),
            "1d",
            after="schedule: ",
            at_load=True,
        ),
        "schedule-without-tasks",
    ),
    param(
        Case(
            "risk_task_not_leaf", plan(RISK % ("{schedule: 1d}", "[a, s]")), "s]", after="tasks: "
        ),
        "summary",
    ),
    param(
        Case("risk_task_not_leaf", plan(RISK % ("{schedule: 1d}", "[m]")), "m]", after="tasks: "),
        "milestone",
    ),
    param(
        Case("unknown_task", plan(RISK % ("{cost: 10}", "[a, zz]")), "zz"),
        "risk",
    ),
    param(
        Case(
            "duplicate_id",
            plan(
                """\
                risks:
                  - {id: dup, title: First, probability: 0.5, impact: {cost: 10}}
                  - id: dup
                    title: Second
                    probability: 0.1
                    impact: {cost: 20}
                """
            ),
            "dup",
            nth=2,
        ),
        "risk",
    ),
    param(
        Case(
            "invalid_value",
            plan(RISK % ("{cost: 10}", "[]")).replace("0.5", "1.5"),
            "1.5",
            at_load=True,
        ),
        "probability-above-one",
    ),
    param(
        Case(
            "invalid_value",
            plan(RISK % ("{cost: 10}", "[]")).replace("0.5", "150%"),
            "150%",
            at_load=True,
        ),
        "probability-percent",
    ),
    param(
        Case(
            "invalid_value",
            plan(RISK % ("{cost: 10}", "[]")).replace("0.5", "-0.1"),
            "-0.1",
            at_load=True,
        ),
        "probability-negative",
    ),
    param(
        Case(
            "invalid_value",
            plan(RISK % ("{cost: 1}", "[]")).replace("impact:", "status: maybe, impact:"),
            "maybe",
            at_load=True,
        ),
        "status",
    ),
    param(
        Case(
            "unknown_key",
            plan(RISK % ("{cost: 10}", "[]")).replace("impact:", "severity: high, impact:"),
            "severity",
            at_load=True,
        ),
        "risk",
    ),
    param(
        Case(
            "unknown_key",
            plan(RISK % ("{cost: 10, quality: 3}", "[]")),
            "quality",
            at_load=True,
        ),
        "impact",
    ),
    param(
        Case(
            "missing_key",
            plan("risks:\n  - {id: r, title: R, impact: {cost: 10}}\n"),
            "{id: r",
            at_load=True,
        ),
        "risk-probability",
    ),
    param(
        Case(
            "distribution_without_estimate",
            plan(
                base=BASE.replace(
                    "{id: a, name: A, duration: 2d}",
                    "{id: a, name: A, duration: 2d, distribution: uniform}",
                )
            ),
            "uniform",
            severity=Severity.WARNING,
            at_load=True,
        ),
        "fixed-duration",
    ),
    # -- correlations
    param(
        Case(
            "correlation_without_estimate",
            plan("correlations:\n  - {tasks: [b, a], coefficient: 0.5}\n"),
            "a]",
            after="correlations:",
            severity=Severity.WARNING,
        ),
        "fixed-duration",
    ),
    param(
        Case(
            "correlation_conflict",
            plan(
                """\
                correlations:
                  - {tasks: [b, c], coefficient: 0.5}
                  - {tasks: [c, b, d], coefficient: 0.4}
                """
            ),
            "0.4",
        ),
        "two-coefficients",
    ),
    param(
        Case(
            "correlation_inconsistent",
            plan(
                """\
                correlations:
                  - {tasks: [b, c], coefficient: 0.9}
                  - {tasks: [c, d], coefficient: 0.9}
                  - {tasks: [b, d], coefficient: -0.9}
                """
            ),
            "- {tasks: [b, c]",
        ),
        "not-positive-definite",
    ),
    param(
        Case("unknown_task", plan("correlations:\n  - {tasks: [b, zz], coefficient: 0.5}\n"), "zz"),
        "correlation",
    ),
    param(
        Case(
            "invalid_value",
            plan("correlations:\n  - {tasks: [b, c], coefficient: 1.5}\n"),
            "1.5",
            at_load=True,
        ),
        "coefficient",
    ),
    param(
        Case(
            "invalid_value",
            plan("correlations:\n  - {tasks: [b], coefficient: 0.5}\n"),
            "[b]",
            at_load=True,
        ),
        "one-task",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_each_problem_has_its_code_severity_and_location(case: Case, write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(case.text)
    outcome = simulate_plan_file(written.path, OPTIONS)
    assert [d.code for d in outcome.diagnostics] == [case.code]
    diagnostic = outcome.diagnostics[0]
    assert diagnostic.severity is case.severity
    line, column = written.at(case.needle, case.nth, after=case.after)
    assert diagnostic.location == SourceLocation(str(written.path), line, column)
    # errors stop the simulation, warnings never do
    assert outcome.ok is (case.severity is Severity.WARNING)
    assert (outcome.report is not None) is (case.severity is Severity.WARNING)
    if case.at_load:  # a loader problem: scheduling the plan reports the same thing
        scheduled = schedule_plan_file(written.path)
        assert [(d.code, d.location) for d in scheduled.diagnostics] == [
            (case.code, diagnostic.location)
        ]


UNION_CASES = [
    param(
        Case(
            "invalid_value", plan(RISK % ("{cost: -5}", "[]")), "-5", after="impact", at_load=True
        ),
        "negative-cost",
    ),
    param(
        Case(
            "invalid_value",
            plan(RISK % ("{cost: lots}", "[]")),
            "lots",
            after="impact",
            at_load=True,
        ),
        "cost-not-a-number",
    ),
    param(
        Case(
            "missing_key",
            plan(RISK % ("{cost: {optimistic: 1, likely: 2}}", "[]")),
            "{optimistic: 1",
            after="impact",
            at_load=True,
        ),
        "cost-range",
    ),
    param(
        Case(
            "missing_key",
            plan(RISK % ("{schedule: {optimistic: 1d, likely: 2d}}", "[a]")),
            "{optimistic: 1d",
            after="impact",
            at_load=True,
        ),
        "schedule-range",
    ),
]


@pytest.mark.parametrize("case", UNION_CASES)
def test_a_bad_impact_value_is_one_problem_in_plain_words(case: Case, write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(case.text)
    outcome = simulate_plan_file(written.path, OPTIONS)
    assert [d.code for d in outcome.diagnostics] == [case.code]
    line, column = written.at(case.needle, case.nth, after=case.after)
    assert outcome.diagnostics[0].location == SourceLocation(str(written.path), line, column)
    assert "function-" not in outcome.diagnostics[0].message
    assert " at 0x" not in outcome.diagnostics[0].message


def test_a_valid_plan_has_no_diagnostics(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(
        plan(
            """\
            risks:
              - {id: r, title: R, probability: 30%, impact: {schedule: 1d, cost: 10}, tasks: [a, c]}
              - id: q
                title: Q
                probability: 0.2
                impact: {cost: {optimistic: 1, likely: 2, pessimistic: 3}}
                tasks: [s]
            correlations:
              - {tasks: [b, c, d], coefficient: 0.3}
            """
        )
    )
    outcome = simulate_plan_file(written.path, OPTIONS)
    assert outcome.diagnostics == ()
    assert outcome.ok
    assert outcome.report is not None


def test_every_problem_is_reported_not_just_the_first(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(
        plan(
            """\
            risks:
              - {id: r, title: R, probability: 0.5, impact: {schedule: 1d}, tasks: [nope]}
              - {id: r, title: R, probability: 0.5, impact: {cost: 1}, tasks: [s]}
            correlations:
              - {tasks: [b, a], coefficient: 0.5}
              - {tasks: [missing, b], coefficient: 0.5}
            """
        )
    )
    outcome = simulate_plan_file(written.path, OPTIONS)
    found = sorted((d.code, d.location.line if d.location else 0) for d in outcome.diagnostics)
    assert found == sorted(
        [
            ("unknown_task", written.at("nope")[0]),
            ("duplicate_id", written.at("id: r", 2)[0]),
            ("correlation_without_estimate", written.at("[b, a]")[0]),
            ("unknown_task", written.at("missing")[0]),
        ]
    )
    assert outcome.report is None


def test_a_closed_risk_is_still_checked(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(
        plan(RISK % ("{cost: 1}", "[ghost]")).replace("impact", "status: closed, impact")
    )
    outcome = simulate_plan_file(written.path, OPTIONS)
    assert [d.code for d in outcome.diagnostics] == ["unknown_task"]


def test_a_bad_until_stable_tolerance_is_an_invalid_duration(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(plan())
    outcome = simulate_plan_file(written.path, OPTIONS, until_stable="soon")
    assert [d.code for d in outcome.diagnostics] == ["invalid_duration"]
    assert outcome.report is None
    fine = simulate_plan_file(written.path, OPTIONS, until_stable="2h")
    assert fine.ok
    assert fine.report is not None
    assert fine.report.precision is not None
