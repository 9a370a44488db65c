"""Hours each person is booked for, by month, from a scheduled plan: the figures the workload
view adds up across every project a person works on.

A task's hours fall in the months its working time falls in (on the task's calendar), times
the assigned units, as labour cost does; milestones and summaries book nobody.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from plansmith.analytics.costs import _minutes_by_day
from plansmith.domain.model import Project, ResourceKind
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.result import ScheduleResult


@dataclass(frozen=True, slots=True)
class Booking:
    """``hours`` of ``resource`` on ``task`` in ``month`` (YYYY-MM)."""

    resource: str
    task: str
    month: str
    hours: float


def person_bookings(project: Project, schedule: ScheduleResult) -> list[Booking]:
    """Every person's hours per task and month (tasks already finished included: the past
    months show what was booked then)."""
    book = CalendarBook(project)
    people = {r.id for r in project.resources if r.kind is ResourceKind.PERSON}
    origin = project.origin_datetime
    out: list[Booking] = []
    for task, scheduled in zip(project.tasks, schedule.tasks, strict=True):
        assigned = [a for a in task.assignments if a.resource in people]
        if task.is_summary or not assigned or scheduled.finish <= scheduled.start:
            continue
        timeline = book.task_timeline(task)
        if timeline is None:
            continue
        start = origin + timedelta(minutes=scheduled.start)
        finish = origin + timedelta(minutes=scheduled.finish)
        months: dict[str, int] = defaultdict(int)
        for day, minutes in _minutes_by_day(timeline, origin, start, finish).items():
            months[f"{day:%Y-%m}"] += minutes
        out += [
            Booking(a.resource, task.id, month, round(minutes * a.units / 60, 2))
            for a in assigned
            for month, minutes in sorted(months.items())
        ]
    return out
