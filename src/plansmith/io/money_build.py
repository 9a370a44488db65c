"""Money and progress from their checked specs, in engine units (Decimal money, working minutes).

Kept apart from :mod:`plan_file` like :mod:`risk_build`. Checks that need only the task itself
(an actual finish without a start, progress on a task that has not started) are made here;
references to other tasks and resources are checked beside the engines that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from plansmith.analytics.inventory import RENEWAL_FORECAST_MONTHS, add_months, renewal_expenses
from plansmith.domain.diagnostics import Diagnostic, DocPath, error
from plansmith.domain.money import (
    NO_PROGRESS,
    Accrual,
    Booking,
    BudgetLine,
    Category,
    EvMethod,
    Expense,
    FixedCost,
    Progress,
    RateChange,
    Step,
)
from plansmith.io.inventory_schema import systems
from plansmith.io.plan_schema import PlanSpec, ResourceSpec, TaskSpec

DurationParser = Callable[[object, DocPath], "int | None"]


def rate_changes(spec: ResourceSpec) -> tuple[RateChange, ...]:
    return tuple(sorted((RateChange(c.start, c.rate) for c in spec.rates), key=lambda c: c.start))


def fixed_cost(spec: TaskSpec) -> FixedCost | None:
    if spec.cost is None:
        return None
    return FixedCost(spec.cost.amount, Accrual(spec.cost.accrue), Category(spec.cost.category))


def progress(
    spec: TaskSpec, parse: DurationParser, path: DocPath, diagnostics: list[Diagnostic]
) -> Progress:
    if (
        spec.progress is None
        and spec.remaining is None
        and spec.actual_finish is None
        and not spec.steps
        and spec.ev_method == "percent_complete"
    ):
        return NO_PROGRESS  # most tasks: nothing to check, and no object to make
    subject = f"task:{spec.id}"
    if spec.actual_finish is not None and spec.actual_start is None and not spec.milestone:
        diagnostics.append(
            error(
                "actual_finish_without_start",
                f"task '{spec.id}' has an actual finish but no actual start",
                subject,
                (*path, "actual_finish"),
            )
        )
    elif spec.actual_finish is not None and spec.actual_start is not None:
        finish = _instant(spec.actual_finish, end=True)
        start = _instant(spec.actual_start, end=False)
        if finish < start or (finish == start and not spec.milestone):
            diagnostics.append(
                error(
                    "actual_finish_before_start",
                    f"task '{spec.id}' finishes ({spec.actual_finish}) before it started "
                    f"({spec.actual_start})",
                    subject,
                    (*path, "actual_finish"),
                )
            )
    started = spec.actual_start is not None
    reported = [("progress", spec.progress is not None and spec.progress > 0)]
    reported.append(("remaining", spec.remaining is not None))
    for key, given in reported:
        if given and not started:
            diagnostics.append(
                error(
                    "progress_without_start",
                    f"task '{spec.id}' reports {key} but has no actual_start: give the date "
                    "work began",
                    subject,
                    (*path, key),
                )
            )
    method = EvMethod(spec.ev_method)
    if method is EvMethod.WEIGHTED_MILESTONES and not spec.steps:
        diagnostics.append(
            error(
                "steps_missing",
                f"task '{spec.id}' earns by weighted milestones but lists no steps",
                subject,
                (*path, "ev_method"),
            )
        )
    remaining = parse(spec.remaining, (*path, "remaining")) if spec.remaining is not None else None
    steps = tuple(Step(s.name, s.weight, s.done) for s in spec.steps)
    return Progress(spec.progress, remaining, method, steps)


def budget(spec: PlanSpec) -> tuple[BudgetLine, ...]:
    return tuple(
        BudgetLine(b.amount, Category(b.category), b.phase, b.name, ("budget", k))
        for k, b in enumerate(spec.budget)
    )


def expenses(spec: PlanSpec) -> tuple[Expense, ...]:
    """The plan's expenses, and the licence renewals of its systems as forecast costs."""
    written = tuple(
        Expense(e.name, e.amount, e.date, e.task, Category(e.category), ("expenses", k))
        for k, e in enumerate(spec.expenses)
    )
    start = spec.project.start
    last = add_months(start, RENEWAL_FORECAST_MONTHS)
    return written + renewal_expenses(systems(spec.systems), start, last)


def actuals(spec: PlanSpec) -> tuple[Booking, ...]:
    return tuple(
        Booking(a.task, a.date, a.resource, a.hours, a.cost, a.overtime, ("actuals", k))
        for k, a in enumerate(spec.actuals)
    )


def _instant(value: date | datetime, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value
    start = datetime(value.year, value.month, value.day)
    return start + timedelta(days=1) if end else start
