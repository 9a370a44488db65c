"""Maintenance windows and planned updates in a project's calendar feed.

A window is one recurring event (its rule as the RRULE, from its first occurrence), not a list
of occurrences: a calendar program expands it for as far ahead as anyone looks, and the feed
stays small. Times are the project's wall-clock times with its zone attached, so a window at
02:00 stays at 02:00 across a daylight-saving change. UIDs are stable, so a changed window
updates the same event in a subscriber's calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from plansmith.io.ical import CalendarEvent
from plansmith.io.inventory_schema import window_occurrences
from plansmith.storage import tables as t
from plansmith.storage.plans import now, plan_spec

LOOK_FOR_FIRST_DAYS = 400  # a window with no occurrence in this long is left out of the feed


def _uid(project: t.Project, *parts: str) -> str:
    return f"plansmith-{project.key}-{'-'.join(parts)}@plansmith"


def maintenance_events(
    session: Session, project: t.Project, owned_by: str | None = None
) -> list[CalendarEvent]:
    """Every system's windows and updates; with ``owned_by`` (an e-mail address), only those
    of the systems that person owns: the system's ``owner`` is their address, or the id of one
    of the plan's resources with that address."""
    spec = plan_spec(session, project)
    zone = ZoneInfo(spec.project.timezone)
    stamp = now()
    events: list[CalendarEvent] = []
    systems = spec.systems
    if owned_by is not None:
        mine = owned_by.strip().lower()
        names = {mine} | {r.id for r in spec.resources if (r.email or "").strip().lower() == mine}
        systems = [
            s for s in systems if s.owner.strip() in names or s.owner.strip().lower() in names
        ]
    for system in systems:
        windows = {w.id: w for w in system.maintenance}
        for window in system.maintenance:
            begin = window.first or spec.project.start
            ahead = begin + timedelta(days=LOOK_FOR_FIRST_DAYS)
            first = window_occurrences(window, begin, ahead, spec.project.start)[:1]
            if not first:
                continue
            start, end = first[0]
            rule = window.rule()
            if window.until is not None:  # the end of that day, in UTC as RFC 5545 asks
                last = datetime.combine(window.until, time(23, 59, 59), zone).astimezone(UTC)
                rule += f";UNTIL={last:%Y%m%dT%H%M%SZ}"
            name = f" ({window.name})" if window.name else ""
            events.append(
                CalendarEvent(
                    uid=_uid(project, "maintenance", system.id, window.id),
                    summary=f"Maintenance: {system.name}{name}",
                    start=start.replace(tzinfo=zone),
                    end=end.replace(tzinfo=zone),
                    stamp=stamp,
                    rrule=rule,
                    description=window.notes or f"{project.name} ({project.key})",
                    categories=("maintenance",),
                )
            )
        for update in system.updates:
            chosen = windows.get(update.window) if update.window else None
            slot = (
                window_occurrences(chosen, update.date, update.date, spec.project.start)
                if chosen is not None
                else []
            )
            summary = f"Update {system.name} to {update.version}"
            ident = _uid(project, "update", system.id, update.version, update.date.isoformat())
            first_moment: datetime | date
            last_moment: datetime | date
            if slot:
                first_moment, last_moment = (moment.replace(tzinfo=zone) for moment in slot[0])
            else:  # no window: an all-day event
                first_moment, last_moment = update.date, update.date + timedelta(days=1)
            events.append(
                CalendarEvent(
                    uid=ident,
                    summary=summary,
                    start=first_moment,
                    end=last_moment,
                    stamp=stamp,
                    description=update.notes,
                    categories=("update",),
                )
            )
    return events
