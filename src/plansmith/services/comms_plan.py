"""The communication plan: which stakeholders get which report, how often, in which format.

Each entry's ``next_due`` is kept in the database (computed by :mod:`plansmith.analytics.
cadence`), so the delivery job only has to ask "what is due now" and every process agrees.
Reading the plan needs ``read_plan``, changing it ``edit_plan`` (as for the register it draws
its recipients from).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plansmith.analytics.cadence import Cadence, CadenceRule, next_due
from plansmith.domain.diagnostics import error
from plansmith.errors import Invalid, NotFound
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Spec
from plansmith.reports.render import ReportFormat
from plansmith.services.access import Action
from plansmith.services.audit import record_changes
from plansmith.services.items import Item, check_version
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.storage.plans import now
from plansmith.storage.tables_comms import (
    CommunicationEntry,
    CommunicationRecipient,
    Delivery,
    Stakeholder,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS = ("title", "report", "format", "cadence", "weekday", "day", "hour", "starts", "active")


class ReportKind(StrEnum):
    STATUS = "status"  # the project's status report
    PORTFOLIO = "portfolio"  # the summary of every project in the project's portfolio


class EntryIn(Spec):
    title: str = Field("", min_length=1, max_length=200, validate_default=True)
    report: ReportKind = ReportKind.STATUS
    format: ReportFormat = ReportFormat.PDF
    cadence: Cadence = Cadence.WEEKLY
    weekday: str = Field("mon", description="mon to sun, for weekly and biweekly")
    day: int = Field(1, ge=1, le=31, description="of the month, for monthly")
    hour: int = Field(8, ge=0, le=23, description="hour of day, UTC")
    starts: date | None = Field(None, description="no report before this day (default: today)")
    active: bool = True
    recipients: list[int] = Field(default_factory=list, max_length=500)

    @field_validator("title")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("weekday")
    @classmethod
    def _a_weekday(cls, value: str) -> str:
        if value.strip().lower()[:3] not in WEEKDAYS:
            raise ValueError(f"'{value}' is not a weekday: write mon, tue, ... sun")
        return value.strip().lower()[:3]


def _validated(body: dict[str, Any]) -> EntryIn:
    try:
        return EntryIn.model_validate(body)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the communication plan entry is not valid: {problems[0].message}",
            diagnostics=problems,
        ) from None


def rule_of(entry: CommunicationEntry) -> CadenceRule:
    return CadenceRule(Cadence(entry.cadence), entry.anchor, entry.weekday, entry.day, entry.hour)


def recipient_ids(session: Session, entry_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CommunicationRecipient.stakeholder_id)
            .where(CommunicationRecipient.entry_id == entry_id)
            .order_by(CommunicationRecipient.stakeholder_id)
        )
    )


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def document(session: Session, entry: CommunicationEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "report": entry.report,
        "format": entry.format,
        "cadence": entry.cadence,
        "weekday": WEEKDAYS[entry.weekday],
        "day": entry.day,
        "hour": entry.hour,
        "starts": entry.anchor.isoformat(),
        "active": entry.active,
        "recipients": recipient_ids(session, entry.id),
        "next_due": _moment(entry.next_due),
        "last_due": _moment(entry.last_due),
    }


def milestone_moments(session: Session, project: t.Project) -> list[datetime]:
    """When each milestone of the stored plan finishes (schedule times read as UTC); none when
    the plan does not schedule."""
    from plansmith.services.plan_cache import scheduled

    result = scheduled(session, project).outcome.result
    if result is None or not result.ok:
        return []
    return [result.at(task.finish).replace(tzinfo=UTC) for task in result.tasks if task.milestone]


def schedule_next(
    session: Session, project: t.Project, entry: CommunicationEntry, after: datetime
) -> None:
    """Set ``next_due`` to the first occurrence after ``after`` (milestones read from the plan
    as it stands, with the revision they were read at)."""
    milestones: list[datetime] = []
    if entry.cadence == Cadence.MILESTONE:
        milestones = milestone_moments(session, project)
        entry.plan_revision = project.plan_revision
    entry.next_due = next_due(rule_of(entry), after, milestones) if entry.active else None


def _check_recipients(session: Session, project: t.Project, ids: list[int]) -> None:
    found = {
        row.id: row
        for row in session.scalars(
            select(Stakeholder).where(Stakeholder.project_id == project.id, Stakeholder.id.in_(ids))
        )
    }
    problems = []
    for index, stakeholder_id in enumerate(ids):
        row = found.get(stakeholder_id)
        if row is None:
            problems.append(
                error(
                    "unknown_stakeholder",
                    f"recipients[{index}]: there is no stakeholder {stakeholder_id} here",
                    None,
                    ("recipients", index),
                )
            )
        elif not row.email:
            problems.append(
                error(
                    "stakeholder_without_email",
                    f"recipients[{index}]: {row.name} has no e-mail address in the register",
                    None,
                    ("recipients", index),
                )
            )
    if problems:
        raise Invalid(problems[0].message, code=problems[0].code, diagnostics=problems)


def _apply(
    session: Session, project: t.Project, entry: CommunicationEntry, values: EntryIn
) -> None:
    recipients = list(dict.fromkeys(values.recipients))
    _check_recipients(session, project, recipients)
    entry.title = values.title
    entry.report = values.report.value
    entry.format = values.format.value
    entry.cadence = values.cadence.value
    entry.weekday = WEEKDAYS.index(values.weekday)
    entry.day = values.day
    entry.hour = values.hour
    entry.anchor = values.starts or entry.anchor
    entry.active = values.active
    session.flush()
    session.execute(
        delete(CommunicationRecipient).where(CommunicationRecipient.entry_id == entry.id)
    )
    session.add_all(CommunicationRecipient(entry_id=entry.id, stakeholder_id=s) for s in recipients)
    # The rule may have changed: the next occurrence from now, never one already sent.
    moment = now()
    after = max(moment, entry.last_due) if entry.last_due is not None else moment
    schedule_next(session, project, entry, after)
    session.flush()


def list_entries(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    project = find_project(session, user, key, Action.READ_PLAN)
    rows = session.scalars(
        select(CommunicationEntry)
        .where(CommunicationEntry.project_id == project.id)
        .order_by(CommunicationEntry.title, CommunicationEntry.id)
    )
    return [document(session, row) for row in rows]


def entry_row(session: Session, project: t.Project, entry_id: int) -> CommunicationEntry:
    row = session.scalar(
        select(CommunicationEntry).where(
            CommunicationEntry.id == entry_id, CommunicationEntry.project_id == project.id
        )
    )
    if row is None:
        raise NotFound(f"there is no communication plan entry {entry_id} in this project")
    return row


def get_entry(session: Session, user: t.User, key: str, entry_id: int) -> Item:
    project = find_project(session, user, key, Action.READ_PLAN)
    row = entry_row(session, project, entry_id)
    return Item(document(session, row), row.version)


def _audit(
    session: Session,
    user: t.User,
    project: t.Project,
    row: CommunicationEntry,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    record_changes(session, user, project, "communication", row.id, row.title, before, after)


def create_entry(session: Session, user: t.User, key: str, body: dict[str, Any]) -> Item:
    project = find_project(session, user, key, Action.EDIT_PLAN)
    values = _validated(body)
    entry = CommunicationEntry(
        project_id=project.id,
        title=values.title,
        anchor=values.starts or now().date(),
        created_at=now(),
    )
    session.add(entry)
    session.flush()
    _apply(session, project, entry, values)
    after = document(session, entry)
    _audit(session, user, project, entry, {}, after)
    return Item(after, entry.version)


def update_entry(
    session: Session,
    user: t.User,
    key: str,
    entry_id: int,
    patch: dict[str, Any],
    if_match: int | None,
) -> Item:
    project = find_project(session, user, key, Action.EDIT_PLAN)
    entry = entry_row(session, project, entry_id)
    check_version(entry, if_match)
    before = document(session, entry)
    current = {name: before[name] for name in (*FIELDS, "recipients")}
    _apply(session, project, entry, _validated({**current, **patch}))
    after = document(session, entry)
    _audit(session, user, project, entry, before, after)
    return Item(after, entry.version)


def delete_entry(
    session: Session, user: t.User, key: str, entry_id: int, if_match: int | None
) -> None:
    """Deliveries still waiting are dropped with it; those made stay in the log."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    entry = entry_row(session, project, entry_id)
    check_version(entry, if_match)
    _audit(session, user, project, entry, document(session, entry), {})
    session.execute(
        delete(Delivery).where(Delivery.entry_id == entry.id, Delivery.status == "pending")
    )
    session.delete(entry)
    session.flush()
