"""A project's recurring meetings: series with their rule, and occurrences with agenda,
attendees and minutes.

Who may do what (docs/meetings.md): anyone who reads the plan sees meetings; owners and
managers arrange them (create, change and delete a series, delete an occurrence: ``edit_plan``);
members too write what happens in them (schedule or move an occurrence, its agenda, attendees
and minutes: ``record_meetings``), since the person taking the minutes is rarely the manager.

Occurrences are rows only where something was recorded; the rest are the rule's instances,
computed. An occurrence that stands for an instance keeps it as ``recurrence_id``, so the
series' invitation and the occurrence's update one calendar event between them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import error
from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.ical import instances, rrule_problem
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Id, Spec
from plansmith.services.access import Action, require
from plansmith.services.audit import record_changes
from plansmith.services.items import check_version
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.plans import now

KINDS = ("stand-up", "weekly", "steering-committee", "other")
EMAIL = re.compile(r"^[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\"]+$")
MINUTE = timedelta(minutes=1)


def _local(value: datetime) -> datetime:
    """A wall-clock time in the project's zone: seconds dropped, and an offset refused (the
    zone is the project's, not the sender's)."""
    if value.tzinfo is not None:
        raise ValueError("give the local time without an offset: the project's time zone applies")
    return value.replace(second=0, microsecond=0)


def _emails(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        text = value.strip()
        if not EMAIL.match(text) or len(text) > 320:
            raise ValueError(f"'{value}' is not an e-mail address")
        if text.lower() not in {o.lower() for o in out}:
            out.append(text)
    return out


class SeriesIn(Spec):
    id: Id
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["stand-up", "weekly", "steering-committee", "other"] = "other"
    rrule: str = Field("", max_length=500)
    start: datetime
    duration: int = Field(30, ge=5, le=24 * 60, description="minutes")
    location: str = Field("", max_length=300)
    agenda_template: str = Field("", max_length=20_000)
    attendees: list[str] = Field(default_factory=list, max_length=200)

    _start = field_validator("start")(_local)
    _attendees = field_validator("attendees")(_emails)

    @field_validator("rrule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return value.strip().removeprefix("RRULE:").strip()


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
        return _local(value) if value is not None else None

    @field_validator("attendees")
    @classmethod
    def _attendees(cls, value: list[str] | None) -> list[str] | None:
        return _emails(value) if value is not None else None


def validated(schema: type[Spec], document: dict[str, Any], what: str) -> Any:
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        diagnostics = pydantic_diagnostics(exc)
        raise Invalid(
            f"the {what} is not valid: {diagnostics[0].message}", diagnostics=diagnostics
        ) from None


def _check_rule(item: SeriesIn) -> None:
    if item.rrule:
        problem = rrule_problem(item.rrule, item.start)
        if problem is not None:
            message = f"'{item.rrule}' is not a recurrence rule: {problem}"
            raise Invalid(
                message,
                code="invalid_rrule",
                diagnostics=[error("invalid_rrule", message, None, ("rrule",))],
            )


# Attendees ----------------------------------------------------------------------------------


def _invitees(session: Session, series: m.MeetingSeries, occurrence_id: int | None) -> list[str]:
    rows = session.scalars(
        select(m.MeetingAttendee.email)
        .where(
            m.MeetingAttendee.series_id == series.id,
            m.MeetingAttendee.occurrence_id.is_(None)
            if occurrence_id is None
            else m.MeetingAttendee.occurrence_id == occurrence_id,
        )
        .order_by(m.MeetingAttendee.id)
    )
    return list(rows)


def _set_invitees(
    session: Session, series: m.MeetingSeries, occurrence_id: int | None, emails: list[str]
) -> None:
    """Replace the invitees; an address of an account is linked to it, so the person's own
    feed shows the meeting."""
    scope = m.MeetingAttendee.series_id == series.id
    which = (
        m.MeetingAttendee.occurrence_id.is_(None)
        if occurrence_id is None
        else m.MeetingAttendee.occurrence_id == occurrence_id
    )
    session.execute(delete(m.MeetingAttendee).where(scope, which))
    lowered = [e.lower() for e in emails]
    users = {
        email.lower(): uid
        for uid, email in session.execute(select(t.User.id, t.User.email)).all()
        if email.lower() in lowered
    }
    for email in emails:
        session.add(
            m.MeetingAttendee(
                series_id=series.id,
                occurrence_id=occurrence_id,
                user_id=users.get(email.lower()),
                email=email,
            )
        )


# Series -------------------------------------------------------------------------------------


def series_named(session: Session, project: t.Project, key: str) -> m.MeetingSeries:
    row = session.scalar(
        select(m.MeetingSeries).where(
            m.MeetingSeries.project_id == project.id, m.MeetingSeries.key == key
        )
    )
    if row is None:
        raise NotFound(f"no meeting '{key}' here")
    return row


def series_document(session: Session, row: m.MeetingSeries) -> dict[str, Any]:
    organizer = session.get(t.User, row.organizer_id) if row.organizer_id else None
    return {
        "id": row.key,
        "title": row.title,
        "kind": row.kind,
        "rrule": row.rrule,
        "start": row.first_start.isoformat(timespec="minutes"),
        "duration": row.duration_minutes,
        "location": row.location,
        "agenda_template": row.agenda_template,
        "organizer": organizer.email if organizer is not None else None,
        "attendees": _invitees(session, row, None),
    }


def list_series(session: Session, user: t.User, project: t.Project) -> list[dict[str, Any]]:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    rows = session.scalars(
        select(m.MeetingSeries)
        .where(m.MeetingSeries.project_id == project.id)
        .order_by(m.MeetingSeries.key)
    )
    return [{**series_document(session, row), "version": row.version} for row in rows]


def get_series(
    session: Session, user: t.User, project: t.Project, key: str
) -> tuple[m.MeetingSeries, dict[str, Any]]:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    row = series_named(session, project, key)
    return row, series_document(session, row)


def _write_series(session: Session, row: m.MeetingSeries, item: SeriesIn) -> None:
    _check_rule(item)
    row.key, row.title, row.kind, row.rrule = item.id, item.title, item.kind, item.rrule
    row.first_start, row.duration_minutes = item.start, item.duration
    row.location, row.agenda_template = item.location, item.agenda_template


def create_series(
    session: Session, user: t.User, project: t.Project, body: dict[str, Any]
) -> m.MeetingSeries:
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    item: SeriesIn = validated(SeriesIn, body, "meeting")
    if session.scalar(
        select(m.MeetingSeries.id).where(
            m.MeetingSeries.project_id == project.id, m.MeetingSeries.key == item.id
        )
    ):
        raise Conflict(f"there is already a meeting '{item.id}' here", code="duplicate_id")
    row = m.MeetingSeries(project_id=project.id, organizer_id=user.id, created_at=now())
    _write_series(session, row, item)
    session.add(row)
    session.flush()
    _set_invitees(session, row, None, item.attendees)
    session.flush()
    document = series_document(session, row)
    record_changes(session, user, project, "meeting", row.id, row.key, {}, document)
    return row


def update_series(
    session: Session,
    user: t.User,
    project: t.Project,
    key: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> m.MeetingSeries:
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row = series_named(session, project, key)
    check_version(row, if_match)
    before = series_document(session, row)
    fixed = {"organizer", "version"}
    item: SeriesIn = validated(
        SeriesIn, {k: v for k, v in {**before, **patch}.items() if k not in fixed}, "meeting"
    )
    if item.id != row.key:
        raise Invalid("a meeting's id cannot change; create a new one", code="id_immutable")
    _write_series(session, row, item)
    if "attendees" in patch:
        _set_invitees(session, row, None, item.attendees)
    session.flush()
    after = series_document(session, row)
    record_changes(session, user, project, "meeting", row.id, row.key, before, after)
    return row


def delete_series(
    session: Session, user: t.User, project: t.Project, key: str, if_match: int | None
) -> None:
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row = series_named(session, project, key)
    check_version(row, if_match)
    before = series_document(session, row)
    session.delete(row)
    session.flush()
    record_changes(session, user, project, "meeting", row.id, row.key, before, {})


# Occurrences --------------------------------------------------------------------------------


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
        "attendees": _invitees(session, series, row.id),
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
    attendees = item.attendees if item.attendees is not None else _invitees(session, series, None)
    _set_invitees(session, series, row.id, attendees)
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
        _set_invitees(session, series, row.id, item.attendees)
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
