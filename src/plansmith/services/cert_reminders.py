"""Certification reminders: which are due today, and to whom; queued once.

A certification in a project's plan (docs/team.md) is reminded of by e-mail on each of the
plan's ``team_rules.certification_reminders`` days before it expires (60, 30 and 7 by default):
to its holder, the pool resource's ``email``, and with ``remind_managers`` (the default) to the
project's owners and managers, who have to find the time and the money for the renewal.

A reminder is a row of the delivery log (:class:`~plansmith.storage.tables_comms.Delivery`)
with a ``reminder_key`` naming the certification, its expiry date and the threshold. The unique
index over (project, key, address) makes queueing idempotent: every run of the job, in any
number of processes, may try to queue the same reminder, and the database keeps one
(``INSERT ... ON CONFLICT DO NOTHING``). A renewed certification (a new expiry date) has new
keys, so its next expiry is reminded of again. Sending, with the claims and retries of report
deliveries, is :mod:`plansmith.services.reminder_mail`.

The job runs every minute, so a project's plan is read again only when the day or the plan
changed since it was last looked at (:class:`~plansmith.storage.tables_comms.ReminderScan`).
Certifications are read from the stored document (the ``spec``), not the scheduled plan:
reminders need no schedule, and scheduling every plan every minute would be a waste.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from plansmith.analytics.team_checks import reminder_threshold
from plansmith.io.team_schema import CertificationSpec, TeamRulesSpec, TeamSections
from plansmith.services.access import Role
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.tables_comms import Delivery, ReminderOptOut, ReminderScan

MANAGING = (Role.OWNER.value, Role.MANAGER.value)


@dataclass(frozen=True)
class ReminderKey:
    """What a reminder is about, as the delivery row's ``reminder_key`` spells it."""

    resource: str
    expires: date
    days: int
    name: str  # last: a certification's name may hold the separator

    def text(self) -> str:
        return f"{self.resource}|{self.expires.isoformat()}|{self.days}|{self.name}"

    @classmethod
    def parse(cls, text: str) -> ReminderKey:
        resource, expires, days, name = text.split("|", 3)
        return cls(resource, date.fromisoformat(expires), int(days), name)


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def team_rules(spec: dict[str, Any]) -> tuple[list[CertificationSpec], TeamRulesSpec]:
    """The certifications and rules of a stored project document (both are checked when
    written, so a document that no longer validates has none: it cannot be mis-read)."""
    present = {k: spec[k] for k in ("certifications", "team_rules") if spec.get(k) is not None}
    try:
        sections = TeamSections.model_validate(present)
    except ValidationError:
        return [], TeamRulesSpec()
    return sections.certifications, sections.team_rules or TeamRulesSpec()


def holder(session: Session, resource: str) -> Person:
    """The pool resource holding a certification (``email`` empty when it has none)."""
    row = session.scalar(select(t.Resource).where(t.Resource.key == resource))
    if row is None:
        return Person(resource, "")
    email = row.spec.get("email")
    return Person(row.name or row.key, email.strip() if isinstance(email, str) else "")


def managers(session: Session, project_id: int) -> list[Person]:
    """The project's owners and managers with active accounts, in a stable order."""
    rows = session.execute(
        select(t.User.name, t.User.email)
        .join(t.Membership, t.Membership.user_id == t.User.id)
        .where(
            t.Membership.project_id == project_id,
            t.Membership.role.in_(MANAGING),
            t.User.active,
        )
        .order_by(t.User.email)
    ).all()
    return [Person(name or email, email) for name, email in rows]


def recipients(
    session: Session, project_id: int, cert: CertificationSpec, rules: TeamRulesSpec
) -> list[Person]:
    """The holder first, then owners and managers; each address once, and none that asked
    for no more reminders of this project."""
    opted_out = {
        e.casefold()
        for e in session.scalars(
            select(ReminderOptOut.email).where(ReminderOptOut.project_id == project_id)
        )
    }
    people = [holder(session, cert.resource)]
    if rules.remind_managers:
        people += managers(session, project_id)
    out: list[Person] = []
    seen = set(opted_out)
    for person in people:
        if person.email and person.email.casefold() not in seen:
            seen.add(person.email.casefold())
            out.append(person)
    return out


def due_reminders(
    session: Session, project: t.Project, today: date
) -> list[tuple[ReminderKey, Person]]:
    """Every (reminder, recipient) due today in ``project``; queued or not yet."""
    certifications, rules = team_rules(project.spec)
    out = []
    for cert in certifications:
        if cert.expires is None:
            continue
        days = reminder_threshold(cert.expires, today, rules.certification_reminders)
        if days is None:
            continue
        key = ReminderKey(cert.resource, cert.expires, days, cert.name)
        out += [(key, person) for person in recipients(session, project.id, cert, rules)]
    return out


def title_of(key: ReminderKey) -> str:
    return f"Certification reminder: {key.name} ({key.resource}) expires {key.expires}"[:200]


def _ignore_duplicates(session: Session, table: Any, values: dict[str, Any]) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).values(values).on_conflict_do_nothing()
    return sqlite.insert(table).values(values).on_conflict_do_nothing()


def _queue(session: Session, project: t.Project, today: date, moment: datetime) -> int:
    added = 0
    for key, person in due_reminders(session, project, today):
        values = {
            "project_id": project.id,
            "entry_id": None,
            "stakeholder_id": None,
            "email": person.email,
            "name": person.name[:200],
            "title": title_of(key),
            "due_at": moment,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": moment,
            "last_error": "",
            "created_at": moment,
            "reminder_key": key.text(),
        }
        inserted = session.execute(
            _ignore_duplicates(session, Delivery, values).returning(Delivery.id)
        ).all()
        added += len(inserted)  # 0: queued before, by this process or another
    scan = {"project_id": project.id, "day": today, "plan_revision": project.plan_revision}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ReminderScan).values(scan)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReminderScan.project_id],
            set_={"day": today, "plan_revision": project.plan_revision},
        )
    )
    return added


def stale_projects(session: Session, today: date) -> list[int]:
    """Projects not looked at today, or changed since."""
    return list(
        session.scalars(
            select(t.Project.id)
            .outerjoin(ReminderScan, ReminderScan.project_id == t.Project.id)
            .where(
                or_(
                    ReminderScan.project_id.is_(None),
                    ReminderScan.day != today,
                    ReminderScan.plan_revision != t.Project.plan_revision,
                )
            )
            .order_by(t.Project.id)
        )
    )


def queue_reminders(database: Database, moment: datetime) -> int:
    """Queue every reminder due on ``moment``'s day (UTC) that is not queued yet; how many
    were added. A project whose plan is read here and found unchanged is not read again
    until tomorrow."""
    today = moment.date()
    with database.transaction(write=False) as session:
        stale = stale_projects(session, today)
    if not stale:
        return 0
    added = 0
    with database.transaction() as session:
        for project_id in stale:
            project = session.get(t.Project, project_id)
            if project is not None:
                added += _queue(session, project, today, moment)
    return added
