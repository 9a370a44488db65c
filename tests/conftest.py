"""Shared fixtures: write a small plan into a temporary directory and find positions in it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Argon2's cheapest parameters for the suite's many accounts (the default profile is tested on
# its own in tests/integration/test_accounts.py); servers the tests start inherit it.
os.environ.setdefault("PLANSMITH_PASSWORD_HASH_PROFILE", "test")

if TYPE_CHECKING:
    from plansmith.storage.database import Database


@dataclass(frozen=True)
class PlanFile:
    path: Path
    text: str

    def at(self, needle: str, nth: int = 1, *, after: str = "") -> tuple[int, int]:
        """1-based (line, column) of the ``nth`` occurrence of ``needle`` (after ``after``)."""
        offset = self.text.index(after) + len(after) if after else 0
        for _ in range(nth):
            offset = self.text.index(needle, offset) + 1
        offset -= 1
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[..., PlanFile]:
    """``write_plan(text, name="plan.yaml")``: the dedented text written to a file."""

    def write(text: str, name: str = "plan.yaml") -> PlanFile:
        body = textwrap.dedent(text).lstrip("\n")
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return PlanFile(path, body)

    return write


# Databases ---------------------------------------------------------------------------------
# Storage tests run on SQLite and on PostgreSQL. PostgreSQL is the server at PLANSMITH_TEST_PG
# (default: trust auth on 127.0.0.1:5432, database `test`); each test gets a fresh database of
# its own, so parallel runs never share state. Where none answers, those tests skip and say so.

PG_ADMIN_URL = os.environ.get(
    "PLANSMITH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reason() -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # any failure to connect means: skip, with the reason
        return f"no PostgreSQL at {PG_ADMIN_URL}: {type(exc).__name__}: {str(exc)[:120]}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    return _postgres_reason()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_unavailable: str | None
) -> Iterator[str]:
    """An empty database (no tables) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plansmith.db'}"
        return
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    from sqlalchemy import create_engine, text

    name = f"plansmith_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_templates(
    tmp_path_factory: pytest.TempPathFactory, postgres_unavailable: str | None
) -> Iterator[dict[str, str]]:
    """Each backend's schema migrated once a session, for :func:`database` to copy: a SQLite
    file and a PostgreSQL template database. Running every migration for each test cost about
    a third of a second, several minutes over the suite; a copy costs a few milliseconds (a
    file) or a tenth of a second (CREATE DATABASE ... TEMPLATE). The migrations themselves are
    tested from an empty database in tests/integration/test_migrations.py."""
    from sqlalchemy import create_engine, text

    from plansmith.storage.database import Database, upgrade

    sqlite_file = tmp_path_factory.mktemp("migrated") / "plansmith.db"
    db = Database.connect(f"sqlite:///{sqlite_file}")
    upgrade(db.engine)
    db.dispose()
    with closing(sqlite3.connect(sqlite_file)) as connection:  # all in the main file, to copy
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    templates = {"sqlite": str(sqlite_file)}
    if postgres_unavailable:
        yield templates
        return
    name = f"plansmith_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = Database.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        upgrade(db.engine)
        db.dispose()  # a template must have no one connected while it is copied
        yield {**templates, "postgresql": name}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _copy_migrated(url: str, templates: dict[str, str]) -> None:
    """Make the empty database at ``url`` (from :func:`database_url`) a migrated one."""
    if url.startswith("sqlite:///"):
        shutil.copyfile(templates["sqlite"], url.removeprefix("sqlite:///"))
        return
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"')
            )
    finally:
        admin.dispose()


@pytest.fixture
def database(database_url: str, migrated_templates: dict[str, str]) -> Iterator[Database]:
    """A database migrated to the latest schema, on SQLite and on PostgreSQL."""
    from plansmith.storage.database import Database

    _copy_migrated(database_url, migrated_templates)
    db = Database.connect(database_url)
    try:
        yield db
    finally:
        db.dispose()
