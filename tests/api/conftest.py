"""An API over a real database (SQLite and PostgreSQL), and users with tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plansmith.api.app import build_app
from plansmith.config import Settings
from plansmith.services import accounts
from plansmith.services.access import Role, grant
from plansmith.services.projects import import_plan_text
from plansmith.storage.database import Database

EXAMPLES = Path(__file__).parents[2] / "examples"


@dataclass
class Api:
    client: TestClient
    database: Database
    settings: Settings

    def user(self, email: str, *, admin: bool = False) -> dict[str, str]:
        """Headers that authenticate as a new user with a fresh API token."""
        with self.database.transaction() as session:
            user = accounts.create_user(session, email, "correct horse battery", is_admin=admin)
            _, token = accounts.issue_token(session, self.settings, user, "tests")
        return {"Authorization": f"Bearer {token}"}

    def member(self, email: str, project: str, role: Role) -> dict[str, str]:
        headers = self.user(email)
        from sqlalchemy import select

        from plansmith.storage import tables as t

        with self.database.transaction() as session:
            user = session.scalar(select(t.User).where(t.User.email == email))
            project_id = session.scalar(select(t.Project.id).where(t.Project.key == project))
            assert user is not None
            assert project_id is not None
            grant(session, project_id, user.id, role)
        return headers

    def import_example(self, name: str) -> str:
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        with self.database.transaction() as session:
            return import_plan_text(session, text, name).key


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )


@pytest.fixture
def api(database: Database, settings: Settings) -> Iterator[Api]:
    app = build_app(settings, database)
    with TestClient(app) as client:
        yield Api(client, database, settings)


@pytest.fixture
def admin(api: Api) -> dict[str, str]:
    return api.user("admin@example.com", admin=True)


Headers = Callable[..., dict[str, str]]
