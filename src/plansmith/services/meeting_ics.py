"""Meetings as calendar events: the invitation (.ics) of a series or of one occurrence, and
the meeting events of calendar feeds.

A series is one event with its RRULE; an occurrence that stands for one of the rule's
instances is the same UID with a RECURRENCE-ID, so a calendar replaces that instance (a new
time, the agenda, a cancellation) instead of showing a second meeting. Times are the project's
wall-clock times with its zone attached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from plansmith.io.ical import CalendarEvent, Person, calendar_bytes
from plansmith.services.access import Action, require
from plansmith.services.meeting_occurrences import occurrence_by_id
from plansmith.services.meetings import series_named
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.plans import now

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


def project_zone(project: t.Project) -> ZoneInfo:
    try:
        return ZoneInfo(str(project.spec.get("project", {}).get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # the plan schema refuses unknown zones; an old row may not


def uid(project: t.Project, what: str, ident: object) -> str:
    """A UID that stays the same across fetches, exports and restores (row ids survive a
    restore), and cannot collide across projects."""
    return f"plansmith-{project.key}-{what}-{ident}@plansmith"


def _people(session: Session, series: m.MeetingSeries, occurrence_id: int | None) -> list[Person]:
    query = select(m.MeetingAttendee.email, t.User.name).outerjoin(
        t.User, t.User.id == m.MeetingAttendee.user_id
    )
    query = query.where(m.MeetingAttendee.series_id == series.id)
    if occurrence_id is None:
        query = query.where(m.MeetingAttendee.occurrence_id.is_(None))
    else:
        query = query.where(m.MeetingAttendee.occurrence_id == occurrence_id)
    return [
        Person(email, name or "")
        for email, name in session.execute(query.order_by(m.MeetingAttendee.id))
    ]


def _organizer(session: Session, series: m.MeetingSeries, fallback: t.User | None) -> Person | None:
    user = session.get(t.User, series.organizer_id) if series.organizer_id else fallback
    return Person(user.email, user.name) if user is not None else None


def series_event(
    session: Session, project: t.Project, series: m.MeetingSeries, organizer: t.User | None
) -> CalendarEvent:
    zone = project_zone(project)
    start = series.first_start.replace(tzinfo=zone)
    return CalendarEvent(
        uid=uid(project, "meeting", series.id),
        summary=series.title,
        start=start,
        end=start + timedelta(minutes=series.duration_minutes),
        stamp=now(),
        description=series.agenda_template,
        location=series.location,
        rrule=series.rrule,
        organizer=_organizer(session, series, organizer),
        attendees=tuple(_people(session, series, None)),
        sequence=series.version - 1,
        categories=(series.kind,),
    )


def occurrence_event(
    session: Session,
    project: t.Project,
    series: m.MeetingSeries,
    row: m.MeetingOccurrence,
    organizer: t.User | None,
) -> CalendarEvent:
    zone = project_zone(project)
    start = row.starts_at.replace(tzinfo=zone)
    # A recorded instance of the rule (or the one meeting of a one-off series) is that event.
    instance = row.recurrence_id is not None
    description = row.agenda + (f"\n\nMinutes:\n{row.minutes}" if row.minutes else "")
    return CalendarEvent(
        uid=uid(project, "meeting", series.id) if instance else uid(project, "occurrence", row.id),
        summary=series.title,
        start=start,
        end=start + timedelta(minutes=row.duration_minutes),
        stamp=now(),
        description=description.strip(),
        location=row.location,
        recurrence_id=(
            row.recurrence_id.replace(tzinfo=zone)
            if row.recurrence_id is not None and series.rrule
            else None
        ),
        organizer=_organizer(session, series, organizer),
        attendees=tuple(_people(session, series, row.id)),
        cancelled=row.cancelled,
        sequence=series.version - 1 + row.version,
        categories=(series.kind,),
    )


def meeting_events(
    session: Session,
    project: t.Project,
    series_rows: Iterable[m.MeetingSeries],
    organizer: t.User | None = None,
    since: datetime | None = None,
) -> list[CalendarEvent]:
    """Each series with its recorded occurrences (from ``since``, default a year back)."""
    events = []
    cutoff = since or datetime.now() - timedelta(days=366)
    for series in series_rows:
        rows = list(
            session.scalars(
                select(m.MeetingOccurrence)
                .where(
                    m.MeetingOccurrence.series_id == series.id,
                    m.MeetingOccurrence.starts_at >= cutoff,
                )
                .order_by(m.MeetingOccurrence.starts_at)
            )
        )
        if series.rrule or not any(row.recurrence_id is not None for row in rows):
            events.append(series_event(session, project, series, organizer))
        events += [occurrence_event(session, project, series, row, organizer) for row in rows]
    return events


def project_meetings(session: Session, project: t.Project) -> list[m.MeetingSeries]:
    return list(
        session.scalars(
            select(m.MeetingSeries)
            .where(m.MeetingSeries.project_id == project.id)
            .order_by(m.MeetingSeries.id)
        )
    )


def meetings_of(session: Session, project: t.Project, user: t.User) -> list[m.MeetingSeries]:
    """The project's series ``user`` organizes or is invited to (to the series or to one of
    its occurrences), by account or by address."""
    invited = select(m.MeetingAttendee.series_id).where(
        or_(m.MeetingAttendee.user_id == user.id, m.MeetingAttendee.email.ilike(user.email))
    )
    return list(
        session.scalars(
            select(m.MeetingSeries)
            .where(
                m.MeetingSeries.project_id == project.id,
                or_(m.MeetingSeries.id.in_(invited), m.MeetingSeries.organizer_id == user.id),
            )
            .order_by(m.MeetingSeries.id)
        )
    )


def series_invitation(session: Session, user: t.User, project: t.Project, key: str) -> bytes:
    """The series as an invitation (METHOD:REQUEST): the rule, its invitees and the recorded
    occurrences that change one instance."""
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    series = series_named(session, project, key)
    events = meeting_events(session, project, [series], user)
    return calendar_bytes(events, name=series.title, method="REQUEST")


def occurrence_invitation(session: Session, user: t.User, project: t.Project, ident: str) -> bytes:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    row, series = occurrence_by_id(session, project, ident)
    event = occurrence_event(session, project, series, row, user)
    return calendar_bytes([event], name=series.title, method="REQUEST")
