"""The delivery job: send each due report of the communication plans, once.

One run (:func:`run_deliveries`) has four steps, each its own short transaction, so that no
database lock is held while a report renders or an SMTP server answers:

1. **Due entries** (read): active entries whose ``next_due`` has come, and milestone entries
   whose plan changed since their dates were read (the schedule is computed here, outside any
   write lock).
2. **Enqueue** (write): each due entry's ``next_due`` is moved on with a compare-and-set
   ``UPDATE ... WHERE next_due = <the value read>``; only the process whose UPDATE changed the
   row inserts that occurrence's deliveries, one per recipient, and the unique
   ``(entry, stakeholder, due_at)`` backs that up.
3. **Claim** (write): a delivery is taken with ``UPDATE ... WHERE id = ? AND status = 'pending'
   AND next_attempt_at <= now`` (or a lapsed claim): one UPDATE wins, whatever the number of
   processes. On PostgreSQL the loser's UPDATE waits for the winner's commit and then finds the
   row no longer pending; on SQLite writers queue (``BEGIN IMMEDIATE``). A claim lasts
   :data:`LEASE`; a process that dies mid-send leaves a claim that lapses, and the delivery is
   tried again (so a crash between the server's acceptance and the log's update can send a
   report twice: at least once, never in a loop).
4. **Send and record**: the report is rendered once per occurrence, each recipient gets an
   e-mail with an unsubscribe link of their own, and the outcome is logged: sent, or pending
   again after a back-off (``retry_seconds`` doubling per attempt) with the failure's reason,
   or failed for good after a permanent refusal or the last attempt.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Update, and_, or_, select, update
from sqlalchemy.orm import Session

from plansmith.analytics.cadence import Cadence, next_due
from plansmith.config import MailSettings, Settings
from plansmith.errors import ServiceError
from plansmith.reports.document import Report
from plansmith.reports.email import email_body
from plansmith.reports.render import MEDIA_TYPES, ReportFormat, file_name
from plansmith.services.comms_plan import ReportKind, milestone_moments, recipient_ids, rule_of
from plansmith.services.mailer import Attachment, SendFailed, report_message, send
from plansmith.services.reports import render_report, stored_portfolio_report, stored_status_report
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.plans import now as utc_now
from plansmith.storage.tables_comms import (
    CommunicationEntry,
    Delivery,
    Stakeholder,
    UnsubscribeToken,
)

log = logging.getLogger("plansmith.deliveries")

LEASE = timedelta(minutes=10)  # longer than rendering a large report and one SMTP exchange
BATCH = 200  # deliveries claimed per run; the rest wait for the next run
TOKEN_DAYS = 180


@dataclass
class RunSummary:
    enqueued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)  # one per delivery, for the CLI


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# 1 and 2: due entries, enqueued once ---------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    entry_id: int
    seen: datetime | None  # next_due as read (the compare-and-set's expected value)
    due: datetime | None  # the occurrence to enqueue now (None: only move next_due on)
    following: datetime | None
    revision: int | None


def due_entries(session: Session, moment: datetime) -> list[_Due]:
    stale = and_(
        CommunicationEntry.cadence == Cadence.MILESTONE.value,
        or_(
            CommunicationEntry.plan_revision.is_(None),
            CommunicationEntry.plan_revision != t.Project.plan_revision,
        ),
    )
    rows = session.execute(
        select(CommunicationEntry, t.Project)
        .join(t.Project, t.Project.id == CommunicationEntry.project_id)
        .where(
            CommunicationEntry.active,
            or_(CommunicationEntry.next_due <= moment, stale),
        )
        .order_by(CommunicationEntry.id)
    ).all()
    out = []
    for entry, project in rows:
        milestones: list[datetime] = []
        if entry.cadence == Cadence.MILESTONE:
            milestones = milestone_moments(session, project)
        since = entry.last_due or entry.created_at
        if entry.next_due is not None and entry.next_due <= moment:
            # Occurrences missed while no job ran collapse into this one: a report is made
            # from the plan as it is now, so three stale copies would say the same thing.
            due: datetime | None = entry.next_due
            following = next_due(rule_of(entry), max(entry.next_due, moment), milestones)
        elif entry.cadence == Cadence.MILESTONE:  # the plan changed: read its dates again
            due, following = None, next_due(rule_of(entry), since, milestones)
        else:
            continue
        revision = project.plan_revision if entry.cadence == Cadence.MILESTONE else None
        out.append(_Due(entry.id, entry.next_due, due, following, revision))
    return out


def _enqueue(session: Session, item: _Due, moment: datetime) -> int:
    """Move the entry on; when this process is the one that moved it, add the occurrence's
    deliveries. Returns how many were added."""
    expected: ColumnElement[bool] = (
        CommunicationEntry.next_due.is_(None)
        if item.seen is None
        else CommunicationEntry.next_due == item.seen
    )
    values: dict[str, object] = {"next_due": item.following}
    if item.revision is not None:
        values["plan_revision"] = item.revision
    if item.due is not None:
        values["last_due"] = item.due
        values["version"] = CommunicationEntry.version + 1
    moved = _changed(
        session,
        update(CommunicationEntry)
        .where(CommunicationEntry.id == item.entry_id, expected)
        .values(values),
    )
    if moved != 1 or item.due is None:
        return 0
    entry = session.get(CommunicationEntry, item.entry_id)
    assert entry is not None
    return len(add_deliveries(session, entry, item.due, moment))


def add_deliveries(
    session: Session, entry: CommunicationEntry, due: datetime, moment: datetime
) -> list[Delivery]:
    """One pending delivery per recipient with an address, for the occurrence ``due``."""
    ids = recipient_ids(session, entry.id)
    people = session.scalars(select(Stakeholder).where(Stakeholder.id.in_(ids))).all()
    rows = [
        Delivery(
            project_id=entry.project_id,
            entry_id=entry.id,
            stakeholder_id=person.id,
            email=person.email,
            name=person.name,
            title=entry.title,
            due_at=due,
            status="pending",
            attempts=0,
            next_attempt_at=moment,
            last_error="",
            created_at=moment,
        )
        for person in people
        if person.email
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _changed(session: Session, statement: Update) -> int:
    """Rows an UPDATE changed: the compare-and-set's answer (1: this process won)."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount)


# 3: claims ------------------------------------------------------------------------------------


def claimable(moment: datetime, kind: Any = Delivery.entry_id) -> ColumnElement[bool]:
    """Deliveries of a kind (by the column only that kind fills: a communication entry's, a
    certification reminder's key) that are due, or whose claim has run out."""
    return and_(
        kind.is_not(None),
        or_(
            and_(Delivery.status == "pending", Delivery.next_attempt_at <= moment),
            and_(Delivery.status == "sending", Delivery.claimed_until < moment),
        ),
    )


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    entry_id: int
    stakeholder_id: int | None
    due_at: datetime
    email: str
    name: str
    attempts: int
    token: str  # the unsubscribe link's, in this process's memory only


def claim_rows(session: Session, moment: datetime, kind: Any) -> Iterator[Delivery]:
    """Each due delivery of a kind (see :func:`claimable`) that this process wins: a
    compare-and-set on its status, so that several processes never send one twice."""
    candidates = session.scalars(
        select(Delivery.id).where(claimable(moment, kind)).order_by(Delivery.id).limit(BATCH)
    ).all()
    for delivery_id in candidates:
        taken = _changed(
            session,
            update(Delivery)
            .where(Delivery.id == delivery_id, claimable(moment, kind))
            .values(status="sending", claimed_until=moment + LEASE, attempts=Delivery.attempts + 1),
        )
        if taken != 1:
            continue  # another process took it first
        row = session.get(Delivery, delivery_id, populate_existing=True)
        assert row is not None
        yield row


def _claim(session: Session, moment: datetime) -> list[_Claim]:
    claims = []
    for row in claim_rows(session, moment, Delivery.entry_id):
        assert row.entry_id is not None
        token = secrets.token_urlsafe(32)
        if row.stakeholder_id is not None:
            session.add(
                UnsubscribeToken(
                    token_hash=token_hash(token),
                    entry_id=row.entry_id,
                    stakeholder_id=row.stakeholder_id,
                    created_at=moment,
                    expires_at=moment + timedelta(days=TOKEN_DAYS),
                )
            )
        claims.append(
            _Claim(
                row.id,
                row.entry_id,
                row.stakeholder_id,
                row.due_at,
                row.email,
                row.name,
                row.attempts,
                token,
            )
        )
    session.flush()
    return claims


# 4: render, send, record -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Rendered:
    title: str
    report: Report
    attachment: Attachment


def _render(session: Session, entry_id: int) -> _Rendered:
    entry = session.get(CommunicationEntry, entry_id)
    if entry is None:
        raise SendFailed("the communication plan entry was deleted", permanent=True)
    project = session.get(t.Project, entry.project_id)
    assert project is not None
    if entry.report == ReportKind.PORTFOLIO:
        keys = [project.key]
        if project.portfolio_id is not None:
            keys = list(
                session.scalars(
                    select(t.Project.key)
                    .where(t.Project.portfolio_id == project.portfolio_id)
                    .order_by(t.Project.key)
                )
            )
        report = stored_portfolio_report(session, keys)
    else:
        report = stored_status_report(session, project.key)
    fmt = ReportFormat(entry.format)
    data = render_report(report, fmt)
    attachment = Attachment(data, file_name(report, project.key, fmt), MEDIA_TYPES[fmt])
    return _Rendered(entry.title, report, attachment)


def _deliver(mail: MailSettings, public_url: str, claim: _Claim, rendered: _Rendered) -> None:
    page = f"{public_url}/unsubscribe/{claim.token}"
    one_click = f"{public_url}/api/v1/unsubscribe/{claim.token}"
    body = email_body(rendered.report, rendered.title, rendered.attachment.filename, page)
    message = report_message(mail, claim.name, claim.email, body, rendered.attachment, one_click)
    send(mail, message)


def record_outcome(
    session: Session,
    mail: MailSettings,
    delivery_id: int,
    attempts: int,
    failure: SendFailed | None,
    at: datetime,
) -> str:
    """The outcome in the log (only while this process still holds the claim); a report's
    and a certification reminder's alike."""
    mine = and_(Delivery.id == delivery_id, Delivery.status == "sending")
    if failure is None:
        values: dict[str, object] = {
            "status": "sent",
            "sent_at": at,
            "claimed_until": None,
            "last_error": "",
        }
        outcome = "sent"
    elif failure.permanent or attempts >= mail.attempts:
        values = {"status": "failed", "claimed_until": None, "last_error": failure.reason}
        outcome = "failed"
    else:
        wait = timedelta(seconds=mail.retry_seconds * 2 ** (attempts - 1))
        values = {
            "status": "pending",
            "claimed_until": None,
            "next_attempt_at": at + wait,
            "last_error": failure.reason,
        }
        outcome = "retrying"
    session.execute(
        update(Delivery).where(mine).values(values).execution_options(synchronize_session=False)
    )
    return outcome


def run_deliveries(
    database: Database, settings: Settings, moment: datetime | None = None
) -> RunSummary:
    """One run of the job (what the scheduler calls every minute, and ``plansmith deliver``).
    Without SMTP settings, occurrences are still enqueued but nothing is sent."""
    fixed = moment

    def clock() -> datetime:  # a given moment stands still (tests, a dry run's view)
        return fixed if fixed is not None else utc_now()

    moment = clock()
    summary = RunSummary()
    with database.transaction(write=False) as session:
        due = due_entries(session, moment)
    if due:
        with database.transaction() as session:
            summary.enqueued = sum(_enqueue(session, item, moment) for item in due)
    mail = settings.mail
    if mail is None:
        return summary
    with database.transaction() as session:
        claims = _claim(session, moment)
    rendered: dict[tuple[int, datetime], _Rendered | SendFailed] = {}
    for claim in claims:
        occurrence = (claim.entry_id, claim.due_at)
        if occurrence not in rendered:
            rendered[occurrence] = _rendered_or_failure(database, claim.entry_id)
        made = rendered[occurrence]
        failure = made if isinstance(made, SendFailed) else None
        if not isinstance(made, SendFailed):
            try:
                _deliver(mail, settings.public_url, claim, made)
            except SendFailed as exc:
                failure = exc
        with database.transaction() as session:
            outcome = record_outcome(
                session, mail, claim.delivery_id, claim.attempts, failure, clock()
            )
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        reason = f": {failure.reason}" if failure is not None else ""
        line = f"{outcome} '{_title(made)}' to {claim.email} (attempt {claim.attempts}){reason}"
        summary.lines.append(line)
        log.info("delivery %s %s", claim.delivery_id, line)
    return summary


def _rendered_or_failure(database: Database, entry_id: int) -> _Rendered | SendFailed:
    """A report that cannot be made now (the plan has errors, no PDF renderer) is a failure
    worth retrying: someone may fix the plan before the last attempt."""
    try:
        with database.transaction(write=False) as session:
            return _render(session, entry_id)
    except SendFailed as exc:
        return exc
    except ServiceError as exc:
        return SendFailed(f"{exc.code}: {exc.message}", permanent=False)


def _title(made: _Rendered | SendFailed) -> str:
    return made.title if isinstance(made, _Rendered) else "report"
