"""The delivery log, "send now", and unsubscribing through the link in a report e-mail.

The log is read with ``read_plan`` (it names people and addresses, like the register);
sending an entry now is a change to the plan's communication, so ``edit_plan``. Unsubscribing
needs no account: the link's token is the proof, so it is stored only as a hash, expires, and
removes exactly one recipient from exactly one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from plansmith.errors import Invalid, NotFound
from plansmith.services.access import Action
from plansmith.services.audit import record_changes
from plansmith.services.comms_plan import entry_row, recipient_ids
from plansmith.services.deliveries import (
    add_deliveries,
    claimable,
    due_entries,
    token_hash,
)
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.plans import now
from plansmith.storage.tables_comms import (
    CommunicationEntry,
    CommunicationRecipient,
    Delivery,
    ReminderOptOut,
    ReminderToken,
    Stakeholder,
    UnsubscribeToken,
)

REMINDERS_TITLE = "Certification reminders"
INVALID_LINK = (
    "this unsubscribe link is unknown or has expired; ask the project's manager to take you "
    "off the communication plan"
)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def delivery_document(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": "report" if row.reminder_key is None else "certification_reminder",
        "entry": row.entry_id,
        "title": row.title,
        "stakeholder": row.stakeholder_id,
        "name": row.name,
        "email": row.email,
        "due_at": row.due_at.isoformat(),
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": _moment(row.next_attempt_at) if row.status == "pending" else None,
        "last_error": row.last_error,
        "sent_at": _moment(row.sent_at),
    }


def list_deliveries(
    session: Session,
    user: t.User,
    key: str,
    *,
    entry_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Newest occurrence first; with ``entry_id``, one plan entry's."""
    project = find_project(session, user, key, Action.READ_PLAN)
    where = [Delivery.project_id == project.id]
    if entry_id is not None:
        where.append(Delivery.entry_id == entry_id)
    total = session.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0
    rows = session.scalars(
        select(Delivery)
        .where(*where)
        .order_by(Delivery.due_at.desc(), Delivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [delivery_document(row) for row in rows], total


def send_now(session: Session, user: t.User, key: str, entry_id: int) -> list[dict[str, Any]]:
    """Queue the entry's report for every recipient at once, off its cadence (which it does
    not move); the delivery job sends them on its next run."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    entry = entry_row(session, project, entry_id)
    moment = now()
    rows = add_deliveries(session, entry, moment, moment)
    if not rows:
        raise Invalid(
            f"'{entry.title}' has no recipient with an e-mail address to send to",
            code="no_recipients",
        )
    record_changes(
        session,
        user,
        project,
        "communication",
        entry.id,
        entry.title,
        {"sent": None},
        {"sent": moment.isoformat()},
    )
    return [delivery_document(row) for row in rows]


@dataclass(frozen=True)
class Unsubscribed:
    name: str
    title: str
    project: str
    already: bool  # the link had been used before: nothing changed this time


def _token_row(session: Session, token: str) -> UnsubscribeToken:
    row = session.scalar(
        select(UnsubscribeToken).where(UnsubscribeToken.token_hash == token_hash(token))
    )
    if row is None or row.expires_at <= now():
        raise NotFound(INVALID_LINK, code="invalid_unsubscribe_link")
    return row


def describe_token(session: Session, token: str) -> Unsubscribed:
    """What the link would do, for the page that asks to confirm (a mail scanner following
    the link must not unsubscribe anyone: only the confirming POST does)."""
    reminder = _reminder_token(session, token)
    if reminder is not None:
        return _reminders_described(session, reminder, already=reminder.used_at is not None)
    row = _token_row(session, token)
    return _described(session, row, already=row.used_at is not None)


def _described(session: Session, row: UnsubscribeToken, *, already: bool) -> Unsubscribed:
    entry = session.get(CommunicationEntry, row.entry_id)
    person = session.get(Stakeholder, row.stakeholder_id)
    assert entry is not None
    assert person is not None
    project = session.get(t.Project, entry.project_id)
    assert project is not None
    return Unsubscribed(person.name, entry.title, project.name, already)


def unsubscribe(session: Session, token: str) -> Unsubscribed:
    """Take the link's recipient off the link's entry, with what was still waiting for them;
    using the link again changes nothing and says so. A certification reminder's link stops
    that project's reminders to that address."""
    reminder = _reminder_token(session, token)
    if reminder is not None:
        return _reminders_unsubscribed(session, reminder)
    row = _token_row(session, token)
    if row.used_at is not None:
        return _described(session, row, already=True)
    row.used_at = now()
    session.execute(
        delete(CommunicationRecipient).where(
            CommunicationRecipient.entry_id == row.entry_id,
            CommunicationRecipient.stakeholder_id == row.stakeholder_id,
        )
    )
    session.execute(
        delete(Delivery).where(
            Delivery.entry_id == row.entry_id,
            Delivery.stakeholder_id == row.stakeholder_id,
            Delivery.status == "pending",
        )
    )
    described = _described(session, row, already=False)
    entry = session.get(CommunicationEntry, row.entry_id)
    assert entry is not None
    project = session.get(t.Project, entry.project_id)
    record_changes(
        session,
        None,
        project,
        "communication",
        entry.id,
        entry.title,
        {"unsubscribed": None},
        {"unsubscribed": described.name},
    )
    session.flush()
    return described


def _reminder_token(session: Session, token: str) -> ReminderToken | None:
    """A certification reminder's link (None: not one; NotFound: one, expired)."""
    row = session.scalar(select(ReminderToken).where(ReminderToken.token_hash == token_hash(token)))
    if row is not None and row.expires_at <= now():
        raise NotFound(INVALID_LINK, code="invalid_unsubscribe_link")
    return row


def _reminders_described(session: Session, row: ReminderToken, *, already: bool) -> Unsubscribed:
    project = session.get(t.Project, row.project_id)
    assert project is not None
    return Unsubscribed(row.name or row.email, REMINDERS_TITLE, project.name, already)


def _reminders_unsubscribed(session: Session, row: ReminderToken) -> Unsubscribed:
    if row.used_at is not None:
        return _reminders_described(session, row, already=True)
    row.used_at = now()
    known = session.scalar(
        select(ReminderOptOut.id).where(
            ReminderOptOut.project_id == row.project_id, ReminderOptOut.email == row.email
        )
    )
    if known is None:
        session.add(ReminderOptOut(project_id=row.project_id, email=row.email, created_at=now()))
    session.execute(
        delete(Delivery).where(
            Delivery.project_id == row.project_id,
            Delivery.reminder_key.is_not(None),
            Delivery.email == row.email,
            Delivery.status == "pending",
        )
    )
    project = session.get(t.Project, row.project_id)
    assert project is not None
    record_changes(
        session,
        None,
        project,
        "reminders",
        project.id,
        row.email,
        {"unsubscribed": None},
        {"unsubscribed": row.name or row.email},
    )
    session.flush()
    return _reminders_described(session, row, already=False)


def due_now(database: Database, moment: datetime | None = None) -> Sequence[str]:
    """What a run would do now, changing nothing (``plansmith deliver --dry-run``)."""
    moment = moment or now()
    lines = []
    with database.transaction(write=False) as session:
        for item in due_entries(session, moment):
            if item.due is None:
                continue
            entry = session.get(CommunicationEntry, item.entry_id)
            assert entry is not None
            ids = recipient_ids(session, entry.id)
            people = session.scalars(select(Stakeholder).where(Stakeholder.id.in_(ids))).all()
            names = ", ".join(p.email for p in people if p.email) or "no recipient"
            lines.append(f"due {item.due:%Y-%m-%d %H:%M} '{entry.title}' to {names}")
        waiting = session.scalars(
            select(Delivery)
            .where(or_(claimable(moment), claimable(moment, Delivery.reminder_key)))
            .order_by(Delivery.id)
        ).all()
        lines += [
            f"waiting '{d.title}' to {d.email} (attempt {d.attempts + 1})"
            + (f", last error: {d.last_error}" if d.last_error else "")
            for d in waiting
        ]
    return lines
