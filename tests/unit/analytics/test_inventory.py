"""Renewals, checks and "renew or replace" work of a systems inventory, by code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from plansmith.analytics.inventory import (
    System,
    SystemKind,
    add_months,
    check_systems,
    renewal_expenses,
    renewal_work,
    renewals,
)
from plansmith.domain.money import Category

TODAY = date(2027, 3, 1)


def _system(**fields: object) -> System:
    base: dict[str, object] = {"id": "pg", "name": "Postgres", "kind": SystemKind.SOFTWARE}
    return System(**{**base, **fields}, origin=("systems", 0))  # type: ignore[arg-type]


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)


def test_renewals_repeat_until_the_end_of_life() -> None:
    system = _system(
        renewal=date(2027, 4, 1),
        renewal_cost=D(1200),
        renewal_months=6,
        end_of_life=date(2028, 4, 1),
    )
    found = renewals([system], date(2027, 1, 1), date(2030, 1, 1))
    assert [r.day for r in found] == [date(2027, 4, 1), date(2027, 10, 1)]
    assert {r.category for r in found} == {Category.SOFTWARE}
    hardware = _system(kind=SystemKind.HARDWARE, renewal=date(2027, 4, 1), renewal_cost=D(5))
    expenses = renewal_expenses([hardware], date(2027, 1, 1), date(2027, 12, 31))
    assert [(e.category, e.amount, e.origin) for e in expenses] == [
        (Category.HARDWARE, D(5), ("systems", 0, "renewal"))
    ]


def test_each_check_by_its_code() -> None:
    systems = [
        _system(id="a", renewal=date(2027, 4, 1)),  # in 31 days
        _system(id="b", renewal=date(2027, 2, 1)),  # passed
        _system(id="c", warranty_end=date(2027, 1, 1)),
        _system(id="d", end_of_life=date(2027, 2, 1)),
        _system(id="e", end_of_life=date(2027, 6, 1)),
        _system(id="f", renewal=date(2028, 1, 1), end_of_life=date(2030, 1, 1)),  # all fine
    ]
    found = [(p.code, p.subject, p.path[-1]) for p in check_systems(systems, TODAY)]
    assert found == [
        ("licence_renewal_due", "system:a", "renewal"),
        ("licence_renewal_overdue", "system:b", "renewal"),
        ("warranty_expired", "system:c", "warranty_end"),
        ("end_of_life_passed", "system:d", "end_of_life"),
        ("end_of_life_near", "system:e", "end_of_life"),
    ]
    assert [p.code for p in check_systems([_system(), _system()], TODAY)] == ["duplicate_id"]


def test_renewal_work_is_due_before_the_end_of_life() -> None:
    systems = [
        _system(id="soon", end_of_life=date(2027, 3, 10)),
        _system(id="later", end_of_life=date(2027, 9, 1)),
        _system(id="gone", end_of_life=date(2027, 2, 1)),
        _system(id="far", end_of_life=date(2029, 1, 1)),
    ]
    work = renewal_work(systems, TODAY)
    assert [(w.task_id, w.start, w.due) for w in work] == [
        ("renew-soon", TODAY, date(2027, 3, 1)),
        ("renew-later", date(2027, 4, 4), date(2027, 8, 2)),
    ]
