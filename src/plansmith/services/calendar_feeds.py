"""Private calendar feeds: a project's (its milestones, deadlines, meetings, and its systems'
maintenance windows and updates) or a person's (the milestones and deadlines of the projects
they may read, the meetings they are invited to, their vacations as a resource, and the
maintenance windows of the systems they own), at a URL whose secret token is the only
credential.

Calendar programs fetch a feed without signing in, so the URL is the key: only its SHA-256 is
stored (a database leak reveals no working URL), it expires, and its owner can revoke it. A
feed shows only what its owner may still read at the moment it is fetched, so taking away
someone's role empties their feeds at once; a feed that is unknown, revoked or expired, or
whose owner is deactivated, is simply not found, with no hint which.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.model import Project as PlanProject
from plansmith.errors import NotFound, ServiceError
from plansmith.io.ical import CalendarEvent, calendar_bytes
from plansmith.io.schema_types import Spec
from plansmith.scheduling.result import ScheduleResult
from plansmith.services import plan_cache
from plansmith.services.access import ALLOWED, Action, require, role_on
from plansmith.services.inventory_feed import maintenance_events
from plansmith.services.meeting_ics import (
    meeting_events,
    meetings_of,
    project_meetings,
    uid,
)
from plansmith.services.meetings import validated
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.plans import now

NOT_FOUND = "no such calendar feed"
MAX_DAYS = 5 * 366


class FeedIn(Spec):
    project: str | None = Field(None, description="a project's key; none: your own feed")
    name: str = Field("", max_length=200)
    days: int = Field(365, ge=1, le=MAX_DAYS)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_document(session: Session, row: m.CalendarFeed) -> dict[str, Any]:
    project = (
        session.scalar(select(t.Project.key).where(t.Project.id == row.project_id))
        if row.project_id
        else None
    )
    return {
        "id": row.id,
        "name": row.name,
        "project": project,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def create_feed(session: Session, user: t.User, body: dict[str, Any]) -> tuple[m.CalendarFeed, str]:
    """A new feed and its token (shown this once). A project's feed needs ``read_plan`` on it."""
    item: FeedIn = validated(FeedIn, body, "calendar feed")
    project_id = None
    if item.project:
        project_id = find_project(session, user, item.project, Action.READ_PLAN).id
    token = secrets.token_urlsafe(32)
    stamp = now()
    row = m.CalendarFeed(
        user_id=user.id,
        project_id=project_id,
        name=item.name or (f"{item.project} calendar" if item.project else "My calendar"),
        token_hash=_hash(token),
        created_at=stamp,
        expires_at=stamp + timedelta(days=item.days),
    )
    session.add(row)
    session.flush()
    return row, token


def list_feeds(
    session: Session, user: t.User, project: t.Project | None = None
) -> list[dict[str, Any]]:
    """The caller's own feeds (of one project, when given), newest first."""
    query = select(m.CalendarFeed).where(m.CalendarFeed.user_id == user.id)
    if project is not None:
        query = query.where(m.CalendarFeed.project_id == project.id)
    rows = session.scalars(query.order_by(m.CalendarFeed.id.desc()))
    return [feed_document(session, row) for row in rows]


def revoke_feed(session: Session, user: t.User, feed_id: int) -> None:
    """Revoke one of the caller's feeds; another user's feed is not found."""
    row = session.get(m.CalendarFeed, feed_id) if 0 < feed_id < 2**63 else None
    if row is None or row.user_id != user.id:
        raise NotFound(f"you have no calendar feed {feed_id}")
    if row.revoked_at is None:
        row.revoked_at = now()
        session.flush()


def _resolve(session: Session, token: str) -> tuple[m.CalendarFeed, t.User]:
    row = session.scalar(select(m.CalendarFeed).where(m.CalendarFeed.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now():
        raise NotFound(NOT_FOUND)
    user = session.get(t.User, row.user_id)
    if user is None or not user.active:
        raise NotFound(NOT_FOUND)
    return row, user


def feed_calendar(session: Session, token: str) -> bytes:
    """The feed's calendar as it stands now; :class:`NotFound` for any token that is not a
    live feed of someone who may still read it."""
    row, user = _resolve(session, token)
    if row.project_id is not None:
        project = session.get(t.Project, row.project_id)
        if project is None:
            raise NotFound(NOT_FOUND)
        try:
            require(session, user, project.id, Action.READ_PLAN, exists=True)
        except ServiceError as exc:  # a refusal of any kind hides the feed
            raise NotFound(NOT_FOUND) from exc
        events = _plan_events(session, project)
        events += meeting_events(session, project, project_meetings(session, project))
        events += maintenance_events(session, project)  # the systems' windows and updates
        return calendar_bytes(events, name=f"{project.name} (Plansmith)")
    events = []
    for project in session.scalars(select(t.Project).order_by(t.Project.key)):
        role = role_on(session, user, project.id)
        if role is None or Action.READ_PLAN not in ALLOWED[role]:
            continue
        events += _plan_events(session, project, vacations_of=user.email)
        events += meeting_events(session, project, meetings_of(session, project, user))
        events += maintenance_events(session, project, owned_by=user.email)
    return calendar_bytes(_unique(events), name=f"{user.name or user.email} (Plansmith)")


def _unique(events: list[CalendarEvent]) -> list[CalendarEvent]:
    """One vacation is on every plan its resource works on: keep it once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for event in events:
        ident = (event.uid, str(event.recurrence_id))
        if ident not in seen:
            seen.add(ident)
            out.append(event)
    return out


# The plan's dates ----------------------------------------------------------------------------


def _day_of(moment: datetime) -> date:
    """The calendar day of a finish: one at midnight is the end of the day before."""
    if moment.hour == 0 and moment.minute == 0:
        return moment.date() - timedelta(days=1)
    return moment.date()


def _all_day(project: t.Project, what: str, ident: str, summary: str, day: date) -> CalendarEvent:
    return CalendarEvent(
        uid=uid(project, what, ident),
        summary=summary,
        start=day,
        end=day + timedelta(days=1),
        stamp=now(),
        categories=(what,),
        description=f"{project.name} ({project.key})",
    )


def _plan_events(
    session: Session, project: t.Project, vacations_of: str | None = None
) -> list[CalendarEvent]:
    """Milestones (on their scheduled day) and deadlines of the project's plan; with
    ``vacations_of``, the vacations of the team's resources that carry that e-mail. A plan
    with errors has no schedule, so only its deadlines and vacations are shown."""
    outcome = plan_cache.scheduled(session, project).outcome
    plan = outcome.project
    if plan is None:
        return []
    events = []
    schedule = outcome.result if outcome.ok else None
    if schedule is not None:
        events += _milestones(project, plan, schedule)
    for task in plan.tasks:
        if task.deadline is not None:
            day = _day_of(task.deadline)
            events.append(_all_day(project, "deadline", task.id, f"Deadline: {task.name}", day))
    if vacations_of:
        mine = vacations_of.strip().lower()
        for resource in plan.resources:
            if (resource.email or "").strip().lower() != mine:
                continue
            for spell in resource.vacations:
                events.append(
                    CalendarEvent(
                        uid=f"plansmith-vacation-{resource.id}-{spell.first}@plansmith",
                        summary=f"Vacation{': ' + spell.name if spell.name else ''}",
                        start=spell.first,
                        end=spell.last + timedelta(days=1),
                        stamp=now(),
                        categories=("vacation",),
                    )
                )
    return events


def _milestones(
    project: t.Project, plan: PlanProject, schedule: ScheduleResult
) -> list[CalendarEvent]:
    return [
        _all_day(
            project,
            "milestone",
            task.id,
            f"Milestone: {task.name}",
            _day_of(schedule.at(placed.finish)),
        )
        for task, placed in zip(plan.tasks, schedule.tasks, strict=True)
        if placed.milestone
    ]
