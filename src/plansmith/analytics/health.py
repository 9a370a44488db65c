"""A project's health as a traffic light, from published thresholds, with the rule that set it.

One rule for every face that shows health (the portfolio dashboard, status reports), so a
stakeholder can see why a project is amber instead of trusting a colour:

- red: a deadline is forecast to be missed, or SPI or CPI is below 0.90, or the forecast finish
  is more than 10 working days after the latest baseline's;
- amber: work is overdue, or SPI or CPI is below 0.95, or the finish slipped past the baseline;
- green: none of these.

Also here, because the rule needs them: which work is overdue and which milestones are still
ahead at a day, and the working days between two dates on the project calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project, Task
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.result import ScheduleResult

RED, AMBER, GREEN, UNKNOWN = "red", "amber", "green", "unknown"
RED_BELOW = Decimal("0.90")
AMBER_BELOW = Decimal("0.95")
RED_SLIP_DAYS = 10

# The rule above, as pages and reports print it (keep the two in step).
HEALTH_RULES = (
    (
        RED,
        "a deadline is forecast to be missed, or SPI or CPI is below 0.90, or the forecast "
        "finish is more than 10 working days after the latest baseline's",
    ),
    (
        AMBER,
        "work is overdue, or SPI or CPI is below 0.95, or the finish slipped past the baseline",
    ),
    (GREEN, "none of these"),
    (UNKNOWN, "the plan has errors, so it cannot be scheduled"),
)


@dataclass(frozen=True, slots=True)
class Health:
    level: str  # RED, AMBER, GREEN or UNKNOWN
    rule: str  # why, in words: the first threshold the project crossed


def assess(
    diagnostics: Sequence[Diagnostic],
    spi: Decimal | None,
    cpi: Decimal | None,
    slip_days: int | None,
    overdue: Sequence[str],
) -> Health:
    """The traffic light. ``slip_days``: working days the forecast finish is after the latest
    baseline's (None without a baseline); ``overdue``: tasks that should have finished."""
    missed = [d for d in diagnostics if d.code == "deadline_missed"]
    if missed:
        return Health(RED, f"a deadline is forecast to be missed ({missed[0].subject})")
    for name, value in (("SPI", spi), ("CPI", cpi)):
        if value is not None and value < RED_BELOW:
            return Health(RED, f"{name} {value:.2f} is below 0.90")
    if slip_days is not None and slip_days > RED_SLIP_DAYS:
        return Health(RED, f"the finish is {slip_days} working days after the baseline's")
    if overdue:
        return Health(AMBER, f"{len(overdue)} task(s) overdue")
    for name, value in (("SPI", spi), ("CPI", cpi)):
        if value is not None and value < AMBER_BELOW:
            return Health(AMBER, f"{name} {value:.2f} is below 0.95")
    if slip_days is not None and slip_days > 0:
        return Health(AMBER, f"the finish is {slip_days} working day(s) after the baseline's")
    return Health(GREEN, "on schedule and on budget by every rule")


def is_done(task: Task) -> bool:
    return task.actual_finish is not None or (task.progress.complete or 0) >= 1


def overdue_tasks(project: Project, schedule: ScheduleResult, today: date) -> list[str]:
    """Leaf tasks not done whose scheduled finish is before ``today``."""
    return [
        task.id
        for task, placed in zip(project.tasks, schedule.tasks, strict=True)
        if not task.children and not is_done(task) and schedule.at(placed.finish).date() < today
    ]


def milestones_ahead(
    project: Project, schedule: ScheduleResult, today: date
) -> list[tuple[Task, datetime]]:
    """Milestones not done that finish on or after ``today``, soonest first."""
    ahead = [
        (task, schedule.at(placed.finish))
        for task, placed in zip(project.tasks, schedule.tasks, strict=True)
        if task.milestone and not is_done(task)
    ]
    ahead = [(task, end) for task, end in ahead if end.date() >= today]
    ahead.sort(key=lambda pair: pair[1])
    return ahead


def working_days(project: Project, last: date) -> list[date]:
    """Days with working time on the project calendar, from the project start to ``last``."""
    timeline = CalendarBook(project).project_timeline()
    if timeline is None:
        return []
    origin = project.origin_datetime
    out = []
    day = project.start
    while day <= last:
        begin = int((datetime(day.year, day.month, day.day) - origin).total_seconds() // 60)
        if timeline.work_at(begin + 24 * 60) > timeline.work_at(begin):
            out.append(day)
        day += timedelta(days=1)
    return out


def slip_days(project: Project, forecast: date, planned: date | None) -> int | None:
    """Working days of the project calendar after ``planned`` up to ``forecast`` (0 when not
    later; None without a planned date)."""
    if planned is None:
        return None
    if forecast <= planned:
        return 0
    return sum(1 for day in working_days(project, forecast) if planned < day <= forecast)
