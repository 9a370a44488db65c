"""What a plan's ``systems:`` section means on a given day: its checks, the renewals to pay, the
"renew or replace" tasks to add, and the maintenance windows and updates on the calendar.

Shared by ``plansmith inventory`` (a plan file) and the server (a stored project), so both say
the same about the same plan. The reference day is the one asked for, else the project's status date
(a plan "as of" a date answers the same tomorrow), else today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from plansmith.analytics.inventory import (
    Renewal,
    RenewalWork,
    add_months,
    check_systems,
    renewal_work,
    renewals,
)
from plansmith.domain.diagnostics import Diagnostic
from plansmith.io.inventory_schema import systems, window_occurrences
from plansmith.io.plan_schema import PlanSpec, TaskSpec

RENEW_TASK_DURATION = "5d"


def reference_day(spec: PlanSpec, today: date | None = None) -> date:
    """The day asked for, else the project's status date, else today."""
    return today or spec.project.status_date or date.today()


def inventory_checks(spec: PlanSpec, today: date) -> list[Diagnostic]:
    return check_systems(systems(spec.systems), today)


def upcoming_renewals(spec: PlanSpec, today: date, months: int = 12) -> list[Renewal]:
    return renewals(systems(spec.systems), today, add_months(today, months))


def missing_renewal_work(spec: PlanSpec, today: date) -> list[RenewalWork]:
    """The "renew or replace" tasks the plan does not have yet (by id, at any level)."""
    have: set[str] = set()
    stack = list(spec.tasks)
    while stack:
        task = stack.pop()
        have.add(task.id)
        stack.extend(task.children or ())
    return [w for w in renewal_work(systems(spec.systems), today) if w.task_id not in have]


def renewal_task_document(work: RenewalWork, system_name: str) -> dict[str, Any]:
    """A plan task for ``work``: not before its start, due before the end of life."""
    return {
        "id": work.task_id,
        "name": work.name,
        "duration": RENEW_TASK_DURATION,
        "start_no_earlier_than": work.start.isoformat(),
        "deadline": work.due.isoformat(),
        "notes": (
            f"{system_name} reaches its end of life on {work.end_of_life.isoformat()}: decide "
            "whether to renew support, upgrade or replace it, and plan the change."
        ),
    }


def with_renewal_tasks(spec: PlanSpec, today: date) -> tuple[PlanSpec, list[str]]:
    """The plan with its missing "renew or replace" tasks appended, and their ids."""
    names = {s.id: s.name for s in spec.systems}
    work = missing_renewal_work(spec, today)
    added = [TaskSpec.model_validate(renewal_task_document(w, names[w.system])) for w in work]
    return spec.model_copy(update={"tasks": [*spec.tasks, *added]}), [w.task_id for w in work]


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """A maintenance window or a planned update, in the project's wall-clock time."""

    uid: str
    kind: str  # "maintenance" or "update"
    system: str
    title: str
    start: datetime
    end: datetime | None  # None: an all-day event (an update without a window)
    notes: str = ""


def calendar_events(spec: PlanSpec, first: date, last: date) -> list[CalendarEvent]:
    """Every window occurrence and update falling on ``first`` .. ``last``, by start."""
    events: list[CalendarEvent] = []
    start = spec.project.start
    for system in spec.systems:
        windows = {w.id: w for w in system.maintenance}
        for window in system.maintenance:
            title = f"Maintenance: {system.name}" + (f" ({window.name})" if window.name else "")
            for begins, ends in window_occurrences(window, first, last, start):
                uid = f"{spec.project.id}-{system.id}-{window.id}-{begins:%Y%m%dT%H%M}"
                events.append(
                    CalendarEvent(uid, "maintenance", system.id, title, begins, ends, window.notes)
                )
        for update in system.updates:
            if not first <= update.date <= last:
                continue
            title = f"Update {system.name} to {update.version}"
            uid = f"{spec.project.id}-{system.id}-update-{update.version}-{update.date:%Y%m%d}"
            chosen = windows.get(update.window) if update.window else None
            slot = (
                window_occurrences(chosen, update.date, update.date, start)
                if chosen is not None
                else []
            )
            if slot:
                begins, ends = slot[0]
                events.append(
                    CalendarEvent(uid, "update", system.id, title, begins, ends, update.notes)
                )
            else:
                moment = datetime.combine(update.date, datetime.min.time())
                events.append(
                    CalendarEvent(uid, "update", system.id, title, moment, None, update.notes)
                )
    return sorted(events, key=lambda e: (e.start, e.uid))
