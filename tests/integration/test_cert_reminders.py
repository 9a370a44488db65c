"""Certification reminders through the delivery job, against a real SMTP server on loopback
(aiosmtpd), on SQLite and PostgreSQL: the holder and the project's owners and managers get the
reminder of the threshold reached, once per threshold however often the job runs; the plan's
team rules choose the days and whether managers are told; a renewed certification is not
reminded of; failures are retried; the link stops a person's reminders; two concurrent runs
send each reminder once; the demo portfolio has one due."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.smtp_server import Inbox, loopback_settings, smtp_server
from tests.together import run_together

from plansmith.config import Settings
from plansmith.services import delivery_log, team
from plansmith.services.access import Role, grant
from plansmith.services.accounts import create_user
from plansmith.services.projects import import_plan_text
from plansmith.services.reminder_mail import run_job
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.tables_comms import ReminderToken

PLAN = """
project:
  id: net-refresh
  name: Network refresh
  start: 2027-01-04
resources:
  - {id: cr-dana, name: Dana Whitfield, email: dana@northwind.example}
  - {id: cr-priya, name: Priya Raman, email: priya@northwind.example}
  - {id: cr-sam, name: Sam Nomail}
tasks:
  - {id: design, name: Design, duration: 5d, assign: [cr-dana]}
certifications:
  - {resource: cr-dana, name: Cisco CCNP Data Center, issued: 2024-03-01, expires: 2027-03-01}
  - {resource: cr-priya, name: Palo Alto PCNSE, expires: 2027-06-30}
  - {resource: cr-sam, name: ITIL 4 Foundation, expires: 2027-03-01}
"""
EXPIRES = datetime(2027, 3, 1, tzinfo=UTC)
AT_60 = EXPIRES - timedelta(days=55) + timedelta(hours=9)  # 55 days left: the 60-day reminder
AT_30 = EXPIRES - timedelta(days=30) + timedelta(hours=9)
DANA, MIA, OLU, MAX = (
    "dana@northwind.example",
    "mia@northwind.example",
    "olu@northwind.example",
    "max@northwind.example",
)


@dataclass
class World:
    database: Database
    settings: Settings
    inbox: Inbox
    key: str
    admin: t.User

    def log(self) -> list[dict[str, Any]]:
        with self.database.transaction() as session:
            items, _ = delivery_log.list_deliveries(session, session.merge(self.admin), self.key)
        return items

    def team_rules(self, rules: dict[str, Any] | None, section: str = "team_rules") -> None:
        with self.database.transaction() as session:
            user = session.merge(self.admin)
            project = session.scalar(select(t.Project).where(t.Project.key == self.key))
            assert project is not None
            team.replace_section(session, user, self.key, section, rules, project.version)

    def subjects(self, address: str) -> list[str]:
        return sorted(str(m["Subject"]).strip() for m in self.inbox.to(address))


def _settings(tmp_path: Path, port: int) -> Settings:
    return loopback_settings(port, tmp_path, "plansmith@northwind.example")


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[World]:
    with database.transaction() as session:
        project = import_plan_text(session, PLAN, "net.yaml")
        admin = create_user(session, "admin@example.com", "correct horse battery", is_admin=True)
        for email, name, role in (
            (MIA, "Mia Manager", Role.MANAGER),
            (OLU, "Olu Owner", Role.OWNER),
            (MAX, "Max Member", Role.MEMBER),
        ):
            user = create_user(session, email, "correct horse battery", name=name)
            grant(session, project.id, user.id, role)
        key = project.key
    with smtp_server() as (inbox, port):
        yield World(database, _settings(tmp_path, port), inbox, key, admin)


def test_the_holder_and_the_managers_get_each_threshold_once(world: World) -> None:
    first = run_job(world.database, world.settings, AT_60)
    assert (first.enqueued, first.sent, first.failed) == (5, 5, 0)
    [own] = world.inbox.to(DANA)
    assert str(own["Subject"]).strip() == (
        "Certification expiring: Cisco CCNP Data Center (Dana Whitfield), 2027-03-01"
    )
    text = own.get_body(("plain",)).get_content()
    assert "Your certification “Cisco CCNP Data Center” expires on 2027-03-01, in 55 days." in text
    assert "https://plansmith.example/projects/net-refresh/team" in text
    assert "60 days ahead because you hold this certification" in text
    assert own["List-Unsubscribe"].startswith("<https://plansmith.example/api/v1/unsubscribe/")
    # Owners and managers hear of every certification due, the member of none; Sam has no
    # address, so only his managers are told; Priya's is months away.
    for manager in (MIA, OLU):
        assert world.subjects(manager) == [
            "Certification expiring: Cisco CCNP Data Center (Dana Whitfield), 2027-03-01",
            "Certification expiring: ITIL 4 Foundation (Sam Nomail), 2027-03-01",
        ]
        html = world.inbox.to(manager)[0].get_body(("html",)).get_content()
        assert "Dana Whitfield&#x27;s certification" in html or "Sam Nomail&#x27;s" in html
    assert world.inbox.to(MAX) == []
    assert world.inbox.to("priya@") == []

    # Every later run that day, the next day and the day before the 30-day one: nothing more.
    for moment in (AT_60 + timedelta(minutes=1), AT_60 + timedelta(days=1), AT_30 - timedelta(1)):
        again = run_job(world.database, world.settings, moment)
        assert (again.enqueued, again.sent) == (0, 0)
    assert len(world.inbox.messages) == 5

    thirty = run_job(world.database, world.settings, AT_30)
    assert (thirty.enqueued, thirty.sent) == (5, 5)
    assert "in 30 days" in world.inbox.to(DANA)[1].get_body(("plain",)).get_content()
    log = world.log()
    assert len(log) == 10
    assert {(d["kind"], d["status"], d["attempts"]) for d in log} == {
        ("certification_reminder", "sent", 1)
    }
    assert {d["title"] for d in log} == {
        "Certification reminder: Cisco CCNP Data Center (cr-dana) expires 2027-03-01",
        "Certification reminder: ITIL 4 Foundation (cr-sam) expires 2027-03-01",
    }


def test_the_team_rules_choose_the_days_and_who_is_told(world: World) -> None:
    world.team_rules({"certification_reminders": [14], "remind_managers": False})
    assert run_job(world.database, world.settings, AT_30).enqueued == 0
    late = EXPIRES - timedelta(days=10)
    assert run_job(world.database, world.settings, late).sent == 1
    assert [m["To"] for m in world.inbox.messages] == ["Dana Whitfield <dana@northwind.example>"]
    # A certification added the same day is found that day (the plan changed).
    world.team_rules(
        [{"resource": "cr-priya", "name": "AWS SysOps", "expires": "2027-02-25"}],
        section="certifications",
    )
    assert run_job(world.database, world.settings, late + timedelta(minutes=1)).sent == 1
    assert world.subjects("priya@") == [
        "Certification expiring: AWS SysOps (Priya Raman), 2027-02-25"
    ]
    world.team_rules({"certification_reminders": []})
    assert run_job(world.database, world.settings, EXPIRES - timedelta(days=2)).enqueued == 0


def test_a_reminder_queued_without_smtp_is_dropped_when_the_certification_is_renewed(
    world: World,
) -> None:
    no_mail = replace(world.settings, mail=None)
    assert run_job(world.database, no_mail, AT_60).enqueued == 5
    assert {d["status"] for d in world.log()} == {"pending"}
    renewed = [
        {"resource": "cr-dana", "name": "Cisco CCNP Data Center", "expires": "2030-03-01"},
        {"resource": "cr-sam", "name": "ITIL 4 Foundation", "expires": "2027-03-01"},
    ]
    world.team_rules(renewed, section="certifications")
    summary = run_job(world.database, world.settings, AT_60 + timedelta(minutes=5))
    assert (summary.sent, summary.failed) == (2, 3)  # Sam's go; Dana's renewed one does not
    assert world.inbox.to(DANA) == []
    failed = [d for d in world.log() if d["status"] == "failed"]
    assert {d["email"] for d in failed} == {DANA, MIA, OLU}
    assert all("renewed or removed" in d["last_error"] for d in failed)


def test_a_temporary_refusal_is_retried_after_the_backoff(world: World) -> None:
    world.team_rules({"remind_managers": False})
    world.inbox.failures.append("451 4.3.0 Try again later")
    first = run_job(world.database, world.settings, AT_60)
    assert (first.sent, first.retrying) == (0, 1)
    [logged] = world.log()
    assert (logged["status"], logged["attempts"]) == ("pending", 1)
    assert logged["last_error"].startswith("451")
    assert run_job(world.database, world.settings, AT_60 + timedelta(seconds=30)).sent == 0
    assert run_job(world.database, world.settings, AT_60 + timedelta(minutes=2)).sent == 1
    [logged] = world.log()
    assert (logged["status"], logged["attempts"]) == ("sent", 2)
    assert len(world.inbox.to(DANA)) == 1


def test_the_link_stops_that_persons_reminders_of_the_project(world: World) -> None:
    run_job(world.database, world.settings, AT_60)
    token = world.inbox.to(DANA)[0]["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    with world.database.transaction() as session:
        assert token not in session.scalars(select(ReminderToken.token_hash)).all()
        about = delivery_log.describe_token(session, token)
        assert (about.name, about.title, about.project) == (
            "Dana Whitfield",
            "Certification reminders",
            "Network refresh",
        )
        done = delivery_log.unsubscribe(session, token)
        assert not done.already
    with world.database.transaction() as session:
        assert delivery_log.unsubscribe(session, token).already
    run_job(world.database, world.settings, AT_30)
    assert len(world.inbox.to(DANA)) == 1
    assert len(world.inbox.to(MIA)) == 4


def test_two_concurrent_runs_send_each_reminder_once(world: World) -> None:
    second = Database.connect(world.database.engine.url.render_as_string(hide_password=False))
    try:
        for moment in (AT_60, AT_30):
            run_together(run_job, [world.database, second], world.settings, moment)
    finally:
        second.dispose()
    assert sorted(world.inbox.recipients) == sorted([DANA] * 2 + [MIA] * 4 + [OLU] * 4)
    log = world.log()
    assert len(log) == 10
    assert {(d["status"], d["attempts"]) for d in log} == {("sent", 1)}


def test_the_demo_portfolio_has_a_certification_reminder_due(
    database: Database, tmp_path: Path
) -> None:
    from plansmith.services.demo import load_demo

    with database.transaction() as session:
        load_demo(session)
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 45 days before the RHCE expires
    with smtp_server() as (inbox, port):
        summary = run_job(database, _settings(tmp_path, port), moment)
    assert summary.failed == 0
    assert inbox.recipients == ["aisha.bello@northwind.example"]
    assert str(inbox.messages[0]["Subject"]).strip() == (
        "Certification expiring: Red Hat Certified Engineer (RHCE) (Aisha Bello), 2027-01-15"
    )
