"""The plan page's changes over HTTP (SQLite and PostgreSQL): the row form and its messages,
new tasks and moves in the tree, dragged dates, and what each role sees and may do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import accounts
from plansmith.services.access import Role, grant
from plansmith.services.item_kinds import TASKS
from plansmith.services.projects import import_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database

PASSWORD = "correct horse battery"
PLAN = """
project: {id: web-plan, name: Web plan, start: 2027-03-01}
resources:
  - {id: ann, name: Ann, email: ann@example.com}
  - {id: bo, name: Bo}
tasks:
  - id: design
    name: Design
    children:
      - {id: sketch, name: Sketch, duration: 2d, assign: [ann]}
      - {id: review, name: Review, duration: 1d, after: [sketch]}
  - {id: build, name: Build, duration: 5d, after: [design], assign: [bo]}
  - {id: docs, name: Docs, duration: 1d}
  - {id: done, name: Done, milestone: true, after: [build]}
"""


@dataclass
class Site:
    client: TestClient
    database: Database

    def user(self, email: str, role: Role | None = None, *, admin: bool = False) -> None:
        with self.database.transaction() as session:
            user = accounts.create_user(session, email, PASSWORD, is_admin=admin)
            if role is not None:
                project = session.scalar(select(t.Project.id).where(t.Project.key == "web-plan"))
                assert project is not None
                grant(session, project, user.id, role)

    def sign_in(self, email: str) -> None:
        self.client.cookies.clear()
        self.client.get("/sign-in")
        response = self.client.post(
            "/sign-in",
            data={"email": email, "password": PASSWORD, "csrf_token": self.csrf, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    @property
    def csrf(self) -> str:
        return str(self.client.cookies.get("plansmith_csrf"))

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Response:
        """As htmx posts: the form, with the CSRF token in its header."""
        headers = {"X-CSRF-Token": self.csrf, "HX-Request": "true"}
        return self.client.post(f"/projects/web-plan{path}", data=data, headers=headers, **kw)

    def task(self, key: str) -> dict[str, Any]:
        with self.database.transaction(write=False) as session:
            row = session.scalar(select(t.Task).where(t.Task.key == key))
            assert row is not None
            return {**TASKS.document(session, row), "version": row.version}

    def links(self, key: str) -> list[tuple[str, str]]:
        with self.database.transaction(write=False) as session:
            row = session.scalar(select(t.Task).where(t.Task.key == key))
            assert row is not None
            deps = session.scalars(select(t.Dependency).where(t.Dependency.task_id == row.id))
            return sorted(
                (str(session.get(t.Task, d.predecessor_id).key), d.type)  # type: ignore[union-attr]
                for d in deps
            )


@pytest.fixture
def site(database: Database, database_url: str, tmp_path: Path) -> Iterator[Site]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    with database.transaction() as session:
        import_plan_text(session, PLAN, "web-plan.yaml")
    with TestClient(compose(settings, database)) as client:
        site = Site(client, database)
        site.user("manager@example.com", Role.MANAGER)
        site.sign_in("manager@example.com")
        yield site


def row_of(html: str, key: str) -> str:
    found = re.search(rf'<tr data-task="{re.escape(key)}".*?</tr>', html, re.S)
    assert found is not None, f"no row {key}"
    return found.group(0)


def gantt_bars(html: str) -> list[list[Any]]:
    import json

    found = re.search(r'<script type="application/json" id="gantt-data">(.*?)</script>', html)
    assert found is not None
    return list(json.loads(found.group(1)))


# The row form ---------------------------------------------------------------------------------


def test_the_row_form_saves_and_the_plan_is_rescheduled(site: Site) -> None:
    form = site.client.get("/projects/web-plan/tasks/build/edit?focus=duration")
    assert form.status_code == 200
    assert 'name="duration" value="5d"' in form.text
    assert 'data-focus="duration"' in form.text
    version = site.task("build")["version"]

    saved = site.post("/tasks/build", {"duration": "7d", "name": "Build it", "version": version})

    assert saved.status_code == 200
    assert saved.headers["HX-Retarget"] == "#plan-body"
    row = row_of(saved.text, "build")
    assert "Build it" in row
    assert "7d" in row
    assert re.search(r"<td>2027-03-04</td><td>2027-03-12</td>", row)  # seven days, not five
    assert "Saved" in saved.text  # the status line, swapped out of band
    task = site.task("build")
    assert (task["duration"], task["name"], task["version"]) == ("7d", "Build it", version + 1)


def test_a_bad_duration_is_refused_next_to_its_field(site: Site) -> None:
    version = site.task("build")["version"]

    refused = site.post("/tasks/build", {"duration": "five days", "version": version})

    assert refused.status_code == 422
    field = re.search(r'<input id="edit-duration"[^>]*>', refused.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="edit-duration-hint edit-duration-error"' in field.group(0)
    assert 'value="five days"' in field.group(0)  # what they typed, to correct
    error = re.search(r'<small id="edit-duration-error"[^>]*>([^<]*)</small>', refused.text)
    assert error is not None
    assert "not a duration" in error.group(1)
    assert site.task("build")["duration"] == "5d"


def test_links_and_assignments_edit_as_lists_of_ids(site: Site) -> None:
    version = site.task("build")["version"]

    saved = site.post(
        "/tasks/build", {"after": "sketch, review", "resources": "ann, bo", "version": version}
    )

    assert saved.status_code == 200
    assert site.links("build") == [("review", "FS"), ("sketch", "FS")]  # design's link went
    assert "<td>bo, ann</td>" in row_of(saved.text, "build")  # the new one last
    refused = site.post("/tasks/build", {"after": "sketch, nowhere", "version": version})
    assert refused.status_code == 422
    assert re.search(r'<small id="edit-after-error"[^>]*>[^<]*nowhere', refused.text)
    assert site.links("build") == [("review", "FS"), ("sketch", "FS")]  # nothing half-done


def test_links_of_other_types_keep_their_type(site: Site) -> None:
    from plansmith.services.item_kinds import DEPENDENCIES
    from plansmith.services.items import create_item

    with site.database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == "manager@example.com"))
        project = session.scalar(select(t.Project).where(t.Project.key == "web-plan"))
        assert user is not None
        link = {"task": "build", "predecessor": "sketch", "type": "SS", "lag": "1d"}
        create_item(session, user, DEPENDENCIES, project, link)
    form = site.client.get("/projects/web-plan/tasks/build/edit")
    assert 'name="after" value="design, sketch"' in form.text
    assert "sketch SS+1d" in row_of(site.client.get("/projects/web-plan").text, "build")

    kept = site.post("/tasks/build", {"after": "sketch, design", "version": 1})
    assert kept.status_code == 200
    assert site.links("build") == [("design", "FS"), ("sketch", "SS")]
    dropped = site.post("/tasks/build", {"after": "design", "version": 1})
    assert dropped.status_code == 200
    assert site.links("build") == [("design", "FS")]


def test_the_form_offers_what_the_task_can_have(site: Site) -> None:
    summary = site.client.get("/projects/web-plan/tasks/design/edit").text
    milestone = site.client.get("/projects/web-plan/tasks/done/edit").text

    assert 'name="name"' in summary
    assert 'name="after"' in summary
    for field in ("duration", "resources", "progress"):  # a summary's come from below
        assert f'name="{field}"' not in summary
    assert 'name="duration"' not in milestone
    assert 'name="progress"' in milestone


def test_names_are_escaped_in_the_table_and_the_chart_data(site: Site) -> None:
    name = '<img src=x onerror="alert(1)">'
    version = site.task("build")["version"]
    assert site.post("/tasks/build", {"name": name, "version": version}).status_code == 200

    page = site.client.get("/projects/web-plan").text

    assert name not in page
    assert "&lt;img src=x onerror=" in row_of(page, "build")
    assert {bar[0]: bar for bar in gantt_bars(page)}["build"][1] == name  # the data is intact
    assert "\\u003cimg" in page  # and cannot close the script element it sits in


def test_a_change_that_breaks_the_plan_is_rolled_back(site: Site) -> None:
    """`done` after `build` after `design`: making `sketch` wait for `done` is a loop."""
    version = site.task("sketch")["version"]

    refused = site.post("/tasks/sketch", {"after": "done", "version": version})

    assert refused.status_code == 422
    assert site.links("sketch") == []


def test_a_stale_version_shows_the_task_as_it_is_now(site: Site) -> None:
    version = site.task("build")["version"]
    assert site.post("/tasks/build", {"name": "Build v2", "version": version}).status_code == 200

    stale = site.post("/tasks/build", {"name": "Build v3", "version": version})

    assert stale.status_code == 409
    assert 'data-code="version_mismatch"' in stale.text
    assert 'value="Build v2"' in stale.text  # the fresh row, to reapply the change on
    assert f'name="version" value="{version + 1}"' in stale.text
    assert site.task("build")["name"] == "Build v2"


def test_progress_starts_the_task(site: Site) -> None:
    version = site.task("sketch")["version"]

    saved = site.post("/tasks/sketch", {"progress": "40", "version": version})

    assert saved.status_code == 200
    task = site.task("sketch")
    assert task["progress"] == "40%"
    assert task["actual_start"] == "2027-03-01T09:00"  # where the schedule had it start


# Adding and moving -----------------------------------------------------------------------------


def test_add_a_task_at_the_end_and_as_a_subtask(site: Site) -> None:
    added = site.post("/tasks", {"name": "Load tests", "duration": "2d"})
    assert added.status_code == 200
    assert 'data-task="load-tests"' in added.text
    assert site.task("load-tests")["parent"] is None

    child = site.post(
        "/tasks", {"name": "Unit tests", "duration": "1d", "child": "1", "selected": "build"}
    )

    assert child.status_code == 200
    assert site.task("unit-tests")["parent"] == "build"
    assert "duration" not in site.task("build")  # a summary now: its dates come from below


def test_a_new_task_needs_a_readable_duration(site: Site) -> None:
    refused = site.post("/tasks", {"name": "Load tests", "duration": "soon"})

    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#add-task"
    assert re.search(r'<input id="add-duration"[^>]*aria-invalid="true"', refused.text)


def test_indent_outdent_and_move(site: Site) -> None:
    def move(key: str, how: str) -> Response:
        return site.post(f"/tasks/{key}/{how}", {"version": site.task(key)["version"]})

    assert move("docs", "indent").status_code == 200  # under build, its first subtask
    assert (site.task("docs")["parent"], site.task("docs")["position"]) == ("build", 0)
    assert "duration" not in site.task("build")  # a summary now
    assert "<td>bo</td>" in row_of(site.client.get("/projects/web-plan").text, "docs")
    assert move("docs", "outdent").status_code == 200
    assert site.task("docs")["parent"] is None
    assert [site.task(k)["position"] for k in ("design", "build", "docs", "done")] == [0, 1, 2, 3]
    assert site.task("build")["duration"] == "1d"  # a task again
    answer = move("docs", "up")
    assert answer.status_code == 200
    assert [site.task(k)["position"] for k in ("design", "docs", "build", "done")] == [0, 1, 2, 3]
    assert re.search(r'data-task="docs".*data-task="build".*data-task="done"', answer.text, re.S)
    assert move("docs", "down").status_code == 200
    assert [site.task(k)["position"] for k in ("build", "docs")] == [1, 2]
    refused = move("docs", "outdent")
    assert refused.status_code == 422
    assert 'data-code="invalid_move"' in refused.text
    assert refused.headers["HX-Retarget"] == "#plan-message"


def test_a_task_cannot_go_under_one_it_waits_for(site: Site) -> None:
    """Build waits for design; under design it would wait for its own summary."""
    refused = site.post("/tasks/build/indent", {"version": site.task("build")["version"]})

    assert refused.status_code == 422
    assert 'data-code="invalid_plan"' in refused.text
    assert site.task("build")["parent"] is None


def test_outdenting_the_last_subtask_makes_its_parent_a_task_again(site: Site) -> None:
    for key in ("review", "sketch"):
        answer = site.post(f"/tasks/{key}/outdent", {"version": site.task(key)["version"]})
        assert answer.status_code == 200, answer.text
    assert site.task("design")["duration"] == "1d"


def test_a_stale_move_is_refused(site: Site) -> None:
    refused = site.post("/tasks/build/up", {"version": 99})

    assert refused.status_code == 409
    assert 'data-code="version_mismatch"' in refused.text


# Dragged dates ---------------------------------------------------------------------------------


def drag(site: Site, key: str, start: str, end: str, version: int | None = None) -> Response:
    body = {"start": start, "end": end, "version": version or site.task(key)["version"]}
    return site.client.post(
        f"/projects/web-plan/tasks/{key}/dates", json=body, headers={"X-CSRF-Token": site.csrf}
    )


def test_moving_a_bar_pins_its_start(site: Site) -> None:
    moved = drag(site, "build", "2027-03-15", "2027-03-19")

    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] == "2027-03-15T09:00"
    assert moved.json()["finish"] == "2027-03-19T18:00"  # five days, as before
    assert site.task("build")["start_no_earlier_than"] == "2027-03-15"
    assert site.task("build")["duration"] == "5d"
    page = site.client.get("/projects/web-plan")
    assert re.search(r"<td>2027-03-15</td><td>2027-03-19</td>", row_of(page.text, "build"))


def test_stretching_a_bar_changes_its_duration(site: Site) -> None:
    """Build runs 2027-03-04 to 03-10 (Thursday to Wednesday); its end dragged to Friday."""
    stretched = drag(site, "build", "2027-03-04", "2027-03-12")

    assert stretched.status_code == 200, stretched.text
    assert site.task("build")["duration"] == "7d"
    assert "start_no_earlier_than" not in site.task("build")
    assert stretched.json()["finish"] == "2027-03-12T18:00"


def test_summaries_and_milestones_keep_their_dates(site: Site) -> None:
    summary = drag(site, "design", "2027-03-08", "2027-03-10")
    assert (summary.status_code, summary.json()["code"]) == (422, "summary_dates")
    milestone = drag(site, "done", "2027-03-10", "2027-03-15")  # its end, not its day
    assert (milestone.status_code, milestone.json()["code"]) == (422, "milestone_duration")
    stale = drag(site, "build", "2027-03-15", "2027-03-19", version=42)
    assert (stale.status_code, stale.json()["code"]) == (409, "version_mismatch")


def test_the_drag_answers_htmx_with_the_plan_body(site: Site) -> None:
    version = site.task("build")["version"]

    answer = site.post(
        "/tasks/build/dates", {"start": "2027-03-15", "end": "2027-03-19", "version": version}
    )

    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == "#plan-body"
    assert "now runs 2027-03-15 to 2027-03-19" in answer.text


# Roles and CSRF --------------------------------------------------------------------------------


def test_the_manager_sees_the_controls(site: Site) -> None:
    page = site.client.get("/projects/web-plan")

    assert page.status_code == 200
    assert 'id="add-task"' in page.text
    assert 'data-act="indent"' in page.text
    assert 'data-edit="plan"' in row_of(page.text, "build")
    bars = {bar[0]: bar for bar in gantt_bars(page.text)}
    assert bars["build"][6] == "cd"
    assert bars["design"][6] == "cs"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.STAKEHOLDER])
def test_readers_see_no_edit_controls_and_may_not_edit(site: Site, role: Role) -> None:
    site.user("reader@example.com", role)
    site.sign_in("reader@example.com")
    version = site.task("build")["version"]

    page = site.client.get("/projects/web-plan")

    if role is Role.STAKEHOLDER:  # reports only, not the plan itself
        assert page.status_code == 403
    else:
        assert page.status_code == 200
        assert "add-task" not in page.text
        assert "data-act" not in page.text
        assert "data-edit" not in page.text
        assert all("d" not in bar[6] for bar in gantt_bars(page.text))
    assert site.client.get("/projects/web-plan/tasks/build/edit").status_code == 403
    assert site.post("/tasks/build", {"name": "x", "version": version}).status_code == 403
    assert site.post("/tasks", {"name": "x", "duration": "1d"}).status_code == 403
    assert site.post("/tasks/build/indent", {"version": version}).status_code == 403
    assert drag(site, "build", "2027-03-15", "2027-03-19").status_code == 403
    assert site.task("build")["name"] == "Build"


def test_a_member_updates_progress_on_own_tasks_only(site: Site) -> None:
    site.user("ann@example.com", Role.MEMBER)
    site.sign_in("ann@example.com")

    page = site.client.get("/projects/web-plan")

    assert 'data-edit="progress"' in row_of(page.text, "sketch")
    assert "data-edit" not in row_of(page.text, "build")
    assert "add-task" not in page.text
    assert 'data-act="indent"' not in page.text
    form = site.client.get("/projects/web-plan/tasks/sketch/edit")
    assert form.status_code == 200
    assert 'name="progress"' in form.text
    assert 'name="name"' not in form.text
    version = site.task("sketch")["version"]
    assert site.post("/tasks/sketch", {"progress": "50", "version": version}).status_code == 200
    assert site.task("sketch")["progress"] == "50%"
    assert site.client.get("/projects/web-plan/tasks/build/edit").status_code == 403
    assert (
        site.post("/tasks/sketch", {"name": "Mine now", "version": version + 1}).status_code == 403
    )
    assert site.post("/tasks/build", {"progress": "10", "version": 1}).status_code == 403


def test_changes_need_the_csrf_token(site: Site) -> None:
    version = site.task("build")["version"]
    path = "/projects/web-plan/tasks/build"

    missing = site.client.post(path, data={"name": "x", "version": version})
    wrong = site.client.post(path, data={"name": "x", "version": version, "csrf_token": "nope"})
    dragged = site.client.post(f"{path}/dates", json={"start": "2027-03-15", "end": "2027-03-19"})

    assert [r.status_code for r in (missing, wrong, dragged)] == [403, 403, 403]
    assert 'data-code="csrf_failed"' in missing.text
    assert site.task("build")["name"] == "Build"
