"""Every diagnostic about money and progress: code, severity and file:line:column.

Each case is a small plan with one mistake. Problems in the plan file are checked through
``budget_plan_file`` (the use case behind ``plansmith budget``, which reads, reschedules and costs
the plan) and through ``schedule_plan_file`` (``check`` and ``schedule``), which report the same.
The expected position is found in the plan's text (the offending token), never hard-coded, and the
message wording is never asserted. Problems of the commands
themselves (a baseline that exists, a damaged baselines file) have no place in the plan.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.io.baselines import baselines_path, status_path
from plansmith.services.money import (
    budget_plan_file,
    compare_plan_baselines,
    evm_plan_file,
    save_plan_baseline,
)
from plansmith.services.planning import schedule_plan_file

BASE = """\
project:
  id: demo
  name: Demo
  start: 2027-01-04
  status_date: 2027-01-06
resources:
  - {id: dev, rate: 100}
  - {id: volunteer}
tasks:
  - id: phase
    name: Phase
    children:
      - id: a
        name: A
        duration: 2d
        assign: [dev]
        actual_start: 2027-01-04
      - id: b
        name: B
        duration: 2d
        assign: [dev]
        after: [a]
  - {id: c, name: C, duration: 1d, after: [phase]}
  - {id: m, name: M, milestone: true, after: [c]}
"""

# a line to insert into task b (after its "after: [a]" line)
B = "        after: [a]\n"


def plan(extra: str = "", *, into_b: str = "", base: str = BASE) -> str:
    text = (
        base.replace(B, B + textwrap.indent(textwrap.dedent(into_b), " " * 8)) if into_b else base
    )
    return text + textwrap.dedent(extra)


class Case(NamedTuple):
    code: str
    text: str
    needle: str  # the offending token; the diagnostic must point at its first character
    nth: int = 1
    after: str = ""  # search for needle only after this text
    severity: Severity = Severity.ERROR


def param(case: Case, name: str, *marks: pytest.MarkDecorator) -> object:
    return pytest.param(case, id=f"{case.code}-{name}", marks=marks)


def booking(fields: str) -> str:
    return f"actuals:\n  - {{{fields}}}\n"


CASES = [
    # -- progress, found by the loader
    param(
        Case(
            "actual_finish_without_start",
            plan(into_b="actual_finish: 2027-01-06\n"),
            "2027-01-06",
            after="actual_finish: ",
        ),
        "task",
    ),
    param(
        Case(
            "actual_finish_before_start",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                "        actual_start: 2027-01-05\n        actual_finish: 2027-01-03\n",
            ),
            "2027-01-03",
        ),
        "dates",
    ),
    param(
        Case(
            "actual_finish_before_start",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                '        actual_start: "2027-01-05T14:00"\n'
                '        actual_finish: "2027-01-05T11:00"\n',
            ),
            '"2027-01-05T11:00"',
        ),
        "date-times",
    ),
    param(
        Case(
            "actual_finish_before_start",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                "        actual_start: 2027-01-05\n        actual_finish: 2027-01-04\n",
            ),
            "2027-01-04",
            after="actual_finish: ",
        ),
        "the-day-before",
    ),
    param(
        Case(
            "actual_finish_before_start",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                '        actual_start: "2027-01-05T10:00"\n'
                '        actual_finish: "2027-01-05T10:00"\n',
            ),
            '"2027-01-05T10:00"',
            nth=2,
        ),
        "no-time-at-all",
    ),
    param(
        Case("progress_without_start", plan(into_b="progress: 30\n"), "30", after="progress: "),
        "progress",
    ),
    param(
        Case("progress_without_start", plan(into_b="progress: '5%'\n"), "'5%'"),
        "progress-percent",
    ),
    param(
        Case("progress_without_start", plan(into_b="remaining: 1d\n"), "1d", after="remaining: "),
        "remaining",
    ),
    param(
        Case(
            "steps_missing",
            plan(into_b="ev_method: weighted_milestones\n"),
            "weighted_milestones",
        ),
        "no-steps",
    ),
    param(
        Case(
            "steps_missing",
            plan(into_b="ev_method: weighted_milestones\nsteps: []\n"),
            "weighted_milestones",
        ),
        "empty-steps",
    ),
    # -- progress, found when the plan is rescheduled from the status date
    param(
        Case(
            "actual_after_status_date",
            BASE.replace("actual_start: 2027-01-04", "actual_start: 2027-01-08"),
            "2027-01-08",
            severity=Severity.WARNING,
        ),
        "start",
    ),
    param(
        Case(
            "actual_after_status_date",
            BASE.replace("actual_start: 2027-01-04", "actual_start: 2027-01-07"),
            "2027-01-07",
            severity=Severity.WARNING,
        ),
        "start-the-next-day",
    ),
    param(
        Case(
            "actual_after_status_date",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                "        actual_start: 2027-01-04\n        actual_finish: 2027-01-07\n",
            ),
            "2027-01-07",
            severity=Severity.WARNING,
        ),
        "finish",
    ),
    param(
        Case(
            "actual_after_status_date",
            BASE.replace(
                "  - {id: m, name: M, milestone: true, after: [c]}",
                "  - {id: m, name: M, milestone: true, after: [c],"
                ' actual_finish: "2027-01-11T10:00"}',
            ),
            '"2027-01-11T10:00"',
            severity=Severity.WARNING,
        ),
        "milestone",
    ),
    # -- references and rates of money lines, found by budget, baseline and evm
    param(
        Case(
            "unknown_task",
            plan("budget:\n  - {phase: nowhere, category: labour, amount: 100}\n"),
            "nowhere",
        ),
        "budget-phase",
    ),
    param(
        Case(
            "unknown_task",
            plan("expenses:\n  - {name: Taxi, amount: 40, date: 2027-01-05, task: nowhere}\n"),
            "nowhere",
        ),
        "expense",
    ),
    param(
        Case(
            "unknown_task",
            plan(booking("task: nowhere, date: 2027-01-05, cost: 12")),
            "nowhere",
        ),
        "booking",
    ),
    param(
        Case(
            "unknown_resource",
            plan(booking("task: a, date: 2027-01-05, resource: nobody, hours: 2")),
            "nobody",
        ),
        "booking",
    ),
    param(
        Case(
            "booking_without_rate",
            plan(booking("task: a, date: 2027-01-05, resource: volunteer, hours: 2")),
            "volunteer",
            after="actuals:",
            severity=Severity.WARNING,
        ),
        "no-rate",
    ),
    param(
        Case(
            "booking_without_rate",
            BASE.replace("{id: volunteer}", "{id: volunteer, rates: [{from: 2027-01-06, rate: 9}]}")
            + booking("task: a, date: 2027-01-05, resource: volunteer, hours: 2"),
            "volunteer",
            after="actuals:",
            severity=Severity.WARNING,
        ),
        "before-the-first-rate",
    ),
    param(
        Case(
            "overtime_without_rate",
            plan(booking("task: a, date: 2027-01-05, resource: dev, hours: 2, overtime: true")),
            "dev",
            after="actuals:",
            severity=Severity.WARNING,
        ),
        "overtime",
    ),
    param(
        Case(
            "booking_on_summary",
            plan(booking("task: phase, date: 2027-01-05, cost: 300")),
            "phase",
            after="actuals:",
            severity=Severity.WARNING,
        ),
        "phase",
    ),
    # -- the structure of the new keys
    param(
        Case("invalid_value", plan(into_b="progress: 150\n"), "150"),
        "progress-above-100",
    ),
    param(
        Case("invalid_value", plan(into_b="progress: '150%'\n"), "'150%'"),
        "progress-percent-above-100",
    ),
    param(
        Case("invalid_value", plan(into_b="progress: -5\n"), "-5"),
        "progress-negative",
    ),
    param(
        Case(
            "invalid_value",
            plan(booking("task: a, date: 2027-01-05, resource: dev, hours: 2, cost: 50")),
            "{task: a",
        ),
        "booking-hours-and-cost",
    ),
    param(
        Case("missing_key", plan(booking("task: a, date: 2027-01-05")), "{task: a"),
        "booking-neither",
    ),
    param(
        Case(
            "missing_key",
            plan(booking("task: a, date: 2027-01-05, hours: 2")),
            "{task: a",
        ),
        "booking-hours-without-resource",
    ),
    param(
        Case(
            "invalid_value",
            plan(booking("task: a, date: 2027-01-05, resource: dev, hours: 25")),
            "25",
        ),
        "booking-more-than-a-day",
    ),
    param(
        Case(
            "invalid_value",
            plan("budget:\n  - {category: travel, amount: 100}\n"),
            "travel",
        ),
        "budget-category",
    ),
    param(
        Case("missing_key", plan("budget:\n  - {amount: 100}\n"), "{amount"),
        "budget-without-category",
    ),
    param(
        Case(
            "invalid_value",
            plan("budget:\n  - {category: labour, amount: '12,50'}\n"),
            "'12,50'",
        ),
        "budget-amount",
    ),
    param(
        Case(
            "invalid_value",
            plan("budget:\n  - {category: labour, amount: -100}\n"),
            "-100",
        ),
        "budget-amount-negative",
    ),
    param(
        Case(
            "invalid_value",
            plan("expenses:\n  - {name: Taxi, amount: lots, date: 2027-01-05}\n"),
            "lots",
        ),
        "expense-amount",
    ),
    param(
        Case("invalid_value", plan(into_b="cost: free\n"), "free"),
        "task-cost",
    ),
    param(
        Case("invalid_value", plan(into_b="cost: {amount: 10, accrue: weekly}\n"), "weekly"),
        "task-cost-accrue",
    ),
    param(
        Case(
            "invalid_value",
            BASE.replace("{id: dev, rate: 100}", "{id: dev, rate: 100, overtime_rate: x1}"),
            "x1",
        ),
        "overtime-rate",
    ),
    param(
        Case(
            "invalid_value",
            BASE.replace(
                "{id: dev, rate: 100}", "{id: dev, rates: [{from: 2027-02-01, rate: -1}]}"
            ),
            "-1",
        ),
        "dated-rate",
    ),
    param(
        Case("invalid_value", plan(into_b="ev_method: earned\n"), "earned"),
        "ev-method",
    ),
    param(
        Case(
            "invalid_value",
            plan(into_b="ev_method: weighted_milestones\nsteps:\n  - {name: Half, weight: 0}\n"),
            "0}",
            after="weight: ",
        ),
        "step-weight",
    ),
    param(
        Case(
            "invalid_date",
            BASE.replace("status_date: 2027-01-06", "status_date: next friday"),
            "next friday",
        ),
        "status-date",
    ),
    param(
        Case(
            "invalid_date",
            plan("expenses:\n  - {name: Taxi, amount: 40, date: 2027-02-30}\n"),
            "2027-02-30",
        ),
        "expense-date",
    ),
    param(
        Case(
            "invalid_duration",
            BASE.replace(
                "        actual_start: 2027-01-04\n",
                "        actual_start: 2027-01-04\n        remaining: soon\n",
            ),
            "soon",
        ),
        "remaining",
    ),
    param(
        Case(
            "unknown_key", plan(booking("task: a, date: 2027-01-05, cost: 5, paid: true")), "paid"
        ),
        "booking",
    ),
    param(
        Case("unknown_key", plan(into_b="cost: {amount: 10, vat: 2}\n"), "vat"),
        "task-cost",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_each_problem_has_its_code_severity_and_location(case: Case, write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(case.text)
    outcome = budget_plan_file(written.path)
    assert [d.code for d in outcome.diagnostics] == [case.code]
    diagnostic = outcome.diagnostics[0]
    assert diagnostic.severity is case.severity
    line, column = written.at(case.needle, case.nth, after=case.after)
    assert diagnostic.location == SourceLocation(str(written.path), line, column)
    # errors stop the report, warnings never do
    assert outcome.ok is (case.severity is Severity.WARNING)
    assert (outcome.result is not None) is (case.severity is Severity.WARNING)
    # check and schedule report the same thing at the same place
    scheduled = schedule_plan_file(written.path)
    assert [(d.code, d.location) for d in scheduled.diagnostics] == [
        (case.code, diagnostic.location)
    ]


def test_the_base_plan_has_no_diagnostics(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    assert budget_plan_file(written.path).diagnostics == ()
    assert evm_plan_file(written.path).diagnostics == ()


def test_evm_and_baseline_report_the_money_problems_too(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(plan(booking("task: nowhere, date: 2027-01-05, cost: 12")))
    line, column = written.at("nowhere")
    expected = [("unknown_task", SourceLocation(str(written.path), line, column))]
    for outcome in (
        evm_plan_file(written.path),
        save_plan_baseline(written.path, "approved"),
        compare_plan_baselines(written.path, None, None),
    ):
        assert [(d.code, d.location) for d in outcome.diagnostics] == expected
        assert not outcome.ok
    assert not baselines_path(written.path).exists()


# -- problems of the commands ---------------------------------------------------------------


def test_status_date_missing_points_at_the_project(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE.replace("  status_date: 2027-01-06\n", ""))
    outcome = evm_plan_file(written.path)
    assert [d.code for d in outcome.diagnostics] == ["status_date_missing"]
    diagnostic = outcome.diagnostics[0]
    assert diagnostic.severity is Severity.ERROR
    line, column = written.at("id: demo")  # the project mapping
    assert diagnostic.location == SourceLocation(str(written.path), line, column)
    assert not outcome.ok
    # a status date on the command line is enough
    assert evm_plan_file(written.path, date(2027, 1, 6)).ok


def test_status_date_missing_with_a_flow_project(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(
        "project: {id: demo, name: Demo, start: 2027-01-04}\n"
        "tasks:\n  - {id: a, name: A, duration: 1d}\n"
    )
    outcome = evm_plan_file(written.path)
    assert [d.code for d in outcome.diagnostics] == ["status_date_missing"]
    line, column = written.at("{id: demo")
    assert outcome.diagnostics[0].location == SourceLocation(str(written.path), line, column)


def test_baseline_exists_unless_forced(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    assert save_plan_baseline(written.path, "approved").ok
    saved = baselines_path(written.path).read_bytes()
    again = save_plan_baseline(written.path, "approved")
    assert [(d.code, d.severity, d.location) for d in again.diagnostics] == [
        ("baseline_exists", Severity.ERROR, None)  # about the baselines file, not the plan
    ]
    assert not again.ok
    assert baselines_path(written.path).read_bytes() == saved
    assert save_plan_baseline(written.path, "approved", force=True).ok


def test_unknown_baseline(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    nothing_saved = compare_plan_baselines(written.path, None, None)
    assert [(d.code, d.location) for d in nothing_saved.diagnostics] == [("unknown_baseline", None)]
    assert save_plan_baseline(written.path, "approved").ok
    for outcome in (
        compare_plan_baselines(written.path, "approved", "rev9"),
        compare_plan_baselines(written.path, "rev9", None),
        evm_plan_file(written.path, baseline="rev9"),
    ):
        assert [(d.code, d.severity, d.location) for d in outcome.diagnostics] == [
            ("unknown_baseline", Severity.ERROR, None)
        ]
        assert not outcome.ok


@pytest.mark.parametrize(
    "content",
    ["not json at all", "[1, 2]", '{"baselines": {"approved": {"saved": 1}}}'],
    ids=["not-json", "not-an-object", "baseline-without-tasks"],
)
def test_a_damaged_baselines_file_is_reported_and_kept(content: str, write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    damaged = baselines_path(written.path)
    damaged.write_text(content, encoding="utf-8")
    for outcome in (
        save_plan_baseline(written.path, "rev2"),
        compare_plan_baselines(written.path, None, None),
        evm_plan_file(written.path, baseline="approved"),
    ):
        assert [(d.code, d.severity, d.location) for d in outcome.diagnostics] == [
            ("baseline_file_invalid", Severity.ERROR, None)
        ]
        assert str(damaged) in outcome.diagnostics[0].message  # it names the file
    assert damaged.read_text(encoding="utf-8") == content


def test_a_damaged_status_file_is_reported(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    status_path(written.path).write_text('{"snapshots": 3}', encoding="utf-8")
    outcome = evm_plan_file(written.path)
    assert [(d.code, d.location) for d in outcome.diagnostics] == [("baseline_file_invalid", None)]


@pytest.mark.parametrize("snapshot", ["{}", "1"], ids=["no-status-date", "not-an-object"])
def test_a_damaged_snapshot_is_reported_not_raised(snapshot: str, write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    status_path(written.path).write_text(f'{{"snapshots": [{snapshot}]}}', encoding="utf-8")
    from plansmith.io.money_json import evm_to_json

    outcome = evm_plan_file(written.path)
    if outcome.ok:  # what the CLI does next with a good outcome
        assert outcome.plan.project is not None
        evm_to_json(outcome.plan.project, outcome.result, None, outcome.extra["history"])
    else:
        assert [d.code for d in outcome.diagnostics] == ["baseline_file_invalid"]


def test_a_baselines_list_is_a_damaged_file(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE)
    baselines_path(written.path).write_text('{"baselines": []}', encoding="utf-8")
    outcome = compare_plan_baselines(written.path, None, None)
    assert [d.code for d in outcome.diagnostics] == ["baseline_file_invalid"]


# -- known gaps, pinned --------------------------------------------------------------------


def test_a_budget_line_for_a_task_inside_a_phase_counts_that_task(write_plan) -> None:  # type: ignore[no-untyped-def]
    """A line may name any task: costs below it count against it before the phase's line."""
    written = write_plan(
        plan(
            "budget:\n  - {phase: a, category: labour, amount: 100}\n"
            "  - {phase: phase, category: labour, amount: 5000}\n"
        )
    )
    outcome = budget_plan_file(written.path)
    assert outcome.diagnostics == ()
    rows = {(r.phase, r.category.value): (r.budget, r.planned) for r in outcome.result.rows}
    day = Decimal(100) * 8  # dev at 100 an hour, 8 hours a day
    # a started Monday with no progress reported: as of Wednesday it has run three days and
    # has nothing left (its two planned days are done); b follows for two days.
    assert rows[("a", "labour")] == (Decimal(100), 3 * day)
    assert rows[("phase", "labour")] == (Decimal(5000), 2 * day)  # b only: a has its own line


def test_a_project_wide_line_covers_expenses_outside_tasks(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(
        plan(
            "expenses:\n  - {name: Domain, amount: 99, date: 2027-01-05, category: software}\n"
            "budget:\n  - {category: software, amount: 500}\n"
        )
    )
    report = budget_plan_file(written.path).result
    rows = [(r.phase, r.category.value, r.budget, r.planned) for r in report.rows]
    assert (None, "software", Decimal(500), Decimal(99)) in rows
    assert [r for r in rows if r[1] == "software"] == [
        (None, "software", Decimal(500), Decimal(99))
    ]


def test_a_fixed_cost_on_a_summary_is_costed_or_reported(write_plan) -> None:  # type: ignore[no-untyped-def]
    written = write_plan(BASE.replace("    name: Phase\n", "    name: Phase\n    cost: 5000\n"))
    outcome = budget_plan_file(written.path)
    without = budget_plan_file(write_plan(BASE, name="plain.yaml").path).result.total_planned
    assert outcome.diagnostics == ()
    assert outcome.result.total_planned == without + 5000
    assert outcome.result.by_category["services"] == 5000  # a fixed cost's default category


def test_the_diagnostics_point_into_the_plan_file(write_plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Located diagnostics name the plan file, not the baselines file next to it."""
    written = write_plan(plan(into_b="progress: 30\n"))
    outcome = budget_plan_file(written.path)
    assert outcome.diagnostics[0].location is not None
    assert outcome.diagnostics[0].location.file == str(tmp_path / "plan.yaml")
