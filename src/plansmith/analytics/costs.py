"""Planned cost, time-phased by day: labour, fixed task costs and expenses, from a schedule.

Labour accrues evenly over a task's working time: each day carries the task's working minutes
that day times the hourly rates (as of that day) times the assigned units. A fixed cost lands on
the task's first day, its last day, or spreads like labour. Expenses land on their date, and so
do training courses, on their first day. Every
amount is an exact :class:`~decimal.Decimal`; nothing is rounded here.

A phase is a top-level task of the WBS; a cost outside any task belongs to the project.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from plansmith.domain.diagnostics import Diagnostic, error, warning
from plansmith.domain.model import Project, Task
from plansmith.domain.money import Accrual, Category
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.result import ScheduleResult
from plansmith.scheduling.timeline import Timeline

MINUTES_PER_HOUR = Decimal(60)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CostEntry:
    """An amount planned on one day, for a task (or the project) and a category."""

    task: str | None
    phase: str | None
    category: Category
    day: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CostPlan:
    entries: tuple[CostEntry, ...]

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.entries), Decimal(0))

    def by(self, key: str) -> dict[object, Decimal]:
        """Totals by ``task``, ``phase``, ``category``, ``day`` or ``month`` (YYYY-MM)."""
        out: dict[object, Decimal] = defaultdict(Decimal)
        for e in self.entries:
            k = f"{e.day:%Y-%m}" if key == "month" else getattr(e, key)
            out[k] += e.amount
        return dict(out)

    def task_days(self) -> dict[str, dict[date, Decimal]]:
        """Per task, its planned cost per day (what a baseline keeps for planned value)."""
        out: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for e in self.entries:
            if e.task is not None:
                out[e.task][e.day] += e.amount
        return {t: dict(days) for t, days in out.items()}


def phases(project: Project) -> dict[str, str]:
    """Each task's phase: its top-level ancestor (a top-level task is its own phase)."""
    parent = {t.id: t.parent for t in project.tasks}
    out: dict[str, str] = {}
    for task in project.tasks:
        top = task.id
        while parent[top] is not None:
            top = parent[top]  # type: ignore[assignment]
        out[task.id] = top
    return out


def planned_costs(project: Project, schedule: ScheduleResult) -> CostPlan:
    """Every planned amount of a scheduled plan, by day."""
    book = CalendarBook(project)
    phase_of = phases(project)
    resources = {r.id: r for r in project.resources}
    origin = project.origin_datetime
    entries: list[CostEntry] = []
    for task, scheduled in zip(project.tasks, schedule.tasks, strict=True):
        if task.is_summary:
            if task.cost is not None:  # a phase's own cost, over the phase on the project calendar
                entries += _summary_cost(project, book, task, scheduled.start, scheduled.finish)
            continue
        timeline = book.task_timeline(task)
        if timeline is None:
            continue
        start = origin + timedelta(minutes=scheduled.start)
        finish = origin + timedelta(minutes=scheduled.finish)
        minutes = _minutes_by_day(timeline, origin, start, finish)
        total = sum(minutes.values())
        phase = phase_of[task.id]
        labour: dict[date, Decimal] = defaultdict(Decimal)
        for assignment in task.assignments:
            resource = resources.get(assignment.resource)
            if resource is None:
                continue
            units = Decimal(str(assignment.units))
            for day, worked in minutes.items():
                rate = resource.rate_on(day)
                if rate is not None and worked:
                    labour[day] += rate * units * worked / MINUTES_PER_HOUR
        entries += [
            CostEntry(task.id, phase, Category.LABOUR, day, amount)
            for day, amount in sorted(labour.items())
            if amount
        ]
        if task.cost is not None:
            entries += _fixed(task, phase, start, finish, minutes, total)
    for expense in project.expenses:
        where = phase_of.get(expense.task) if expense.task else None
        entries.append(
            CostEntry(expense.task, where, expense.category, expense.day, expense.amount)
        )
    entries += [  # courses in the team's training plan: the project's, on their first day
        CostEntry(None, None, Category.TRAINING, course.start, course.cost)
        for course in project.team.training
        if course.cost
    ]
    return CostPlan(tuple(entries))


def _summary_cost(
    project: Project, book: CalendarBook, task: Task, start: int, finish: int
) -> list[CostEntry]:
    timeline = book.project_timeline()
    if timeline is None:
        return []
    origin = project.origin_datetime
    begin = origin + timedelta(minutes=start)
    end = origin + timedelta(minutes=finish)
    minutes = _minutes_by_day(timeline, origin, begin, end)
    return _fixed(task, phases(project)[task.id], begin, end, minutes, sum(minutes.values()))


def _fixed(
    task: Task,
    phase: str,
    start: datetime,
    finish: datetime,
    minutes: dict[date, int],
    total: int,
) -> list[CostEntry]:
    cost = task.cost
    assert cost is not None
    category = cost.category
    if cost.accrual is Accrual.START or (cost.accrual is Accrual.PRORATED and total == 0):
        return [CostEntry(task.id, phase, category, start.date(), cost.amount)]
    if cost.accrual is Accrual.END:
        last = (finish - timedelta(minutes=1)).date() if finish > start else finish.date()
        return [CostEntry(task.id, phase, category, last, cost.amount)]
    return [
        CostEntry(task.id, phase, category, day, cost.amount * worked / total)
        for day, worked in sorted(minutes.items())
        if worked
    ]


def _minutes_by_day(
    timeline: Timeline, origin: datetime, start: datetime, finish: datetime
) -> dict[date, int]:
    """Working minutes of the task in each calendar day it spans."""
    out: dict[date, int] = {}
    day = start.date()
    last = finish.date()
    position = timeline.work_at(_offset(origin, start))
    while day <= last:
        end_of_day = min(finish, datetime(day.year, day.month, day.day) + DAY)
        reached = timeline.work_at(_offset(origin, end_of_day))
        if reached > position:
            out[day] = reached - position
        position = reached
        day += DAY
    return out


def _offset(origin: datetime, instant: datetime) -> int:
    return int((instant - origin).total_seconds() // 60)


def cost_diagnostics(project: Project) -> list[Diagnostic]:
    """References from budget lines, expenses and bookings, and bookings that cost nothing."""
    tasks = {t.id: t for t in project.tasks}
    resources = {r.id: r for r in project.resources}
    out: list[Diagnostic] = []
    refs = [(line.phase, line.origin, "phase") for line in project.budget]
    refs += [(e.task, e.origin, "task") for e in project.expenses]
    refs += [(b.task, b.origin, "task") for b in project.actuals]
    for task_id, origin, key in refs:
        if task_id is not None and task_id not in tasks:
            out.append(
                error("unknown_task", f"no task '{task_id}' in this plan", None, (*origin, key))
            )
    for booking in project.actuals:
        booked = tasks.get(booking.task)
        if booked is not None and booked.is_summary:
            out.append(
                warning(
                    "booking_on_summary",
                    f"'{booking.task}' is a summary: its cost counts for the phase, but no task "
                    "earns it; book on the tasks that do the work where you can",
                    f"task:{booking.task}",
                    (*booking.origin, "task"),
                )
            )
        if booking.resource is None:
            continue
        resource = resources.get(booking.resource)
        path = (*booking.origin, "resource")
        if resource is None:
            out.append(error("unknown_resource", f"no resource '{booking.resource}'", None, path))
        elif resource.rate_on(booking.day) is None:
            out.append(
                warning(
                    "booking_without_rate",
                    f"resource '{resource.id}' has no rate on {booking.day}, so these hours "
                    "cost nothing",
                    f"resource:{resource.id}",
                    path,
                )
            )
        elif booking.overtime and resource.overtime_rate is None:
            out.append(
                warning(
                    "overtime_without_rate",
                    f"resource '{resource.id}' has no overtime_rate: overtime is costed at "
                    "its normal rate",
                    f"resource:{resource.id}",
                    path,
                )
            )
    return out
