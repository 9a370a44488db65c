"""Sending the certification reminders :mod:`.cert_reminders` queued, and the job that runs
both kinds of delivery.

Reminders go through the report deliveries' machinery, step for step: a claim is one atomic
``UPDATE ... WHERE status = 'pending'`` that only one process wins (a lapsed claim is taken
again), no lock is held while the SMTP server answers, and the outcome is recorded by
:func:`~plansmith.services.deliveries.record_outcome` (sent; pending again after a doubling
back-off; failed after a permanent refusal or the last attempt). Each e-mail carries an
unsubscribe link of its own that stops this project's reminders to that address.

The text is written when the e-mail is sent, from the plan as it stands then: a certification
renewed or removed since its reminder was queued is not reminded of (the delivery fails for
good with that reason) rather than nagging someone about a date that no longer holds.
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from plansmith.config import MailSettings, Settings
from plansmith.reports.email import EmailBody
from plansmith.services.cert_reminders import ReminderKey, holder, queue_reminders, team_rules
from plansmith.services.deliveries import (
    TOKEN_DAYS,
    RunSummary,
    claim_rows,
    record_outcome,
    run_deliveries,
    token_hash,
)
from plansmith.services.mailer import SendFailed, notice_message, send
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.plans import now as utc_now
from plansmith.storage.tables_comms import Delivery, ReminderToken

log = logging.getLogger("plansmith.deliveries")


def run_job(database: Database, settings: Settings, moment: datetime | None = None) -> RunSummary:
    """One run of the delivery job (every minute in the scheduler, once in ``plansmith
    deliver``): the communication plans' reports, then the certification reminders. Without
    SMTP settings both are queued and nothing is sent."""
    fixed = moment

    def clock() -> datetime:  # a given moment stands still (tests)
        return fixed if fixed is not None else utc_now()

    summary = run_deliveries(database, settings, moment)
    summary.enqueued += queue_reminders(database, clock())
    if settings.mail is None:
        return summary
    for outcome, line in send_reminders(database, settings.mail, settings.public_url, clock):
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        summary.lines.append(line)
    return summary


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    project_id: int
    key: ReminderKey
    email: str
    name: str
    attempts: int
    token: str  # the unsubscribe link's, in this process's memory only


def _claim(session: Session, moment: datetime) -> list[_Claim]:
    claims = []
    for row in claim_rows(session, moment, Delivery.reminder_key):
        assert row.reminder_key is not None
        token = secrets.token_urlsafe(32)
        session.add(
            ReminderToken(
                token_hash=token_hash(token),
                project_id=row.project_id,
                email=row.email,
                name=row.name,
                created_at=moment,
                expires_at=moment + timedelta(days=TOKEN_DAYS),
            )
        )
        key = ReminderKey.parse(row.reminder_key)
        claims.append(_Claim(row.id, row.project_id, key, row.email, row.name, row.attempts, token))
    session.flush()
    return claims


def _body(session: Session, claim: _Claim, today: datetime, public_url: str) -> EmailBody:
    """The reminder's text, or :class:`SendFailed` when its certification is gone."""
    project = session.get(t.Project, claim.project_id)
    assert project is not None
    certifications, _ = team_rules(project.spec)
    key = claim.key
    if not any(
        (c.resource, c.name, c.expires) == (key.resource, key.name, key.expires)
        for c in certifications
    ):
        raise SendFailed(
            "the certification was renewed or removed from the plan since this reminder was queued",
            permanent=True,
        )
    person = holder(session, key.resource)
    holder_name = person.name
    own = person.email.casefold() == claim.email.casefold()
    left = (key.expires - today.date()).days
    when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    whose = "Your certification" if own else f"{holder_name}'s certification"
    headline = f"{whose} “{key.name}” expires on {key.expires.isoformat()}, {when}."
    why = (
        "you hold this certification"
        if own
        else f"you are an owner or manager of the project {project.name}"
    )
    team_url = f"{public_url}/projects/{project.key}/team"
    unsubscribe_url = f"{public_url}/unsubscribe/{claim.token}"
    subject = f"Certification expiring: {key.name} ({holder_name}), {key.expires.isoformat()}"
    text = "\n".join(
        [
            headline,
            "",
            f"Project: {project.name}. Plan the renewal (a course, an exam, its cost) on the "
            f"project's Team page: {team_url}",
            "",
            f"You receive this reminder {key.days} days ahead because {why}.",
            f"No more certification reminders from this project: {unsubscribe_url}",
        ]
    )
    e = html.escape
    body_html = (
        f"<!doctype html><html><body><p><strong>{e(headline)}</strong></p>"
        f"<p>Project: {e(project.name)}. Plan the renewal (a course, an exam, its cost) on "
        f'the project\'s <a href="{e(team_url)}">Team page</a>.</p>'
        f"<p><small>You receive this reminder {key.days} days ahead because {e(why)}. "
        f'<a href="{e(unsubscribe_url)}">No more certification reminders from this '
        f"project</a>.</small></p></body></html>"
    )
    return EmailBody(subject, text + "\n", body_html)


def send_reminders(
    database: Database, mail: MailSettings, public_url: str, clock: Callable[[], datetime]
) -> list[tuple[str, str]]:
    """Claim, send and record the reminders due; (outcome, log line) for each."""
    with database.transaction() as session:
        claims = _claim(session, clock())
    out = []
    for claim in claims:
        failure: SendFailed | None = None
        try:
            with database.transaction(write=False) as session:
                body = _body(session, claim, clock(), public_url)
            one_click = f"{public_url}/api/v1/unsubscribe/{claim.token}"
            send(mail, notice_message(mail, claim.name, claim.email, body, one_click))
        except SendFailed as exc:
            failure = exc
        with database.transaction() as session:
            outcome = record_outcome(
                session, mail, claim.delivery_id, claim.attempts, failure, clock()
            )
        reason = f": {failure.reason}" if failure is not None else ""
        line = (
            f"{outcome} certification reminder '{claim.key.name}' ({claim.key.days} days) "
            f"to {claim.email} (attempt {claim.attempts}){reason}"
        )
        log.info("delivery %s %s", claim.delivery_id, line)
        out.append((outcome, line))
    return out
