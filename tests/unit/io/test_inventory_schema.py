"""The plan file's ``systems:`` section: read, written back unchanged, and its codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from plansmith.analytics.budget import budget_report
from plansmith.analytics.costs import planned_costs
from plansmith.io.inventory_schema import window_occurrences
from plansmith.io.plan_file import load_plan_text
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.scheduling.cpm import schedule_project

PLAN = """\
project: {id: ops, name: Operations, start: 2027-01-04}
tasks:
  - {id: a, name: A, duration: 2d}
systems:
  - id: pg
    name: PostgreSQL cluster
    type: software
    vendor: PGDG
    version: "15.6"
    environment: production
    owner: Platform team
    cost: 12000
    seats: 40
    renewal: 2027-03-01
    renewal_cost: 1200.50
    warranty_end: 2027-12-31
    end_of_life: 2027-11-09
    support_contract: Gold 24x7
    support_end: 2027-06-30
    maintenance:
      - {id: patch, name: Patching, monthly: first sat, time: "02:00-04:00"}
      - {id: nightly, rrule: "FREQ=DAILY;BYHOUR=0", time: "23:00-23:30", from: 2027-02-01}
      - {id: weekend, weekly: [sat, sun], time: "06:00-07:00", until: 2027-01-31}
    updates:
      - {version: "16.2", date: 2027-05-08, window: patch, notes: Major upgrade}
  - id: san
    name: Storage array
    type: hardware
"""


def test_the_section_is_read_and_written_back_unchanged() -> None:
    loaded = load_plan_text(PLAN)
    assert loaded.ok, loaded.diagnostics
    assert loaded.spec is not None
    text = plan_yaml(plan_document(loaded.spec))
    again = load_plan_text(text)
    assert again.spec == loaded.spec
    assert plan_yaml(plan_document(again.spec)) == text  # type: ignore[arg-type]


def test_renewals_are_forecast_costs_in_the_budget() -> None:
    loaded = load_plan_text(PLAN)
    assert loaded.project is not None
    renewals = [e for e in loaded.project.expenses if e.name == "Renewal: PostgreSQL cluster"]
    # yearly from 2027-03-01, until the end of life on 2027-11-09
    assert [(e.day, e.amount, e.category.value) for e in renewals] == [
        (date(2027, 3, 1), Decimal("1200.5"), "software")
    ]
    plan = planned_costs(loaded.project, schedule_project(loaded.project))
    report = budget_report(loaded.project, plan)
    assert report.by_category["software"] == Decimal("1200.50")


def test_windows_expand_from_their_rules() -> None:
    loaded = load_plan_text(PLAN)
    assert loaded.spec is not None
    patch, nightly, weekend = loaded.spec.systems[0].maintenance
    start = loaded.spec.project.start
    assert window_occurrences(patch, date(2027, 1, 1), date(2027, 3, 31), start) == [
        (datetime(2027, 2, 6, 2), datetime(2027, 2, 6, 4)),
        (datetime(2027, 3, 6, 2), datetime(2027, 3, 6, 4)),
    ]
    assert len(window_occurrences(nightly, date(2027, 1, 1), date(2027, 2, 3), start)) == 3
    assert [s.day for s, _ in window_occurrences(weekend, start, date(2027, 3, 1), start)] == [
        9,
        10,
        16,
        17,
        23,
        24,
        30,
        31,
    ]


def _codes(text: str) -> list[tuple[str, tuple[str | int, ...]]]:
    return [(d.code, d.path) for d in load_plan_text(text).diagnostics]


def test_a_bad_rule_is_invalid_rrule() -> None:
    bad = PLAN.replace("monthly: first sat", "monthly: fifth sat")
    assert _codes(bad) == [("invalid_rrule", ("systems", 0, "maintenance", 0))]
    bad = PLAN.replace('rrule: "FREQ=DAILY;BYHOUR=0"', 'rrule: "FREQ=SOMETIMES"')
    assert _codes(bad) == [("invalid_rrule", ("systems", 0, "maintenance", 1))]
    both = PLAN.replace("monthly: first sat", "monthly: first sat, weekly: sun")
    assert _codes(both) == [("invalid_rrule", ("systems", 0, "maintenance", 0))]


def test_an_update_in_a_window_the_system_lacks_is_unknown_window() -> None:
    bad = PLAN.replace("window: patch", "window: sunday")
    assert _codes(bad) == [("unknown_window", ("systems", 0, "updates"))]


def test_a_system_or_window_twice_is_duplicate_id() -> None:
    assert _codes(PLAN.replace("id: san", "id: pg")) == [("duplicate_id", ("systems", 1))]
    twice = PLAN.replace("id: nightly", "id: patch")
    assert _codes(twice) == [("duplicate_id", ("systems", 0, "maintenance"))]


def test_a_bad_type_or_negative_amount_is_invalid_value() -> None:
    assert _codes(PLAN.replace("type: hardware", "type: furniture")) == [
        ("invalid_value", ("systems", 1, "type"))
    ]
    assert _codes(PLAN.replace("renewal_cost: 1200.50", "renewal_cost: -5")) == [
        ("invalid_value", ("systems", 0, "renewal_cost"))
    ]
