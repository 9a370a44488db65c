"""A whole instance backed up and restored into another empty database (SQLite and PostgreSQL):
the restored instance backs up to the same document, keeps its ids, hashes and dates, and takes
new rows afterwards. Restores that could lose or mix data are refused with a code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from plansmith.config import Settings
from plansmith.errors import Conflict, Invalid
from plansmith.services.accounts import ensure_admin, issue_token
from plansmith.services.demo import load_demo
from plansmith.services.instance import (
    backup,
    backup_bytes,
    backup_database,
    read_backup,
    restore,
)
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.database import Database, schema_state, upgrade

WHEN = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A second migrated database on the same backend as ``database``."""
    url = make_url(database_url)
    admin = None
    if url.get_backend_name() == "sqlite":
        second = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        name = f"{url.database}_fresh"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        second = url.set(database=name).render_as_string(hide_password=False)
    db = Database.connect(second)
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_fresh"'))
            admin.dispose()


@pytest.fixture
def secrets_given(database: Database, tmp_path: Path) -> list[str]:
    return _seed(database, tmp_path)


def _seed(database: Database, tmp_path: Path) -> list[str]:
    """Fill ``database`` with an instance: the demo portfolio, an administrator with an API
    token, audit entries, a baseline, a task moved under a newer parent; returns the plaintext
    secrets that were handed out (which no backup may contain)."""
    settings = Settings(
        database_url="unused", data_dir=tmp_path, secret_key="s" * 40, production=False
    )
    with database.transaction() as session:
        load_demo(session)
        password = ensure_admin(session, settings, now=WHEN)
        assert password is not None
        admin = session.scalar(select(t.User))
        assert admin is not None
        _token, plaintext = issue_token(session, settings, admin, "ci", now=WHEN)
        project = session.scalar(select(t.Project).where(t.Project.key == "mes-pilot"))
        assert project is not None
        newest = t.Task(project_id=project.id, key="late-parent", name="Added later", spec={})
        session.add(newest)
        session.flush()
        moved = session.scalar(
            select(t.Task).where(t.Task.project_id == project.id, t.Task.key == "pilot-kickoff")
        )
        assert moved is not None
        assert moved.id < newest.id
        moved.parent_id = newest.id  # a child whose parent has the larger id
        session.add_all(
            [
                t.AuditEntry(
                    at=WHEN,
                    user_id=admin.id,
                    project_id=project.id,
                    entity="task",
                    entity_id=moved.id,
                    entity_key=moved.key,
                    action="update",
                    field="spec",
                    old=None,
                    new={"duration": "2d", "tags": [1, 2.5, True, None]},
                ),
                t.AuditEntry(
                    at=WHEN + timedelta(seconds=1),
                    user_id=None,
                    project_id=None,
                    entity="project",
                    entity_id=99,
                    action="delete",
                    field=None,
                    old="text",
                    new=None,
                ),
                t.Baseline(
                    project_id=project.id, name="approved", saved_at=WHEN, data={"tasks": []}
                ),
                t.LoginAttempt(key="someone@example.com", at=WHEN),
                t.BrowserSession(
                    user_id=admin.id,
                    token_hash="0" * 64,
                    created_at=WHEN,
                    expires_at=WHEN + timedelta(hours=12),
                ),
            ]
        )
        _seed_meetings(session, project, admin)
    return [password, plaintext]


def _seed_meetings(session: Any, project: t.Project, admin: t.User) -> None:
    """A meeting series with an occurrence, an invitee, a decision, an action item and a
    calendar feed: meeting times are wall-clock times without a zone, and must come back as
    they were on either backend, never shifted to UTC."""
    series = m.MeetingSeries(
        project_id=project.id,
        key="weekly",
        title="Weekly",
        kind="weekly",
        rrule="FREQ=WEEKLY;BYDAY=MO",
        first_start=datetime(2027, 3, 1, 9, 30),
        organizer_id=admin.id,
        created_at=WHEN,
    )
    session.add(series)
    session.flush()
    held = m.MeetingOccurrence(
        project_id=project.id,
        series_id=series.id,
        starts_at=datetime(2027, 3, 8, 10, 0),
        recurrence_id=datetime(2027, 3, 8, 9, 30),
        minutes="Agreed.",
    )
    session.add(held)
    session.flush()
    session.add_all(
        [
            m.MeetingAttendee(series_id=series.id, user_id=admin.id, email=admin.email),
            m.Decision(
                project_id=project.id, occurrence_id=held.id, day=date(2027, 3, 8), title="Go"
            ),
            m.ActionItem(
                project_id=project.id, occurrence_id=held.id, text="Book rooms", created_at=WHEN
            ),
            m.CalendarFeed(
                user_id=admin.id,
                token_hash="1" * 64,
                created_at=WHEN,
                expires_at=WHEN + timedelta(days=365),
            ),
        ]
    )


def _without_stamp(document: dict[str, Any]) -> dict[str, Any]:
    """Without the backup's time, and without each project's plan revision: the database's
    triggers count every change, and a restore's inserts are changes too (migration 0003)."""
    tables = document["tables"]
    projects = [
        {k: v for k, v in row.items() if k != "plan_revision"} for row in tables["projects"]
    ]
    return {
        **{k: v for k, v in document.items() if k != "created_at"},
        "tables": {**tables, "projects": projects},
    }


def _backup(database: Database) -> dict[str, Any]:
    return backup_database(database)


def test_backup_restore_backup_gives_the_same_document(
    database: Database, fresh_database: Database, secrets_given: list[str]
) -> None:
    first = _backup(database)
    assert first["format"] == "plansmith-backup"
    assert first["revision"] == schema_state(database.engine).head
    assert {row["key"] for row in first["tables"]["projects"]} == {
        "erp-r12-upgrade",
        "mes-pilot",
        "pulse-launch",
        "dc-migration-2027",
    }
    # through bytes, as the CLI writes and reads it
    with fresh_database.transaction() as session:
        restore(session, json.loads(backup_bytes(first)))
    second = _backup(fresh_database)
    assert _without_stamp(second) == _without_stamp(first)


def test_a_backup_moves_between_backends(database: Database, tmp_path: Path) -> None:
    # SQLite -> the backend under test -> SQLite: with PostgreSQL, both directions.
    source = Database.connect(f"sqlite:///{tmp_path / 'source.db'}")
    target = Database.connect(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        upgrade(source.engine)
        upgrade(target.engine)
        _seed(source, tmp_path)
        first = _backup(source)
        with database.transaction() as session:
            restore(session, first)
        middle = _backup(database)
        with target.transaction() as session:
            restore(session, middle)
        assert _without_stamp(middle) == _without_stamp(first)
        assert _without_stamp(_backup(target)) == _without_stamp(first)
    finally:
        source.dispose()
        target.dispose()


def test_backup_in_the_callers_transaction_matches_the_snapshot_one(
    database: Database, secrets_given: list[str]
) -> None:
    with database.transaction() as session:
        session.execute(select(t.User)).all()  # the transaction is already under way
        in_transaction = backup(session)
    assert _without_stamp(in_transaction) == _without_stamp(backup_database(database))


def test_hashes_are_kept_and_secrets_are_not(database: Database, secrets_given: list[str]) -> None:
    document = _backup(database)
    [user] = document["tables"]["users"]
    assert user["password_hash"].startswith("$argon2")
    [token] = document["tables"]["api_tokens"]
    assert len(token["token_hash"]) == 64
    dumped = backup_bytes(document).decode()
    for secret in secrets_given:
        assert secret not in dumped


def test_values_survive_with_their_types(
    database: Database, fresh_database: Database, secrets_given: list[str]
) -> None:
    with database.transaction() as session:
        restore_from = backup(session)
    with fresh_database.transaction() as session:
        restore(session, restore_from)
    with fresh_database.transaction() as session:
        admin = session.scalar(select(t.User))
        assert admin is not None
        created = admin.created_at
        assert created.replace(tzinfo=created.tzinfo or UTC) == WHEN
        project = session.scalar(select(t.Project).where(t.Project.key == "erp-r12-upgrade"))
        assert project is not None
        assert project.start == date(2027, 3, 1)
        actual = session.scalar(select(t.Actual).order_by(t.Actual.id))
        assert actual is not None
        assert actual.day == date(2027, 3, 1)
        entries = session.scalars(select(t.AuditEntry).order_by(t.AuditEntry.id)).all()
        assert [(e.old, e.new) for e in entries] == [
            (None, {"duration": "2d", "tags": [1, 2.5, True, None]}),
            ("text", None),
        ]
        moved = session.scalar(select(t.Task).where(t.Task.key == "pilot-kickoff"))
        parent = session.scalar(select(t.Task).where(t.Task.key == "late-parent"))
        assert moved is not None
        assert parent is not None
        assert moved.parent_id == parent.id


def test_a_restored_instance_takes_new_rows(
    database: Database, fresh_database: Database, secrets_given: list[str]
) -> None:
    document = _backup(database)
    with fresh_database.transaction() as session:
        restore(session, document)
    largest = max(row["id"] for row in document["tables"]["portfolios"])
    with fresh_database.transaction() as session:
        added = t.Portfolio(key="after-restore", name="After the restore", description="")
        session.add(added)
        session.flush()
        assert added.id > largest


def test_restoring_into_a_database_with_data_is_refused(
    database: Database, secrets_given: list[str]
) -> None:
    document = _backup(database)
    with pytest.raises(Conflict) as caught, database.transaction() as session:
        restore(session, document)
    assert caught.value.code == "database_not_empty"


def test_a_backup_from_another_schema_revision_is_refused(
    database: Database, fresh_database: Database, secrets_given: list[str]
) -> None:
    document = {**_backup(database), "revision": "0000"}
    with pytest.raises(Invalid) as caught, fresh_database.transaction() as session:
        restore(session, document)
    assert caught.value.code == "backup_revision_mismatch"
    with fresh_database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Project)) == 0


def test_an_empty_instance_round_trips(database: Database, fresh_database: Database) -> None:
    document = _backup(database)
    assert all(rows == [] for rows in document["tables"].values())
    with fresh_database.transaction() as session:
        restore(session, document)
    assert _without_stamp(_backup(fresh_database)) == _without_stamp(document)


def _broken(document: dict[str, Any], how: str) -> Any:
    tables = document["tables"]
    if how == "not_a_backup":
        return {"tables": tables}
    if how == "future_format":
        return {**document, "format_version": 99}
    if how == "unknown_table":
        return {**document, "tables": {**tables, "spreadsheets": []}}
    if how == "extra_column":
        rows = [{**tables["projects"][0], "colour": "red"}]
        return {**document, "tables": {**tables, "projects": rows}}
    if how == "bad_date":
        rows = [{**tables["projects"][0], "start": "next monday"}]
        return {**document, "tables": {**tables, "projects": rows}}
    if how == "wrong_type":
        rows = [{**tables["projects"][0], "name": 42}]
        return {**document, "tables": {**tables, "projects": rows}}
    if how == "bool_for_a_number":
        rows = [{**tables["portfolios"][0], "version": True}]
        return {**document, "tables": {**tables, "portfolios": rows}}
    if how == "no_revision":
        return {k: v for k, v in document.items() if k != "revision"}
    if how == "dangling_reference":
        return {**document, "tables": {**tables, "users": []}}  # tokens point at no user
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "not_a_backup",
        "future_format",
        "unknown_table",
        "extra_column",
        "bad_date",
        "wrong_type",
        "bool_for_a_number",
        "no_revision",
        "dangling_reference",
    ],
)
def test_a_broken_backup_is_refused_and_nothing_is_written(
    database: Database, good_backup: dict[str, Any], how: str
) -> None:
    document = _broken(good_backup, how)
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        restore(session, document)
    assert caught.value.code == "invalid_backup"
    assert all(rows == [] for rows in _backup(database)["tables"].values())


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A backup of a seeded instance, made once for the tests that break it."""
    folder = tmp_path_factory.mktemp("good")
    source = Database.connect(f"sqlite:///{folder / 'source.db'}")
    try:
        upgrade(source.engine)
        _seed(source, folder)
        return _backup(source)
    finally:
        source.dispose()


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "backup.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        read_backup(path)
    assert caught.value.code == "invalid_backup"
    with pytest.raises(Invalid) as missing:
        read_backup(tmp_path / "missing.json")
    assert missing.value.code == "invalid_backup"


def test_meeting_times_keep_their_wall_clock(
    database: Database, fresh_database: Database, secrets_given: list[str]
) -> None:
    with fresh_database.transaction() as session:
        restore(session, json.loads(backup_bytes(_backup(database))))
    [row] = _backup(fresh_database)["tables"]["meeting_occurrences"]
    assert (row["starts_at"], row["recurrence_id"]) == (
        "2027-03-08T10:00:00",
        "2027-03-08T09:30:00",
    )
    with fresh_database.transaction() as session:
        held = session.scalar(select(m.MeetingOccurrence))
        assert held is not None
        assert held.starts_at == datetime(2027, 3, 8, 10, 0)
