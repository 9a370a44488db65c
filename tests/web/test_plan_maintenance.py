"""The plan page's Gantt chart shows the systems' maintenance windows and planned updates
(issue 9): the page carries each occurrence within the plan's span, with its label, once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import accounts
from plansmith.services.access import Role, grant
from plansmith.services.projects import import_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database

PASSWORD = "correct horse battery"
TASKS = """
tasks:
  - {id: build, name: Build, duration: 10d}
  - {id: done, name: Done, milestone: true, after: [build]}
"""
PLAIN = "project: {id: plain, name: Plain, start: 2027-03-01}" + TASKS
# Wednesdays 06:00-07:00 from 2027-03-01 (a Monday) over a plan of two weeks: the 3rd and the
# 10th; an update in that window on the 10th, one on a day with no window, one after the plan.
WITH_SYSTEMS = (
    "project: {id: systems, name: Systems, start: 2027-03-01}"
    + TASKS
    + """
systems:
  - id: fw
    name: Firewall <pair> & co
    type: hardware
    maintenance:
      - {id: weekly, name: Rule review, weekly: wed, time: "06:00-07:00"}
    updates:
      - {version: "11.2", date: 2027-03-10, window: weekly}
      - {version: "11.3", date: 2027-03-05}
      - {version: "12.0", date: 2028-01-05, window: weekly}
"""
)


@pytest.fixture
def client(database: Database, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    with database.transaction() as session:
        user = accounts.create_user(session, "pm@example.com", PASSWORD)
        for text, name in ((PLAIN, "plain.yaml"), (WITH_SYSTEMS, "systems.yaml")):
            import_plan_text(session, text, name)
        for key in ("plain", "systems"):
            project = session.scalar(select(t.Project.id).where(t.Project.key == key))
            assert project is not None
            grant(session, project, user.id, Role.MANAGER)
    with TestClient(compose(settings, database)) as client:
        client.get("/sign-in")
        signed = client.post(
            "/sign-in",
            data={
                "email": "pm@example.com",
                "password": PASSWORD,
                "csrf_token": str(client.cookies.get("plansmith_csrf")),
                "next": "/",
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        yield client


def bands(html: str) -> list[list[Any]]:
    found = re.search(
        r'<script type="application/json" id="gantt-maintenance">(.*?)</script>', html
    )
    assert found is not None
    return list(json.loads(found.group(1)))


def test_a_plan_with_a_system_window_carries_its_occurrences_and_updates(
    client: TestClient,
) -> None:
    page = client.get("/projects/systems")

    assert page.status_code == 200
    label = "Firewall <pair> & co: Rule review"
    assert bands(page.text) == [
        ["window", "2027-03-03T06:00", "2027-03-03T07:00", label],
        ["update", "2027-03-05T00:00", "2027-03-06T00:00", "Firewall <pair> & co: update to 11.3"],
        ["window", "2027-03-10T06:00", "2027-03-10T07:00", label],
        ["update", "2027-03-10T06:00", "2027-03-10T07:00", "Firewall <pair> & co: update to 11.2"],
    ]
    assert "Firewall <pair>" not in page.text  # escaped in the page (tojson), read back above
    assert "maintenance window</li>" in page.text
    assert "planned update</li>" in page.text
    # the plan body that a change answers with carries them too
    body = client.get("/projects/systems/plan-body")
    assert bands(body.text) == bands(page.text)


def test_a_plan_without_systems_has_no_bands_and_no_legend_entry(client: TestClient) -> None:
    page = client.get("/projects/plain")

    assert page.status_code == 200
    assert bands(page.text) == []
    assert "maintenance window</li>" not in page.text
    assert "planned update</li>" not in page.text
