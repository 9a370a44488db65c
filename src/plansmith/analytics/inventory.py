"""The systems a team runs: what their licences, warranties and end of life mean for the plan.

Three things follow from an inventory, all as pure functions of the systems and a reference day
(the project's status date, or today), so tests pin them without a clock:

- checks (:func:`check_systems`): a licence to renew soon or already lapsed, a warranty run
  out, an end of life near or passed, as :class:`Diagnostic` values with stable codes;
- renewals (:func:`renewals`): each licence renewal from its next date, every ``renewal_months``
  until the system's end of life, as dated costs the budget forecasts like any expense (in
  ``hardware``, ``software`` or ``services`` by the system's type);
- "renew or replace" work (:func:`renewal_work`): a task per system nearing its end of life,
  due a margin *before* it, so the decision is made while the system is still supported.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning
from plansmith.domain.money import Category, Expense

RENEWAL_NOTICE_DAYS = 90  # a licence renewing within this many days is worth a warning
END_OF_LIFE_NOTICE_DAYS = 180
RENEWAL_LEAD_DAYS = 120  # "renew or replace" work starts this long before it is due
RENEWAL_MARGIN_DAYS = 30  # ... and is due this long before the end of life
# A plan forecasts its systems' renewals over this many months from the project's start.
RENEWAL_FORECAST_MONTHS = 36


class SystemKind(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    SERVICE = "service"

    @property
    def category(self) -> Category:
        return {
            SystemKind.HARDWARE: Category.HARDWARE,
            SystemKind.SOFTWARE: Category.SOFTWARE,
            SystemKind.SERVICE: Category.SERVICES,
        }[self]


@dataclass(frozen=True, slots=True)
class System:
    id: str
    name: str
    kind: SystemKind
    renewal: date | None = None  # the licence's (or subscription's) next renewal
    renewal_cost: Decimal | None = None
    renewal_months: int = 12
    seats: int | None = None
    warranty_end: date | None = None
    end_of_life: date | None = None
    origin: DocPath = ()

    @property
    def subject(self) -> str:
        return f"system:{self.id}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Renewal:
    system: str
    name: str
    day: date
    amount: Decimal
    category: Category
    origin: DocPath = ()


def renewals(systems: Iterable[System], first: date, last: date) -> list[Renewal]:
    """Every renewal falling in ``first`` .. ``last``, by date. A renewal on or after the
    system's end of life is not forecast: nobody renews what is switched off."""
    found: list[Renewal] = []
    for system in systems:
        if system.renewal is None or not system.renewal_cost or system.renewal_months < 1:
            continue
        step, day = 0, system.renewal
        while day <= last:
            if system.end_of_life is not None and day >= system.end_of_life:
                break
            if day >= first:
                found.append(
                    Renewal(
                        system.id,
                        f"Renewal: {system.name}",
                        day,
                        system.renewal_cost,
                        system.kind.category,
                        (*system.origin, "renewal"),
                    )
                )
            step += 1
            day = add_months(system.renewal, step * system.renewal_months)
    return sorted(found, key=lambda r: (r.day, r.system))


def renewal_expenses(systems: Iterable[System], first: date, last: date) -> tuple[Expense, ...]:
    """:func:`renewals` as the plan's expenses, so budgets and forecasts count them."""
    return tuple(
        Expense(r.name, r.amount, r.day, None, r.category, r.origin)
        for r in renewals(systems, first, last)
    )


def check_systems(
    systems: Sequence[System],
    today: date,
    *,
    renewal_notice: int = RENEWAL_NOTICE_DAYS,
    end_of_life_notice: int = END_OF_LIFE_NOTICE_DAYS,
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for system in systems:
        path, subject = system.origin, system.subject
        if system.id in seen:
            problems.append(
                error("duplicate_id", f"system id '{system.id}' is used twice", subject, path)
            )
        seen.add(system.id)
        if system.renewal is not None:
            days = (system.renewal - today).days
            where = (*path, "renewal")
            if days < 0:
                problems.append(
                    warning(
                        "licence_renewal_overdue",
                        f"{system.name}: the renewal of {system.renewal} has passed; renew it and "
                        "give the next date",
                        subject,
                        where,
                    )
                )
            elif days <= renewal_notice:
                problems.append(
                    warning(
                        "licence_renewal_due",
                        f"{system.name}: the licence renews on {system.renewal}, in {days} days",
                        subject,
                        where,
                    )
                )
        if system.warranty_end is not None and system.warranty_end < today:
            problems.append(
                warning(
                    "warranty_expired",
                    f"{system.name}: the warranty ended on {system.warranty_end}",
                    subject,
                    (*path, "warranty_end"),
                )
            )
        if system.end_of_life is not None:
            days = (system.end_of_life - today).days
            where = (*path, "end_of_life")
            if days < 0:
                problems.append(
                    warning(
                        "end_of_life_passed",
                        f"{system.name} reached its end of life on {system.end_of_life}: it gets "
                        "no more fixes",
                        subject,
                        where,
                    )
                )
            elif days <= end_of_life_notice:
                problems.append(
                    warning(
                        "end_of_life_near",
                        f"{system.name} reaches its end of life on {system.end_of_life}, in "
                        f"{days} days: plan to renew or replace it",
                        subject,
                        where,
                    )
                )
    return problems


@dataclass(frozen=True, slots=True)
class RenewalWork:
    """A "renew or replace" task to add to the plan for ``system``."""

    system: str
    task_id: str
    name: str
    start: date  # start no earlier than
    due: date  # the task's deadline, always before the end of life
    end_of_life: date


def renewal_work(
    systems: Iterable[System],
    today: date,
    *,
    within_days: int = 365,
    lead_days: int = RENEWAL_LEAD_DAYS,
    margin_days: int = RENEWAL_MARGIN_DAYS,
) -> list[RenewalWork]:
    """A task for each system whose end of life is after ``today`` and within ``within_days``:
    due ``margin_days`` before the end of life (or today, when that has passed already), started
    ``lead_days`` before it is due (or today). A passed end of life gets no task: it is a
    check's business (``end_of_life_passed``), and no date before it is left to aim for."""
    work: list[RenewalWork] = []
    for system in systems:
        eol = system.end_of_life
        if eol is None or eol <= today or (eol - today).days > within_days:
            continue
        due = max(today, eol - timedelta(days=max(1, margin_days)))
        start = max(today, due - timedelta(days=max(0, lead_days)))
        work.append(
            RenewalWork(
                system.id,
                f"renew-{system.id}",
                f"Renew or replace {system.name}",
                start,
                due,
                eol,
            )
        )
    return sorted(work, key=lambda w: (w.due, w.system))
