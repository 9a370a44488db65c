"""The plan page's table downloads with the schedule's dates, for roles that may read the plan."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import accounts
from plansmith.services.access import Role, grant
from plansmith.services.planning import schedule_plan_file
from plansmith.services.projects import import_plan_text
from plansmith.storage.database import Database

EXAMPLE = Path(__file__).parents[2] / "examples" / "saas-launch.yaml"


def _signed_in(
    database: Database, tmp_path: Path, role: Role | None, plan: str | None = None
) -> tuple[TestClient, str]:
    settings = Settings(
        database_url="sqlite://", data_dir=tmp_path, secret_key="s" * 48, production=False
    )
    with database.transaction() as session:
        text = plan if plan is not None else EXAMPLE.read_text(encoding="utf-8")
        project = import_plan_text(session, text, "plan.yaml")
        user = accounts.create_user(session, "lena@example.com", "correct horse battery")
        if role is not None:
            grant(session, project.id, user.id, role)
        key = project.key
    client = TestClient(compose(settings, database))
    form = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    reply = client.post(
        "/sign-in",
        data={
            "email": "lena@example.com",
            "password": "correct horse battery",
            "csrf_token": token.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return client, key


def test_the_wbs_downloads_as_csv_and_xlsx(database: Database, tmp_path: Path) -> None:
    client, key = _signed_in(database, tmp_path, Role.VIEWER)
    assert f"/projects/{key}/tables/wbs.csv" in client.get(f"/projects/{key}").text
    reply = client.get(f"/projects/{key}/tables/wbs.csv")
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.text)))
    expected = schedule_plan_file(EXAMPLE).to_json()["tasks"]
    assert [r[1] for r in rows[1:]] == [t["id"] for t in expected]
    assert [r[5] for r in rows[1:]] == [t["finish"] for t in expected]
    sheet = load_workbook(io.BytesIO(client.get(f"/projects/{key}/tables/wbs.xlsx").content))
    values = list(sheet.active.iter_rows(values_only=True))
    assert values[0][:3] == ("WBS", "Id", "Task")
    assert len(values) == len(rows)


def test_a_stakeholder_cannot_download_the_plan(database: Database, tmp_path: Path) -> None:
    client, key = _signed_in(database, tmp_path, Role.STAKEHOLDER)
    assert client.get(f"/projects/{key}/tables/wbs.csv").status_code == 403


def _csrf(client: TestClient) -> str:
    token = client.cookies.get("plansmith_csrf")
    assert token is not None
    return token


def test_drags_with_unreadable_dates_or_on_started_work_are_refused(
    database: Database, tmp_path: Path
) -> None:
    tracked = EXAMPLE.with_name("erp-upgrade-tracking.yaml").read_text(encoding="utf-8")
    client, key = _signed_in(database, tmp_path, Role.OWNER, tracked)
    from sqlalchemy import select

    from plansmith.storage import tables as t

    with database.transaction() as session:
        parents = set(session.scalars(select(t.Task.parent_id)))
        started = next(
            row
            for row in session.scalars(select(t.Task).order_by(t.Task.id))
            if row.spec.get("actual_start") and row.id not in parents
        )
        task, version = started.key, started.version
    headers = {"X-CSRF-Token": _csrf(client)}
    url = f"/projects/{key}/tasks/{task}/dates"
    bad = client.post(
        url, json={"start": "soon", "end": "later", "version": version}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_dates"
    moved = client.post(
        url,
        json={"start": "2027-09-06T08:30", "end": "2027-09-10T17:00", "version": version},
        headers=headers,
    )
    assert moved.status_code == 422
    assert moved.json()["code"] == "task_started"


def test_applying_a_leveling_that_moves_nothing_is_refused(
    database: Database, tmp_path: Path
) -> None:
    plan = (
        "project: {id: tiny, name: Tiny, start: 2027-01-04}\n"
        "tasks:\n  - {id: a, name: A, duration: 2d}\n"
    )
    client, _ = _signed_in(database, tmp_path, Role.OWNER, plan)
    reply = client.post("/projects/tiny/level/apply", data={"csrf_token": _csrf(client)})
    assert reply.status_code == 422
    assert "nothing_to_level" in reply.text


def test_record_status_from_the_money_page(database: Database, tmp_path: Path) -> None:
    tracked = EXAMPLE.with_name("erp-upgrade-tracking.yaml").read_text(encoding="utf-8")
    client, key = _signed_in(database, tmp_path, Role.MANAGER, tracked)
    assert f'action="/projects/{key}/status"' in client.get(f"/projects/{key}/money").text
    reply = client.post(
        f"/projects/{key}/status", data={"csrf_token": _csrf(client)}, follow_redirects=False
    )
    assert reply.status_code == 303
    from sqlalchemy import select

    from plansmith.storage import tables as t

    with database.transaction() as session:
        days = list(session.scalars(select(t.StatusSnapshot.status_date)))
    assert [day.isoformat() for day in days] == ["2027-05-14"]


def test_the_dashboard_leads_each_role_where_it_may_go(database: Database, tmp_path: Path) -> None:
    client, key = _signed_in(database, tmp_path, Role.STAKEHOLDER)
    page = client.get("/").text
    assert f'href="/projects/{key}/money"' in page
    assert client.get(f"/projects/{key}/money").status_code == 200
    with database.transaction() as session:
        from sqlalchemy import select

        from plansmith.storage import tables as t

        user = session.scalar(select(t.User).where(t.User.email == "lena@example.com"))
        project = session.scalar(select(t.Project).where(t.Project.key == key))
        assert user is not None
        assert project is not None
        grant(session, project.id, user.id, Role.VIEWER)
    assert f'href="/projects/{key}"' in client.get("/").text
