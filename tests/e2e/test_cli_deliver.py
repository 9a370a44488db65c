"""``plansmith deliver`` run as the real program, against a SQLite database and an SMTP server
on loopback: ``--dry-run`` lists what is due and sends nothing; a run sends and logs; without
SMTP settings nothing is sent and it says why; ``worker`` refuses to start without them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from tests.cli_env import cli_env
from tests.smtp_server import smtp_server

from plansmith.services import comms_plan, stakeholders
from plansmith.services.accounts import create_user
from plansmith.services.projects import import_plan_text
from plansmith.storage.database import Database, upgrade
from plansmith.storage.tables_comms import CommunicationEntry, Delivery

PLANSMITH = Path(sys.executable).parent / "plansmith"
PLAN = """\
project: {id: website, name: Website relaunch, start: 2027-01-04}
tasks:
  - {id: build, name: Build, duration: 3d}
  - {id: live, name: Live, milestone: true, after: [build]}
"""


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _instance(tmp_path: Path) -> None:
    """A project with one weekly Markdown report to one stakeholder, due a minute ago."""
    database = Database.connect(f"sqlite:///{tmp_path / 'plansmith.db'}")
    try:
        upgrade(database.engine)
        with database.transaction() as session:
            key = import_plan_text(session, PLAN, "website.yaml").key
            admin = create_user(
                session, "admin@example.com", "correct horse battery", is_admin=True
            )
            person = stakeholders.create_stakeholder(
                session, admin, key, {"name": "Ada", "email": "ada@example.com"}
            )
            body = {"title": "Weekly", "format": "md", "recipients": [person.document["id"]]}
            comms_plan.create_entry(session, admin, key, body)
            session.execute(
                update(CommunicationEntry).values(next_due=datetime.now(UTC) - timedelta(minutes=1))
            )
    finally:
        database.dispose()


def _statuses(tmp_path: Path) -> list[tuple[str, int]]:
    database = Database.connect(f"sqlite:///{tmp_path / 'plansmith.db'}")
    try:
        with database.transaction() as session:
            rows = session.query(Delivery.status, Delivery.attempts).all()
            return [(status, attempts) for status, attempts in rows]
    finally:
        database.dispose()


def test_deliver_dry_run_then_for_real(tmp_path: Path) -> None:
    _instance(tmp_path)
    with smtp_server() as (inbox, port):
        mail = {
            "PLANSMITH_SMTP_HOST": "127.0.0.1",
            "PLANSMITH_SMTP_PORT": str(port),
            "PLANSMITH_SMTP_TLS": "none",
            "PLANSMITH_SMTP_FROM": "pm@example.com",
        }
        env = cli_env(tmp_path, **mail)
        dry = _run(env, "deliver", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "'Weekly' to ada@example.com" in dry.stdout
        assert inbox.messages == []
        assert _statuses(tmp_path) == []
        real = _run(env, "deliver")
        assert real.returncode == 0, real.stderr
        assert "sent 'Weekly' to ada@example.com (attempt 1)" in real.stdout
        assert "1 queued, 1 sent, 0 to retry, 0 failed." in real.stdout
        assert inbox.recipients == ["ada@example.com"]
        assert _statuses(tmp_path) == [("sent", 1)]
        again = _run(env, "deliver")
        assert "0 queued, 0 sent" in again.stdout
        assert len(inbox.messages) == 1


def test_without_smtp_settings_nothing_is_sent(tmp_path: Path) -> None:
    _instance(tmp_path)
    env = cli_env(tmp_path)
    run = _run(env, "deliver")
    assert run.returncode == 0, run.stderr
    assert "1 queued, 0 sent" in run.stdout
    assert "warning[mail_not_configured]" in run.stderr
    assert _statuses(tmp_path) == [("pending", 0)]
    worker = _run(env, "worker")
    assert worker.returncode == 2
    assert worker.stderr.startswith("error[settings]: PLANSMITH_SMTP_HOST is not set")
