"""The delivery job against a real SMTP server on loopback (aiosmtpd), on SQLite and
PostgreSQL: the right report to the right people, retries with the reason logged, permanent
refusals, unsubscribing, and two concurrent runs sending each e-mail once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.smtp_server import Inbox, loopback_settings, smtp_server
from tests.together import run_together

from plansmith.config import Settings
from plansmith.reports.pdf import weasyprint_problem
from plansmith.services import comms_plan, delivery_log, stakeholders
from plansmith.services.accounts import create_user
from plansmith.services.deliveries import run_deliveries
from plansmith.services.projects import import_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.tables_comms import CommunicationEntry, UnsubscribeToken

EXAMPLES = Path(__file__).parents[2] / "examples"
# Entries start on Monday 2027-05-10 at 08:00 UTC; the first run is a minute later.
FIRST = datetime(2027, 5, 10, 8, 0, tzinfo=UTC)
RUN = FIRST + timedelta(minutes=1)


@dataclass
class World:
    database: Database
    settings: Settings
    inbox: Inbox
    key: str
    admin: t.User
    people: dict[str, int]  # name -> stakeholder id

    def entry(self, recipients: list[str], **values: Any) -> int:
        body = {
            "title": "Weekly status to the steering group",
            "cadence": "weekly",
            "weekday": "mon",
            "hour": 8,
            "starts": "2027-05-10",
            "format": "pdf",
            "recipients": [self.people[name] for name in recipients],
            **values,
        }
        with self.database.transaction() as session:
            user = session.merge(self.admin)
            item = comms_plan.create_entry(session, user, self.key, body)
        return int(item.document["id"])

    def log(self) -> list[dict[str, Any]]:
        with self.database.transaction() as session:
            user = session.merge(self.admin)
            items, _ = delivery_log.list_deliveries(session, user, self.key)
        return items


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    with smtp_server() as (inbox, port):
        settings = loopback_settings(port, tmp_path, "plansmith@harrow-finch.example")
        text = (EXAMPLES / "erp-upgrade-tracking.yaml").read_text(encoding="utf-8")
        people = {}
        with database.transaction() as session:
            key = import_plan_text(session, text, "erp.yaml").key
            admin = create_user(
                session, "admin@example.com", "correct horse battery", is_admin=True
            )
            for name, email in (
                ("Ada Sponsor", "ada@harrow-finch.example"),
                ("Ben Controller", "ben@harrow-finch.example"),
                ("Cy Bystander", "cy@harrow-finch.example"),
            ):
                body = {"name": name, "email": email, "interest": 4, "influence": 5}
                item = stakeholders.create_stakeholder(session, admin, key, body)
                people[name.split()[0]] = int(item.document["id"])
        yield World(database, settings, inbox, key, admin, people)


def _pdf_text(message: Any) -> str:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().endswith(".pdf")
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.skipif(weasyprint_problem() is not None, reason=str(weasyprint_problem()))
def test_the_job_sends_the_report_to_its_recipients_and_logs_it(world: World) -> None:
    entry = world.entry(["Ada", "Ben"])
    summary = run_deliveries(world.database, world.settings, RUN)
    assert (summary.enqueued, summary.sent, summary.failed) == (2, 2, 0)
    assert sorted(world.inbox.recipients) == [
        "ada@harrow-finch.example",
        "ben@harrow-finch.example",
    ]
    assert world.inbox.to("cy@") == []
    message = world.inbox.to("ada@")[0]
    assert message["From"] == "plansmith@harrow-finch.example"
    assert "Status report" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "Health" not in html or "GREEN" in html
    assert "https://plansmith.example/unsubscribe/" in html
    assert message["List-Unsubscribe"].startswith("<https://plansmith.example/api/v1/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = _pdf_text(message)
    # The key figures of the report the API gives for the same plan.
    assert "ERP" in text
    assert "SPI" in text
    assert "CPI" in text
    assert "GREEN" in text
    log = world.log()
    assert {(d["email"], d["status"], d["attempts"]) for d in log} == {
        ("ada@harrow-finch.example", "sent", 1),
        ("ben@harrow-finch.example", "sent", 1),
    }
    assert all(d["due_at"] == FIRST.isoformat() and d["last_error"] == "" for d in log)
    with world.database.transaction() as session:
        row = session.get(CommunicationEntry, entry)
        assert row is not None
        assert row.last_due == FIRST
        assert row.next_due == FIRST + timedelta(days=7)
    # Running again in the same minute sends nothing more.
    again = run_deliveries(world.database, world.settings, RUN + timedelta(seconds=30))
    assert (again.enqueued, again.sent) == (0, 0)
    assert len(world.inbox.messages) == 2


def test_a_temporary_failure_is_retried_after_the_backoff(world: World) -> None:
    world.entry(["Ada"], format="md")
    world.inbox.failures.append("451 4.3.0 Try again later")
    first = run_deliveries(world.database, world.settings, RUN)
    assert (first.sent, first.retrying) == (0, 1)
    [logged] = world.log()
    assert logged["status"] == "pending"
    assert logged["attempts"] == 1
    assert logged["last_error"].startswith("451")
    assert "Try again later" in logged["last_error"]
    assert logged["next_attempt_at"] == (RUN + timedelta(seconds=60)).isoformat()
    early = run_deliveries(world.database, world.settings, RUN + timedelta(seconds=30))
    assert early.sent == 0
    later = run_deliveries(world.database, world.settings, RUN + timedelta(minutes=2))
    assert later.sent == 1
    [logged] = world.log()
    assert (logged["status"], logged["attempts"]) == ("sent", 2)
    assert world.inbox.refused == 1
    [message] = world.inbox.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/markdown"
    assert "SPI" in attachment.get_content()


def test_a_permanent_refusal_fails_at_once(world: World) -> None:
    world.entry(["Ben"], format="md")
    world.inbox.failures.append("550 5.1.1 No such mailbox")
    summary = run_deliveries(world.database, world.settings, RUN)
    assert summary.failed == 1
    [logged] = world.log()
    assert (logged["status"], logged["attempts"]) == ("failed", 1)
    assert logged["last_error"] == "550 5.1.1 No such mailbox"
    assert run_deliveries(world.database, world.settings, RUN + timedelta(hours=1)).sent == 0


def test_out_of_attempts_is_a_failure_with_the_last_reason(world: World) -> None:
    world.entry(["Ben"], format="md")
    world.inbox.failures += ["451 busy"] * 3
    moment = RUN
    for _ in range(3):
        run_deliveries(world.database, world.settings, moment)
        moment += timedelta(hours=1)
    [logged] = world.log()
    assert (logged["status"], logged["attempts"], logged["last_error"]) == ("failed", 3, "451 busy")
    assert world.inbox.messages == []


def test_no_smtp_server_answering_is_retried(world: World) -> None:
    world.entry(["Ada"], format="md")
    closed = replace(world.settings, mail=replace(world.settings.mail, port=1))  # type: ignore[type-var]
    summary = run_deliveries(world.database, closed, RUN)
    assert summary.retrying == 1
    [logged] = world.log()
    assert "ConnectionRefusedError" in logged["last_error"]
    assert run_deliveries(world.database, world.settings, RUN + timedelta(minutes=5)).sent == 1


def test_the_unsubscribe_link_removes_that_recipient_from_that_entry(world: World) -> None:
    entry = world.entry(["Ada", "Ben"], format="md")
    run_deliveries(world.database, world.settings, RUN)
    message = world.inbox.to("ben@")[0]
    token = message["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    html = message.get_body(("html",)).get_content()
    assert f"https://plansmith.example/unsubscribe/{token}" in html
    with world.database.transaction() as session:
        stored = session.scalars(select(UnsubscribeToken.token_hash)).all()
        assert token not in stored  # only hashes are kept
        assert len(stored) == 2
        assert delivery_log.describe_token(session, token).name == "Ben Controller"
        done = delivery_log.unsubscribe(session, token)
        assert (done.name, done.already) == ("Ben Controller", False)
    with world.database.transaction() as session:
        assert comms_plan.recipient_ids(session, entry) == [world.people["Ada"]]
        assert delivery_log.unsubscribe(session, token).already
    run_deliveries(world.database, world.settings, FIRST + timedelta(days=7, minutes=1))
    assert len(world.inbox.to("ada@")) == 2
    assert len(world.inbox.to("ben@")) == 1


def test_an_unknown_or_expired_link_is_refused(world: World) -> None:
    from plansmith.errors import NotFound

    world.entry(["Ada"], format="md")
    run_deliveries(world.database, world.settings, RUN)
    token = world.inbox.messages[0]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    with world.database.transaction() as session:
        with pytest.raises(NotFound) as unknown:
            delivery_log.unsubscribe(session, "not-a-token")
        assert unknown.value.code == "invalid_unsubscribe_link"
        for row in session.scalars(select(UnsubscribeToken)):
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with world.database.transaction() as session, pytest.raises(NotFound) as expired:
        delivery_log.unsubscribe(session, token)
    assert expired.value.code == "invalid_unsubscribe_link"


def test_two_concurrent_runs_send_each_delivery_once(world: World) -> None:
    """Two processes' worth of engines on one database, started together, twice over."""
    world.entry(["Ada", "Ben", "Cy"], format="md")
    world.entry(["Ada"], format="md", title="Weekly for the sponsor")
    second = Database.connect(world.database.engine.url.render_as_string(hide_password=False))
    try:
        for moment in (RUN, RUN + timedelta(days=7)):
            run_together(run_deliveries, [world.database, second], world.settings, moment)
    finally:
        second.dispose()
    assert sorted(world.inbox.recipients) == sorted(
        ["ada@harrow-finch.example"] * 4
        + ["ben@harrow-finch.example"] * 2
        + ["cy@harrow-finch.example"] * 2
    )
    log = world.log()
    assert len(log) == 8
    assert {d["status"] for d in log} == {"sent"}
    assert {d["attempts"] for d in log} == {1}


def test_recipients_must_be_stakeholders_here_with_an_address(world: World) -> None:
    from plansmith.errors import Invalid

    with world.database.transaction() as session:
        user = session.merge(world.admin)
        nobody = stakeholders.create_stakeholder(
            session, user, world.key, {"name": "No Mail", "interest": 1, "influence": 1}
        )
        no_mail = int(nobody.document["id"])
    cases = (
        ([world.people["Ada"], 9999], "unknown_stakeholder"),
        ([no_mail], "stakeholder_without_email"),
    )
    for recipients, code in cases:
        with world.database.transaction() as session, pytest.raises(Invalid) as refused:
            comms_plan.create_entry(
                session,
                session.merge(world.admin),
                world.key,
                {"title": "T", "recipients": recipients},
            )
        assert refused.value.code == code
        assert [d.path for d in refused.value.diagnostics] == [("recipients", len(recipients) - 1)]
    entry = world.entry([])
    with world.database.transaction() as session, pytest.raises(Invalid) as empty:
        delivery_log.send_now(session, session.merge(world.admin), world.key, entry)
    assert empty.value.code == "no_recipients"


def test_the_scheduler_runs_in_a_serving_process_only_when_asked(world: World) -> None:
    from plansmith.services.scheduler import JOB_ID, start_in_process

    assert start_in_process(world.database, replace(world.settings, mail=None)) is None
    assert start_in_process(world.database, replace(world.settings, scheduler=False)) is None
    scheduler = start_in_process(world.database, world.settings)
    assert scheduler is not None
    try:
        job = scheduler.get_job(JOB_ID)
        assert job is not None
        assert job.max_instances == 1
        assert job.coalesce
    finally:
        scheduler.shutdown(wait=True)
