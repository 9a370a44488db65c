"""Workload per person across every project the caller may read: hours booked by month, from
each plan's schedule (the cached one), against the person's working hours that month.

People are the shared pool's resources, so one person booked on three projects is one row
with three projects' hours; a month over what their calendar and capacity give is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.workload import person_bookings
from plansmith.scheduling.calendars import CalendarBook
from plansmith.services import plan_cache
from plansmith.services.access import ALLOWED, Action, role_on, visible_project_ids
from plansmith.storage import tables as t


def workload(session: Session, user: t.User) -> dict[str, Any]:
    """``people``: per person, hours by month in total and per project, capacity hours by
    month and the months over it; projects that cannot be scheduled are listed, not hidden."""
    projects = session.scalars(
        select(t.Project).where(t.Project.id.in_(visible_project_ids(user))).order_by(t.Project.key)
    ).all()
    hours: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    capacity: dict[str, dict[str, float]] = defaultdict(dict)
    names: dict[str, str] = {}
    skipped: list[str] = []
    for project in projects:
        role = role_on(session, user, project.id)
        if not user.is_admin and (role is None or Action.READ_PLAN not in ALLOWED[role]):
            continue
        outcome = plan_cache.scheduled(session, project).outcome
        model, result = outcome.project, outcome.result
        if model is None or result is None or not result.ok:
            skipped.append(project.key)
            continue
        per_month: dict[tuple[str, str], float] = defaultdict(float)
        for booking in person_bookings(model, result):
            per_month[(booking.resource, booking.month)] += booking.hours
        for (who, month), amount in per_month.items():
            hours[who][month][project.key] = round(amount, 2)
        for resource in model.resources:
            names[resource.id] = resource.name
            for month in {m for (who, m) in per_month if who == resource.id}:
                capacity[resource.id].setdefault(month, _available(model, resource.id, month))
    months = sorted({m for person in hours.values() for m in person})
    people = []
    for who in sorted(hours, key=lambda k: names.get(k, k)):
        totals = {m: round(sum(hours[who][m].values()), 2) for m in months if m in hours[who]}
        people.append(
            {
                "id": who,
                "name": names.get(who, who),
                "months": totals,
                "projects": {m: hours[who][m] for m in months if m in hours[who]},
                "capacity": capacity[who],
                "over": [m for m, h in totals.items() if h > capacity[who].get(m, 0) + 0.01],
            }
        )
    return {"months": months, "people": people, "unscheduled": skipped}


def _available(model: Any, resource: str, month: str) -> float:
    """Hours the person works in the month on their own calendar, times their capacity."""
    book = CalendarBook(model)
    working = book.resource_calendar(resource)
    timeline = book.timeline(working) if working is not None else book.project_timeline()
    year, number = int(month[:4]), int(month[5:])
    first = date(year, number, 1)
    after = date(year + number // 12, number % 12 + 1, 1)
    origin = model.origin_datetime
    if timeline is None:
        return 0.0
    lo = max(0, _minute(origin, first))  # before the plan starts nobody is booked
    hi = _minute(origin, after)
    unit = next((r.capacity for r in model.resources if r.id == resource), 1.0)
    return round((timeline.work_at(hi) - timeline.work_at(lo)) * unit / 60, 2)


def _minute(origin: datetime, day: date) -> int:
    return int((datetime(day.year, day.month, day.day) - origin).total_seconds() // 60)
