"""Earned value and earned schedule at a status date.

Definitions follow the PMI Practice Standard for Earned Value Management; earned schedule follows
Lipke (2003), with working days of the project calendar as the time unit:

- PV: the baseline's planned cost up to the end of the status date; BAC: all of it.
- EV: each task's budget times the share it has earned by its method (percent complete, 0/100,
  50/50, weighted milestones).
- AC: bookings up to the status date (hours at the rate of their day, overtime at the overtime
  rate, or plain costs). A task with progress but no bookings at all is costed from its progress
  (its budget times the share complete), as MS Project does; the task says so (``ac_source``).
- A summary's own costs (a fixed cost or an expense put on a phase) are earned in the proportion
  its tasks have earned their budgets; expenses outside any task are not earned value.
- ES = C + (EV - PV_C) / (PV_C+1 - PV_C), C the last working day (of the baseline) whose
  cumulative PV does not exceed EV; AT the working days from the baseline's start to the status
  date; SV(t) = ES - AT, SPI(t) = ES / AT, IEAC(t) = PD / SPI(t), PD the planned duration.

Ratios are None where their denominator is zero. Money is never rounded here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from plansmith.analytics.costs import phases
from plansmith.domain.model import Project, Task
from plansmith.domain.money import EvMethod

ZERO = Decimal(0)
REMOVED = "(removed since the baseline)"
ONE = Decimal(1)
HALF = Decimal("0.5")


def _ratio(a: Decimal, b: Decimal) -> Decimal | None:
    return None if b == 0 else a / b


@dataclass(frozen=True, slots=True)
class Figures:
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal

    @property
    def sv(self) -> Decimal:
        return self.ev - self.pv

    @property
    def cv(self) -> Decimal:
        return self.ev - self.ac

    @property
    def spi(self) -> Decimal | None:
        return _ratio(self.ev, self.pv)

    @property
    def cpi(self) -> Decimal | None:
        return _ratio(self.ev, self.ac)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.bac + other.bac, self.pv + other.pv, self.ev + other.ev, self.ac + other.ac
        )


NONE = Figures(ZERO, ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class TaskValue:
    id: str
    method: EvMethod
    complete: Decimal  # share earned, 0..1
    ac_source: str  # "bookings", "progress" or "none"
    figures: Figures


@dataclass(frozen=True, slots=True)
class Forecast:
    eac_typical: Decimal | None  # BAC / CPI: the rest goes as it has gone
    eac_atypical: Decimal  # AC + (BAC - EV): the rest goes to plan
    eac_cpi_spi: Decimal | None  # AC + (BAC - EV) / (CPI x SPI)
    eac_bottom_up: Decimal  # AC + the rescheduled plan's cost after the status date
    etc: Decimal | None  # EAC (typical) - AC
    vac: Decimal | None
    tcpi_bac: Decimal | None
    tcpi_eac: Decimal | None


@dataclass(frozen=True, slots=True)
class Schedule:
    """Earned schedule, in working days of the project calendar."""

    es: Decimal
    at: int
    pd: int

    @property
    def sv_t(self) -> Decimal:
        return self.es - self.at

    @property
    def spi_t(self) -> Decimal | None:
        return _ratio(self.es, Decimal(self.at))

    @property
    def ieac_t(self) -> Decimal | None:
        spi = self.spi_t
        return None if spi is None or spi == 0 else Decimal(self.pd) / spi


@dataclass(frozen=True, slots=True)
class EvmReport:
    status_date: date
    project: Figures
    forecast: Forecast
    schedule: Schedule
    phases: list[tuple[str, Figures]]
    tasks: list[TaskValue] = field(default_factory=list)


def earned_value(
    project: Project,
    planned: dict[str, dict[date, Decimal]],
    status_date: date,
    workdays: list[date],
    planned_finish: date,
    remaining_cost: Decimal,
) -> EvmReport:
    """``planned``: the baseline's (or current plan's) cost per task and day; ``workdays``: the
    project calendar's working days from the baseline's start on, far enough to pass both the
    status date and ``planned_finish``; ``remaining_cost``: the rescheduled plan's cost after the
    status date (for the bottom-up estimate)."""
    phase_of = phases(project)
    booked, with_bookings = _booked(project, status_date)
    values: list[TaskValue] = []
    by_phase: dict[str, Figures] = defaultdict(lambda: NONE)
    total = NONE
    daily_pv: dict[date, Decimal] = defaultdict(Decimal)
    under: dict[str, Figures] = defaultdict(lambda: NONE)  # leaves' figures below each summary
    parent = {t.id: t.parent for t in project.tasks}

    def add(phase: str, figures: Figures, days: dict[date, Decimal]) -> None:
        nonlocal total
        for day, amount in days.items():
            daily_pv[day] += amount
        by_phase[phase] += figures
        total += figures

    for task in project.tasks:
        if task.is_summary:
            continue
        days = planned.get(task.id, {})
        bac = sum(days.values(), ZERO)
        pv = sum((a for d, a in days.items() if d <= status_date), ZERO)
        complete = earned_share(task, status_date)
        ev = bac * complete
        if task.id in with_bookings:
            ac, source = booked.get(task.id, ZERO), "bookings"
        elif complete > 0:
            ac, source = ev, "progress"
        else:
            ac, source = ZERO, "none"
        figures = Figures(bac, pv, ev, ac)
        values.append(TaskValue(task.id, task.progress.method, complete, source, figures))
        add(phase_of[task.id], figures, days)
        ancestor = task.parent
        while ancestor is not None:
            under[ancestor] += figures
            ancestor = parent[ancestor]
    for task in project.tasks:
        # A summary's own costs (a fixed cost or expense on a phase) are earned as its work is,
        # and time booked on it is actual cost all the same.
        days = planned.get(task.id, {}) if task.is_summary else {}
        if not task.is_summary or not (days or task.id in with_bookings):
            continue
        bac = sum(days.values(), ZERO)
        pv = sum((a for d, a in days.items() if d <= status_date), ZERO)
        below = under[task.id]
        complete = below.ev / below.bac if below.bac else ZERO
        figures = Figures(bac, pv, bac * complete, booked.get(task.id, ZERO))
        source = "bookings" if task.id in with_bookings else "none"
        values.append(TaskValue(task.id, task.progress.method, complete, source, figures))
        add(phase_of[task.id], figures, days)
    current = {t.id for t in project.tasks}
    for task_id, days in planned.items():  # in the baseline, no longer in the plan: still budget
        if task_id not in current:
            bac = sum(days.values(), ZERO)
            pv = sum((a for d, a in days.items() if d <= status_date), ZERO)
            figures = Figures(bac, pv, ZERO, ZERO)
            values.append(TaskValue(task_id, EvMethod.PERCENT_COMPLETE, ZERO, "none", figures))
            add(REMOVED, figures, days)
    schedule = earned_schedule(daily_pv, total.ev, status_date, workdays, planned_finish)
    return EvmReport(
        status_date,
        total,
        forecast(total, remaining_cost),
        schedule,
        list(by_phase.items()),
        values,
    )


def earned_share(task: Task, status_date: date) -> Decimal:
    """The share of its budget a task has earned by ``status_date``, by its method."""
    end = datetime(status_date.year, status_date.month, status_date.day) + timedelta(days=1)
    # An actual finish given as a day means the end of it: finished on the status date counts.
    finished = task.actual_finish is not None and task.actual_finish <= end
    started = task.actual_start is not None and task.actual_start < end
    if task.actual_start is not None and not started:
        return ZERO  # read at a status date before the work began: nothing earned yet
    progress = task.progress
    complete = progress.complete
    if complete is None:
        if finished:
            complete = ONE
        elif started and progress.remaining is not None and task.duration > 0:
            complete = max(ZERO, ONE - Decimal(progress.remaining) / Decimal(task.duration))
        else:
            complete = ZERO
    if complete >= ONE:
        finished = True
    method = progress.method
    if finished and method is not EvMethod.WEIGHTED_MILESTONES:
        return ONE  # an actual finish outweighs a stale percentage
    if method is EvMethod.ZERO_HUNDRED:
        return ONE if finished else ZERO
    if method is EvMethod.FIFTY_FIFTY:
        return ONE if finished else HALF if started else ZERO
    if method is EvMethod.WEIGHTED_MILESTONES and progress.steps:
        weights = sum((s.weight for s in progress.steps), ZERO)
        return sum((s.weight for s in progress.steps if s.done), ZERO) / weights
    return min(ONE, complete)


def forecast(total: Figures, remaining_cost: Decimal) -> Forecast:
    bac, ev, ac = total.bac, total.ev, total.ac
    cpi, spi = total.cpi, total.spi
    typical = None if cpi is None or cpi == 0 else bac / cpi
    cpi_spi = (
        None if cpi is None or spi is None or cpi * spi == 0 else ac + (bac - ev) / (cpi * spi)
    )
    return Forecast(
        eac_typical=typical,
        eac_atypical=ac + (bac - ev),
        eac_cpi_spi=cpi_spi,
        eac_bottom_up=ac + remaining_cost,
        etc=None if typical is None else typical - ac,
        vac=None if typical is None else bac - typical,
        tcpi_bac=_ratio(bac - ev, bac - ac),
        tcpi_eac=None if typical is None else _ratio(bac - ev, typical - ac),
    )


def earned_schedule(
    daily_pv: dict[date, Decimal],
    ev: Decimal,
    status_date: date,
    workdays: list[date],
    planned_finish: date,
) -> Schedule:
    """Lipke's earned schedule on the working-day axis (day k ends the k-th working day)."""
    cumulative = [ZERO]  # PV at the end of working day k; index 0 = before the first day
    pending = sorted(daily_pv.items())
    i = 0
    running = ZERO
    for day in workdays:
        while i < len(pending) and pending[i][0] <= day:
            running += pending[i][1]
            i += 1
        cumulative.append(running)
    pd = sum(1 for d in workdays if d <= planned_finish)
    at = sum(1 for d in workdays if d <= status_date)
    c = max((k for k in range(pd + 1) if cumulative[k] <= ev), default=0)
    if c >= pd:
        return Schedule(Decimal(pd), at, pd)
    step = cumulative[c + 1] - cumulative[c]
    es = Decimal(c) + ((ev - cumulative[c]) / step if step else ZERO)
    return Schedule(es, at, pd)


def _booked(project: Project, status_date: date) -> tuple[dict[str, Decimal], set[str]]:
    """Actual cost per task from the bookings up to the status date, and every task with
    bookings at all (one booked only later has spent nothing yet, rather than its progress)."""
    resources = {r.id: r for r in project.resources}
    out: dict[str, Decimal] = defaultdict(Decimal)
    tasks = {booking.task for booking in project.actuals}
    for booking in project.actuals:
        if booking.day > status_date:
            continue
        amount = booking.cost or ZERO
        if booking.hours is not None and booking.resource in resources:
            resource = resources[booking.resource]
            rate = resource.rate_on(booking.day)
            if booking.overtime and resource.overtime_rate is not None:
                rate = resource.overtime_rate
            amount += booking.hours * (rate or ZERO)
        out[booking.task] += amount
    return dict(out), tasks
