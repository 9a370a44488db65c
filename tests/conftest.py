"""Shared fixtures: write a small plan into a temporary directory and find positions in it."""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
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


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A database migrated to the latest schema, on SQLite and on PostgreSQL."""
    from plansmith.storage.database import Database, upgrade

    db = Database.connect(database_url)
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()
