"""The task update's transaction on a kept PostgreSQL connection (storage.kept_transaction): it
gives up on a held lock or a broken connection without writing anything, lets service errors
through after rolling back, and the API then answers the update the usual way.

The waits here are PostgreSQL's own lock timeout and polls of ``pg_stat_activity`` with a
deadline; nothing sleeps for a guessed time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Connection, func, select, text, update

from plansmith.errors import Conflict
from plansmith.services import accounts
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.kept_transaction import LOCK_TIMEOUT_MS, NotKept, kept_transaction
from tests.api.conftest import Api

POLL_DEADLINE_S = 60


def _postgresql_only(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the kept transaction is PostgreSQL's (SQLite: see the test below)")


@pytest.fixture
def user_id(database: Database) -> int:
    with database.transaction() as session:
        return accounts.create_user(session, "kept@example.com", "correct horse battery").id


@pytest.fixture
def holder(database: Database) -> Iterator[Connection]:
    """A connection of its own for holding row locks in an open transaction."""
    with database.engine.connect() as connection:
        yield connection
        connection.rollback()


def _name(database: Database, user_id: int) -> str:
    with database.transaction(write=False) as session:
        return str(session.scalar(select(t.User.name).where(t.User.id == user_id)))


def test_sqlite_has_no_kept_transaction(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(NotKept), kept_transaction(database.engine):
        pytest.fail("no session on SQLite")


def test_a_held_lock_gives_up_and_writes_nothing(
    database: Database, user_id: int, holder: Connection
) -> None:
    _postgresql_only(database)
    holder.execute(select(t.User.id).where(t.User.id == user_id).with_for_update())
    with pytest.raises(NotKept), kept_transaction(database.engine) as session:
        session.execute(update(t.User).where(t.User.id == user_id).values(name="kept"))
    holder.rollback()
    assert _name(database, user_id) != "kept"
    with kept_transaction(database.engine) as session:  # the same connection, usable again
        session.execute(update(t.User).where(t.User.id == user_id).values(name="kept"))
    assert _name(database, user_id) == "kept"


def test_a_service_error_passes_through_after_the_rollback(
    database: Database, user_id: int
) -> None:
    _postgresql_only(database)

    def write_then_refuse() -> None:
        with kept_transaction(database.engine) as session:
            session.execute(update(t.User).where(t.User.id == user_id).values(name="rolled back"))
            raise Conflict("refused after writing")

    with pytest.raises(Conflict):
        write_then_refuse()
    assert _name(database, user_id) != "rolled back"


def test_a_dropped_connection_is_given_up_then_replaced(
    database: Database, user_id: int, holder: Connection
) -> None:
    _postgresql_only(database)
    with kept_transaction(database.engine) as session:
        first = session.scalar(text("SELECT pg_backend_pid()"))
    holder.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    holder.commit()
    with pytest.raises(NotKept), kept_transaction(database.engine) as session:
        session.execute(update(t.User).where(t.User.id == user_id).values(name="lost"))
    with kept_transaction(database.engine) as session:
        second = session.scalar(text("SELECT pg_backend_pid()"))
        session.execute(update(t.User).where(t.User.id == user_id).values(name="kept"))
    assert second != first
    assert _name(database, user_id) == "kept"


def test_the_connection_waits_for_locks_only_briefly(database: Database) -> None:
    _postgresql_only(database)
    with kept_transaction(database.engine) as session:
        setting = session.scalar(text("SHOW lock_timeout"))
    assert setting == f"{LOCK_TIMEOUT_MS}ms"


def _audit_rows(database: Database, key: str) -> int:
    with database.transaction(write=False) as session:
        query = select(func.count()).where(t.AuditEntry.entity_key == key)
        return int(session.scalar(query) or 0)


def _lock_waiter_beyond_kept(holder: Connection) -> bool:
    """Whether a backend has waited for a lock longer than the kept connection ever does."""
    waited = holder.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND clock_timestamp() - query_start > :beyond"
        ),
        {"beyond": f"{LOCK_TIMEOUT_MS * 4} milliseconds"},
    ).scalar_one()
    return bool(waited)


def test_an_update_behind_a_held_lock_is_answered_the_usual_way(
    api: Api, admin: dict[str, str], database: Database, holder: Connection
) -> None:
    """The project's row is locked (its revision counter: every task update bumps it) for
    longer than the kept connection waits: the update falls back to the thread pool, waits
    there, and is answered once the lock goes; it is written once."""
    _postgresql_only(database)
    project = api.import_example("saas-launch.yaml")
    with database.transaction() as session:
        accounts.record_token_use(session, admin["Authorization"].removeprefix("Bearer "))
    url = f"/api/v1/projects/{project}/tasks/billing"
    etag = api.client.get(url, headers=admin).headers["etag"]
    with database.transaction(write=False) as session:
        audited = session.scalar(
            select(func.count())
            .select_from(t.AuditEntry)
            .where(t.AuditEntry.entity_key == "billing")
        )
    # Inside the holder's own transaction (it must not see the lock from outside it).
    holder.execute(select(t.Project.id).where(t.Project.key == project).with_for_update())
    watcher = database.engine.connect()
    try:
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(
                lambda: api.client.patch(
                    url, json={"notes": "behind a lock"}, headers={**admin, "If-Match": etag}
                )
            )
            deadline = time.monotonic() + POLL_DEADLINE_S
            while not _lock_waiter_beyond_kept(watcher):
                watcher.rollback()  # pg_stat_activity is read once per transaction
                assert not answer.done(), answer.result().text
                assert time.monotonic() < deadline, "the update never waited for the lock"
                time.sleep(0.02)  # between looks; no outcome depends on how long
            holder.rollback()  # the lock goes
            response: httpx.Response = answer.result(timeout=POLL_DEADLINE_S)
    finally:
        watcher.close()
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    with database.transaction(write=False) as session:
        after = session.scalar(
            select(func.count())
            .select_from(t.AuditEntry)
            .where(t.AuditEntry.entity_key == "billing")
        )
    assert after == audited + 1  # one changed field, written once
