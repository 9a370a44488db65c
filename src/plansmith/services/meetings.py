"""A project's recurring meetings: series with their rule, their invitees, and the checks
their documents share with occurrences (services.meeting_occurrences).

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
from plansmith.io.ical import rrule_problem
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


def local(value: datetime) -> datetime:
    """A wall-clock time in the project's zone: seconds dropped, and an offset refused (the
    zone is the project's, not the sender's)."""
    if value.tzinfo is not None:
        raise ValueError("give the local time without an offset: the project's time zone applies")
    return value.replace(second=0, microsecond=0)


def emails(values: list[str]) -> list[str]:
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

    _start = field_validator("start")(local)
    _attendees = field_validator("attendees")(emails)

    @field_validator("rrule")
    @classmethod
    def _rule(cls, value: str) -> str:
        return value.strip().removeprefix("RRULE:").strip()


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


def invitees(session: Session, series: m.MeetingSeries, occurrence_id: int | None) -> list[str]:
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


def set_invitees(
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
        "attendees": invitees(session, row, None),
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
    set_invitees(session, row, None, item.attendees)
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
        set_invitees(session, row, None, item.attendees)
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
