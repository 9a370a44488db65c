"""Planned cost by day (analytics/costs.py) and the budget report (analytics/budget.py).

Plans use the default calendar, Monday to Friday 09:00-12:00 + 13:00-18:00 (8 h a day), from
Mon 2025-03-03. Every expected amount is worked out by hand: hours x hourly rate x units per day.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal

import pytest

from plansmith.analytics.budget import BudgetRow, budget_report
from plansmith.analytics.costs import CostPlan, cost_diagnostics, phases, planned_costs
from plansmith.domain.model import Project
from plansmith.domain.money import Category
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.progress import progressed

D = Decimal
HEADER = "project: {id: p, name: P, start: 2025-03-03}\n"


def _project(text: str) -> Project:
    plan = load_plan_text(HEADER + textwrap.dedent(text))
    assert plan.ok, plan.diagnostics
    assert plan.project is not None
    return plan.project


def _costs(text: str) -> tuple[Project, CostPlan]:
    project, _ = progressed(_project(text))
    schedule = schedule_project(project)
    assert schedule.ok, schedule.diagnostics
    return project, planned_costs(project, schedule)


def _by_day(plan: CostPlan, task: str | None = None, category: Category | None = None):
    out: dict[date, Decimal] = {}
    for e in plan.entries:
        if (task is None or e.task == task) and (category is None or e.category is category):
            out[e.day] = out.get(e.day, D(0)) + e.amount
    return out


# --- labour --------------------------------------------------------------------------------------


def test_labour_accrues_evenly_over_working_time() -> None:
    # 3d x 8h x 90.00 = 2160.00: 720.00 on each of Mon, Tue, Wed.
    _, plan = _costs(
        """\
        resources: [{id: dev, rate: 90}]
        tasks: [{id: a, name: A, duration: 3d, assign: [dev]}]
        """
    )
    assert _by_day(plan) == {
        date(2025, 3, 3): D(720),
        date(2025, 3, 4): D(720),
        date(2025, 3, 5): D(720),
    }
    assert all(e.category is Category.LABOUR for e in plan.entries)
    assert plan.total == D(2160)


def test_partial_days_and_units_cost_the_minutes_worked() -> None:
    # 1d from Mon 10:00: Mon 10:00-12:00 + 13:00-18:00 = 7h, Tue 09:00-10:00 = 1h.
    # At 50% units and 90.00 an hour: Mon 7 x 90 x 0.5 = 315.00, Tue 1 x 90 x 0.5 = 45.00.
    _, plan = _costs(
        """\
        resources: [{id: dev, rate: 90}]
        tasks:
          - {id: a, name: A, duration: 1d, start_no_earlier_than: "2025-03-03T10:00",
             assign: [{resource: dev, units: 50%}]}
        """
    )
    assert _by_day(plan) == {date(2025, 3, 3): D(315), date(2025, 3, 4): D(45)}


def test_rate_change_applies_from_its_day() -> None:
    # 100.00/h, 120.00/h from Wed 2025-03-05. 5d Mon-Fri: Mon, Tue 8 x 100 = 800.00 each;
    # Wed, Thu, Fri 8 x 120 = 960.00 each. Total 2 x 800 + 3 x 960 = 4480.00.
    _, plan = _costs(
        """\
        resources:
          - {id: dev, rate: 100, rates: [{from: 2025-03-05, rate: 120}]}
        tasks: [{id: a, name: A, duration: 5d, assign: [dev]}]
        """
    )
    assert _by_day(plan) == {
        date(2025, 3, 3): D(800),
        date(2025, 3, 4): D(800),
        date(2025, 3, 5): D(960),
        date(2025, 3, 6): D(960),
        date(2025, 3, 7): D(960),
    }
    assert plan.total == D(4480)


def test_rate_changes_in_any_order_and_no_rate_before_the_first() -> None:
    # No base rate: nothing before Tue; 50.00 from Tue, 70.00 from Thu (written in reverse order).
    # 4d Mon-Thu: Mon 0, Tue 400.00, Wed 400.00, Thu 560.00.
    _, plan = _costs(
        """\
        resources:
          - {id: dev, rates: [{from: 2025-03-06, rate: 70}, {from: 2025-03-04, rate: 50}]}
        tasks: [{id: a, name: A, duration: 4d, assign: [dev]}]
        """
    )
    assert _by_day(plan) == {
        date(2025, 3, 4): D(400),
        date(2025, 3, 5): D(400),
        date(2025, 3, 6): D(560),
    }


def test_effort_driven_task_costs_rate_times_effort() -> None:
    # effort 6d with ana (100.00) and ben (60.00) at 100% each: 3 working days for both.
    # ana 3 x 8 x 100 = 2400.00, ben 3 x 8 x 60 = 1440.00 -> 3840.00 (1280.00 a day).
    _, plan = _costs(
        """\
        resources: [{id: ana, rate: 100}, {id: ben, rate: 60}]
        tasks: [{id: a, name: A, effort: 6d, assign: [ana, ben]}]
        """
    )
    assert plan.total == D(3840)
    assert set(_by_day(plan).values()) == {D(1280)}


def test_holidays_carry_no_labour() -> None:
    # 2d from Mon with Tue a holiday: Mon and Wed, 8 x 50 = 400.00 each.
    _, plan = _costs(
        """\
        holidays: [{date: 2025-03-04, name: Closed}]
        resources: [{id: dev, rate: 50}]
        tasks: [{id: a, name: A, duration: 2d, assign: [dev]}]
        """
    )
    assert _by_day(plan) == {date(2025, 3, 3): D(400), date(2025, 3, 5): D(400)}


def test_resource_without_rate_and_summaries_cost_nothing() -> None:
    _, plan = _costs(
        """\
        resources: [{id: dev}]
        tasks:
          - id: s
            name: S
            children: [{id: a, name: A, duration: 2d, assign: [dev]}]
        """
    )
    assert plan.entries == ()
    assert plan.total == D(0)


# --- fixed costs and expenses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accrue", "expected"),
    [
        # 2d Mon 09:00 .. Tue 18:00.
        ("start", {date(2025, 3, 3): D(1000)}),
        ("end", {date(2025, 3, 4): D(1000)}),
        ("prorated", {date(2025, 3, 3): D(500), date(2025, 3, 4): D(500)}),
    ],
)
def test_fixed_cost_accrual(accrue: str, expected: dict[date, Decimal]) -> None:
    _, plan = _costs(
        f"""\
        tasks:
          - {{id: a, name: A, duration: 2d, cost: {{amount: 1000, accrue: {accrue},
              category: hardware}}}}
        """
    )
    assert _by_day(plan) == expected
    assert {e.category for e in plan.entries} == {Category.HARDWARE}


def test_fixed_cost_shorthand_is_prorated_services() -> None:
    # cost: 300 on a 1.5d task Mon 09:00 .. Tue 14:00: 8h and 4h of 12h -> 200.00 and 100.00.
    _, plan = _costs("tasks: [{id: a, name: A, duration: 12h, cost: 300}]\n")
    assert _by_day(plan) == {date(2025, 3, 3): D(200), date(2025, 3, 4): D(100)}
    assert {e.category for e in plan.entries} == {Category.SERVICES}


def test_prorated_share_keeps_every_digit() -> None:
    # 100.00 over 3 equal days: 33.333... each, exact in total.
    _, plan = _costs("tasks: [{id: a, name: A, duration: 3d, cost: 100}]\n")
    assert set(_by_day(plan).values()) == {D(100) * 480 / 1440}
    assert abs(plan.total - D(100)) < D("1e-20")


def test_fixed_cost_on_a_milestone_lands_on_its_day() -> None:
    _, plan = _costs(
        """\
        tasks:
          - {id: a, name: A, duration: 1d}
          - {id: m, name: M, milestone: true, after: [a], cost: 250}
        """
    )
    assert _by_day(plan, "m") == {date(2025, 3, 3): D(250)}


def test_end_accrual_of_a_task_ending_mid_day() -> None:
    # 1.5d: Mon 09:00 .. Tue 14:00 -> the cost lands on Tue.
    _, plan = _costs("tasks: [{id: a, name: A, duration: 12h, cost: {amount: 80, accrue: end}}]\n")
    assert _by_day(plan) == {date(2025, 3, 4): D(80)}


def test_expenses_land_on_their_date_in_their_task_phase() -> None:
    _, plan = _costs(
        """\
        tasks:
          - id: build
            name: Build
            children:
              - {id: a, name: A, duration: 1d}
        expenses:
          - {name: Licence, amount: 120.50, date: 2025-04-15, task: a, category: software}
          - {name: Travel, amount: 99, date: 2025-03-31}
        """
    )
    rows = sorted(
        ((e.day, e.task, e.phase, e.category, e.amount) for e in plan.entries),
        key=lambda r: r[0],
    )
    assert rows == [
        (date(2025, 3, 31), None, None, Category.SERVICES, D(99)),
        (date(2025, 4, 15), "a", "build", Category.SOFTWARE, D("120.50")),
    ]
    assert plan.by("month") == {"2025-04": D("120.50"), "2025-03": D(99)}
    assert plan.task_days() == {"a": {date(2025, 4, 15): D("120.50")}}


def test_totals_by_task_phase_category_day_and_month() -> None:
    # phase x: a (dev 2d x 8h x 50 = 800.00 Mon-Tue), fixed 200 start (hardware, Mon).
    # phase y: b (nested, dev 1d Wed = 400.00). Expense 60 on 2025-04-01, no task.
    _, plan = _costs(
        """\
        resources: [{id: dev, rate: 50}]
        tasks:
          - id: x
            name: X
            children:
              - {id: a, name: A, duration: 2d, assign: [dev],
                 cost: {amount: 200, accrue: start, category: hardware}}
          - id: y
            name: Y
            children:
              - id: y1
                name: Y1
                children: [{id: b, name: B, duration: 1d, after: [a], assign: [dev]}]
        expenses: [{name: Fee, amount: 60, date: 2025-04-01}]
        """
    )
    assert plan.by("task") == {"a": D(1000), "b": D(400), None: D(60)}
    assert plan.by("phase") == {"x": D(1000), "y": D(400), None: D(60)}
    assert plan.by("category") == {
        Category.LABOUR: D(1200),
        Category.HARDWARE: D(200),
        Category.SERVICES: D(60),
    }
    assert plan.by("day") == {
        date(2025, 3, 3): D(600),
        date(2025, 3, 4): D(400),
        date(2025, 3, 5): D(400),
        date(2025, 4, 1): D(60),
    }
    assert plan.by("month") == {"2025-03": D(1400), "2025-04": D(60)}
    assert plan.total == D(1460)


def test_phase_is_the_top_level_ancestor() -> None:
    project = _project(
        """\
        tasks:
          - id: p1
            name: P1
            children:
              - id: p1a
                name: P1a
                children: [{id: leaf, name: Leaf, duration: 1d}]
          - {id: solo, name: Solo, duration: 1d}
        """
    )
    assert phases(project) == {
        "p1": "p1",
        "p1a": "p1",
        "leaf": "p1",
        "solo": "solo",
    }


def test_started_task_costs_follow_the_rescheduled_dates() -> None:
    # 2d started Mon, status Tue, remaining 2d: done Mon + Tue, then Wed, Thu -> 4 days.
    # Labour 8h x 10.00 = 80.00 a day, Mon..Thu.
    _, plan = _costs_with_status(
        "2025-03-04",
        """\
        resources: [{id: dev, rate: 10}]
        tasks:
          - {id: a, name: A, duration: 2d, assign: [dev], actual_start: 2025-03-03,
             remaining: 2d}
        """,
    )
    assert _by_day(plan) == {date(2025, 3, d): D(80) for d in (3, 4, 5, 6)}


def _costs_with_status(day: str, text: str) -> tuple[Project, CostPlan]:
    plan = load_plan_text(
        f"project: {{id: p, name: P, start: 2025-03-03, status_date: {day}}}\n"
        + textwrap.dedent(text)
    )
    assert plan.ok, plan.diagnostics
    assert plan.project is not None
    project, _ = progressed(plan.project)
    schedule = schedule_project(project)
    return project, planned_costs(project, schedule)


# --- reference checks ----------------------------------------------------------------------------


def test_cost_diagnostics() -> None:
    project = _project(
        """\
        resources:
          - {id: dev, rate: 10}
          - {id: late, rates: [{from: 2025-06-01, rate: 10}]}
        tasks: [{id: a, name: A, duration: 1d, actual_start: 2025-03-03}]
        budget: [{amount: 10, category: labour, phase: nope}]
        expenses: [{name: E, amount: 1, date: 2025-03-03, task: gone}]
        actuals:
          - {task: missing, date: 2025-03-03, cost: 5}
          - {task: a, date: 2025-03-03, resource: ghost, hours: 1}
          - {task: a, date: 2025-03-03, resource: late, hours: 1}
          - {task: a, date: 2025-03-03, resource: dev, hours: 1, overtime: true}
        """
    )
    found = [(d.code, d.severity.value, d.path) for d in cost_diagnostics(project)]
    assert found == [
        ("unknown_task", "error", ("budget", 0, "phase")),
        ("unknown_task", "error", ("expenses", 0, "task")),
        ("unknown_task", "error", ("actuals", 0, "task")),
        ("unknown_resource", "error", ("actuals", 1, "resource")),
        ("booking_without_rate", "warning", ("actuals", 2, "resource")),
        ("overtime_without_rate", "warning", ("actuals", 3, "resource")),
    ]


# --- budget report -------------------------------------------------------------------------------


def test_budget_report_lines_reserve_and_cash_flow() -> None:
    # Planned: x labour 800.00 (a: 2d x 8h x 50) + x hardware 200.00; y labour 400.00 (b);
    # project-level training 60.00 (April).
    # Lines: x labour 1000 (variance +200), project-wide labour 300 covers y labour only
    # (x labour has its own line): 300 - 400 = -100; hardware 150 for phase x: -50;
    # management reserve 500 (never planned, never overrun); training not budgeted.
    project, plan = _costs(
        """\
        resources: [{id: dev, rate: 50}]
        tasks:
          - id: x
            name: X
            children:
              - {id: a, name: A, duration: 2d, assign: [dev],
                 cost: {amount: 200, accrue: start, category: hardware}}
          - id: y
            name: Y
            children: [{id: b, name: B, duration: 1d, after: [a], assign: [dev]}]
        expenses: [{name: Course, amount: 60, date: 2025-04-01, category: training}]
        budget:
          - {amount: 1000, category: labour, phase: x}
          - {amount: 300, category: labour}
          - {amount: 150, category: hardware, phase: x}
          - {amount: 500, category: management reserve}
        """
    )
    report = budget_report(project, plan)
    assert report.total_planned == D(1460)
    assert report.total_budget == D(1950)
    assert report.rows == [
        BudgetRow(None, Category.LABOUR, D(300), D(400)),
        BudgetRow(None, Category.TRAINING, None, D(60)),
        BudgetRow(None, Category.MANAGEMENT_RESERVE, D(500), D(0)),
        BudgetRow("x", Category.LABOUR, D(1000), D(800)),
        BudgetRow("x", Category.HARDWARE, D(150), D(200)),
    ]
    assert [r.variance for r in report.rows] == [D(-100), None, D(500), D(200), D(-50)]
    assert [(m.month, m.planned, m.cumulative) for m in report.cash_flow] == [
        ("2025-03", D(1400), D(1400)),
        ("2025-04", D(60), D(1460)),
    ]
    assert report.by_phase == {"x": D(1000), "y": D(400), "": D(60)}
    assert report.by_category == {"labour": D(1200), "hardware": D(200), "training": D(60)}
    assert report.by_phase_month == {
        "x": {"2025-03": D(1000)},
        "y": {"2025-03": D(400)},
        "": {"2025-04": D(60)},
    }


def test_several_lines_for_the_same_phase_and_category_add_up() -> None:
    project, plan = _costs(
        """\
        resources: [{id: dev, rate: 50}]
        tasks: [{id: a, name: A, duration: 1d, assign: [dev]}]
        budget:
          - {amount: 100, category: labour, phase: a, name: first}
          - {amount: 250, category: labour, phase: a, name: second}
        """
    )
    report = budget_report(project, plan)
    assert report.rows == [BudgetRow("a", Category.LABOUR, D(350), D(400))]
    assert report.rows[0].variance == D(-50)
