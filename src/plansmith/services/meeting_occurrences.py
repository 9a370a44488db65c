"""The meetings of a series that were held or planned: their time, agenda, attendees and
minutes.

Occurrences are rows only where something was recorded; the rest are the rule's instances,
computed. An occurrence that stands for an instance keeps it as ``recurrence_id``, so the
series' invitation and the occurrence's update one calendar event between them. Members record
them (``record_meetings``); deleting one is for owners and managers (``edit_plan``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.ical import instances
from plansmith.io.schema_types import Spec
from plansmith.services.access import Action, require
from plansmith.services.audit import record_changes
from plansmith.services.items import check_version
from plansmith.services.meetings import (
    emails,
    invitees,
    local,
    series_named,
    set_invitees,
    validated,
)
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m


class OccurrenceIn(Spec):
    start: datetime | None = None
    duration: int | None = Field(None, ge=5, le=24 * 60)
    location: str | None = Field(None, max_length=300)
    cancelled: bool = False
    agenda: str | None = Field(None, max_length=50_000)
    minutes: str = Field("", max_length=200_000)
    attendees: list[str] | None = Field(None, max_length=200)

    @field_validator("start")
    @classmethod
    def _start(cls, value: datetime | None) -> datetime | None:
        return local(value) if value is not None else None

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, value: list[str] | None) -> list[str] | None:
        return emails(value) if value is not None else None


def occurrence_document(
    session: Session, row: m.MeetingOccurrence, series: m.MeetingSeries
) -> dict[str, Any]:
    return {
        "id": row.id,
        "series": series.key,
        "title": series.title,
        "start": row.starts_at.isoformat(timespec="minutes"),
        "duration": row.duration_minutes,
        "location": row.location,
        "cancelled": row.cancelled,
        "agenda": row.agenda,
        "minutes": row.minutes,
        "attendees": invitees(session, series, row.id),
        "recurrence_id": (
            row.recurrence_id.isoformat(timespec="minutes") if row.recurrence_id else None
        ),
    }


def occurrence_by_id(
    session: Session, project: t.Project, ident: str | int
) -> tuple[m.MeetingOccurrence, m.MeetingSeries]:
    try:
        number = int(ident)
    except ValueError:
        number = 0
    row = (
        session.scalar(
            select(m.MeetingOccurrence).where(
                m.MeetingOccurrence.project_id == project.id, m.MeetingOccurrence.id == number
            )
        )
        if 0 < number < 2**63
        else None
    )
    if row is None:
        raise NotFound(f"no meeting occurrence '{ident}' here")
    series = session.get(m.MeetingSeries, row.series_id)
    assert series is not None  # a foreign key, cascading
    return row, series


def get_occurrence(
    session: Session, user: t.User, project: t.Project, ident: str
) -> tuple[m.MeetingOccurrence, m.MeetingSeries]:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    return occurrence_by_id(session, project, ident)


def _is_instance(series: m.MeetingSeries, moment: datetime) -> bool:
    return moment in instances(series.rrule, series.first_start, moment, moment)


def upcoming(series: m.MeetingSeries, after: datetime, count: int) -> list[datetime]:
    """The rule's next ``count`` start times from ``after``."""
    return instances(series.rrule, series.first_start, after, after + timedelta(days=3660))[:count]


def schedule_occurrence(
    session: Session, user: t.User, project: t.Project, key: str, body: dict[str, Any]
) -> m.MeetingOccurrence:
    """A meeting of the series at ``start`` (default: the rule's next one from now), with the
    series' agenda template and invitees unless the body gives its own."""
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    series = series_named(session, project, key)
    item: OccurrenceIn = validated(OccurrenceIn, body, "meeting occurrence")
    start = item.start
    if start is None:
        following = upcoming(series, datetime.now().replace(second=0, microsecond=0), 1)
        if not following:
            raise Invalid("the meeting has no further dates; give a start", code="no_next_meeting")
        start = following[0]
    instance = start if _is_instance(series, start) else None
    if instance is not None and session.scalar(
        select(m.MeetingOccurrence.id).where(
            m.MeetingOccurrence.series_id == series.id,
            m.MeetingOccurrence.recurrence_id == instance,
        )
    ):
        raise Conflict(
            f"the meeting of {start:%Y-%m-%d %H:%M} is already recorded; change that one",
            code="occurrence_exists",
        )
    row = m.MeetingOccurrence(
        project_id=project.id,
        series_id=series.id,
        starts_at=start,
        recurrence_id=instance,
        duration_minutes=item.duration or series.duration_minutes,
        location=item.location if item.location is not None else series.location,
        cancelled=item.cancelled,
        agenda=item.agenda if item.agenda is not None else series.agenda_template,
        minutes=item.minutes,
    )
    session.add(row)
    session.flush()
    attendees = item.attendees if item.attendees is not None else invitees(session, series, None)
    set_invitees(session, series, row.id, attendees)
    session.flush()
    document = occurrence_document(session, row, series)
    record_changes(session, user, project, "meeting_occurrence", row.id, str(row.id), {}, document)
    return row


def update_occurrence(
    session: Session,
    user: t.User,
    project: t.Project,
    ident: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> m.MeetingOccurrence:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    row, series = occurrence_by_id(session, project, ident)
    check_version(row, if_match)
    before = occurrence_document(session, row, series)
    read_only = {"id", "series", "title", "recurrence_id", "version"}
    merged = {k: v for k, v in {**before, **patch}.items() if k not in read_only}
    item: OccurrenceIn = validated(OccurrenceIn, merged, "meeting occurrence")
    row.starts_at = item.start or row.starts_at  # null keeps the time it has
    row.duration_minutes = item.duration or row.duration_minutes
    row.location, row.cancelled = item.location or "", item.cancelled
    row.agenda, row.minutes = item.agenda or "", item.minutes
    if item.attendees is not None and "attendees" in patch:
        set_invitees(session, series, row.id, item.attendees)
    session.flush()
    after = occurrence_document(session, row, series)
    record_changes(session, user, project, "meeting_occurrence", row.id, str(row.id), before, after)
    return row


def delete_occurrence(
    session: Session, user: t.User, project: t.Project, ident: str, if_match: int | None
) -> None:
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row, series = occurrence_by_id(session, project, ident)
    check_version(row, if_match)
    before = occurrence_document(session, row, series)
    session.delete(row)
    session.flush()
    record_changes(session, user, project, "meeting_occurrence", row.id, str(row.id), before, {})


def list_occurrences(
    session: Session,
    user: t.User,
    project: t.Project,
    key: str,
    *,
    after: datetime | None = None,
    count: int = 10,
) -> list[dict[str, Any]]:
    """Recorded occurrences and the rule's coming instances from ``after`` (default: a week
    ago), in time order; an instance nobody recorded yet has ``id`` None."""
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    series = series_named(session, project, key)
    since = after or (datetime.now() - timedelta(days=7)).replace(second=0, microsecond=0)
    rows = list(
        session.scalars(
            select(m.MeetingOccurrence).where(
                m.MeetingOccurrence.series_id == series.id,
                m.MeetingOccurrence.starts_at >= since,
            )
        )
    )
    taken = {row.recurrence_id for row in rows if row.recurrence_id is not None}
    documents = [
        {**occurrence_document(session, row, series), "version": row.version} for row in rows
    ]
    for moment in upcoming(series, since, max(1, min(count, 100))):
        if moment not in taken:
            documents.append(
                {
                    "id": None,
                    "series": series.key,
                    "title": series.title,
                    "start": moment.isoformat(timespec="minutes"),
                    "duration": series.duration_minutes,
                    "location": series.location,
                    "cancelled": False,
                    "recurrence_id": moment.isoformat(timespec="minutes"),
                }
            )
    documents.sort(key=lambda d: (d["start"], d["id"] is None))
    return documents[: max(1, min(count, 100))]
