"""Engines, sessions and the schema's migration state.

SQLite gets the pragmas a multi-process server needs (foreign keys on, WAL so readers never
wait for the writer, a busy timeout so a second writer waits instead of failing). PostgreSQL
needs nothing special. Every unit of work is one transaction (:func:`transaction`): it commits
only if the block finishes, so a failure leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = "plansmith.storage:migrations"
# The schema this code works with: its newest migration. Known here without Alembic, whose
# import costs a quarter of a second at the start of every command that opens the database
# (tests/integration/test_migrations.py checks it is Alembic's head).
SCHEMA_HEAD = "0007"


def make_engine(url: str, *, writer: bool = True, **options: Any) -> Engine:
    """An engine; on SQLite, ``writer`` engines take the write lock when a transaction
    begins, and reader engines never do (so reads run side by side under WAL)."""
    # 20 connections per engine and worker process: the API and the pages admit 18 sessions at
    # once, and two more are kept for the fast paths' statements (storage.kept_connection and
    # kept_transaction); four workers stay under PostgreSQL's default of 100. All 18 are
    # kept: the pool closes a connection above ``pool_size`` when it comes back, and with a
    # smaller pool a busy worker opened and closed a PostgreSQL connection (a new server
    # process) for every few requests (issue 6 benchmark, docs/benchmarks.md).
    if url != "sqlite://":  # an in-memory SQLite database has a single-connection pool
        options = {"pool_size": 18, "max_overflow": 2, **options}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin if writer else _sqlite_begin_deferred)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN is ours (below).
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at the start, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    """One database: its engine and session factories for writing and for reading.

    On SQLite a read-only transaction must not take the write lock (or every request would
    queue behind every other), and a transaction that writes must take it at the start (or a
    read snapshot gone stale under a concurrent writer makes it fail outright); so there are
    two engines on the one file. On PostgreSQL both are the same engine.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, **options: Any) -> Database:
        engine = make_engine(url, **options)
        reader = make_engine(url, writer=False, **options) if url.startswith("sqlite") else engine
        return cls(
            engine,
            sessionmaker(engine, expire_on_commit=False),
            sessionmaker(reader, expire_on_commit=False),
        )

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose work commits when the block ends normally and is rolled back
        entirely otherwise. ``write=False`` promises to only read."""
        factory = self.sessions if write else self.read_sessions
        with factory() as session, session.begin():
            yield session

    @property
    def read_engine(self) -> Engine:
        """The engine of read-only transactions (on SQLite the one that never takes the write
        lock), for statements run outside a session."""
        bind = self.read_sessions.kw.get("bind")
        return bind if isinstance(bind, Engine) else self.engine

    def dispose(self) -> None:
        self.engine.dispose()
        reader = self.read_sessions.kw.get("bind")
        if reader is not None and reader is not self.engine:
            reader.dispose()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return SchemaState(stored_revision(connection), SCHEMA_HEAD)


def stored_revision(connection: Connection) -> str | None:
    """The revision Alembic recorded in the database (None before the first migration)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    found = sorted(revisions)
    if len(found) > 1:  # branches: not ours, but say so as Alembic would
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return found[0] if found else None
