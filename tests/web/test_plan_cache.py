"""The cache of scheduled plans (services.plan_cache) never shows a plan as it no longer is:
changes made behind its back (another process, plain SQL), refused changes, and the shortcut a
dragged bar takes (one task's row patched into the cached plan) are all seen. SQLite and
PostgreSQL, as the revision is kept by each database's triggers."""

from __future__ import annotations

import json

from sqlalchemy import select, text, update

from plansmith.services import plan_cache
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.plans import plan_spec
from tests.web.test_plan_page import Site, drag, row_of, site

__all__ = ["site"]  # the fixture, shared with the plan page's tests


def _revision(database: Database) -> int:
    with database.transaction(write=False) as session:
        value = session.scalar(select(t.Project.plan_revision).where(t.Project.key == "web-plan"))
        assert value is not None
        return value


def _cells(html: str, key: str) -> list[str]:
    import re

    return re.findall(r"<td[^>]*>(.*?)</td>", row_of(html, key))


def test_a_change_made_elsewhere_is_shown_at_once(site: Site) -> None:
    """As another process (or a hand-written UPDATE) would: not through this process's code,
    so only the database's revision can tell the cache that the plan changed."""
    before = site.client.get("/projects/web-plan")  # scheduled, and now in the cache
    assert _cells(before.text, "build")[2] == "5d"
    again = site.client.get("/projects/web-plan")
    assert again.text == before.text

    with site.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE tasks SET spec = :spec WHERE key = 'build'"),
            {"spec": json.dumps({"duration": "9d"})},
        )

    after = site.client.get("/projects/web-plan")
    assert _cells(after.text, "build")[2] == "9d"
    assert _cells(after.text, "done")[3] != _cells(before.text, "done")[3]  # rescheduled


def test_every_part_of_a_plan_moves_its_revision(site: Site) -> None:
    revisions = [_revision(site.database)]
    with site.database.transaction() as session:
        project = session.scalar(select(t.Project).where(t.Project.key == "web-plan"))
        assert project is not None
        pid = project.id
    steps = [
        update(t.Task).where(t.Task.key == "docs").values(name="Docs!"),
        update(t.Dependency).where(t.Dependency.project_id == pid).values(lag="1d"),
        update(t.Assignment).where(t.Assignment.project_id == pid).values(units="0.5"),
        update(t.Project).where(t.Project.id == pid).values(spec={"project": {"priority": 3}}),
        update(t.Resource).where(t.Resource.key == "bo").values(name="Bo B."),  # the pool
        update(t.Project).where(t.Project.id == pid).values(portfolio_id=None),  # not the plan
    ]
    for step in steps:
        with site.database.transaction() as session:
            session.execute(step)
        revisions.append(_revision(site.database))
    assert revisions[:-1] == sorted(set(revisions[:-1]))  # each step moved it up
    assert revisions[-1] == revisions[-2]


def test_a_refused_change_leaves_nothing_behind(site: Site) -> None:
    site.client.get("/projects/web-plan")
    version = site.task("build")["version"]
    refused = site.post("/tasks/build", {"name": "Build", "after": "done", "version": version})
    assert refused.status_code == 422  # a loop: rolled back, though it was scheduled
    saved = site.post("/tasks/build", {"name": "Build it", "duration": "2d", "version": version})
    assert saved.status_code == 200, saved.text

    page = site.client.get("/projects/web-plan")
    assert _cells(page.text, "build")[1].startswith("Build it<")
    assert _cells(page.text, "build")[2] == "2d"
    assert _cells(page.text, "build")[6] == "design"  # not "design, done"


def test_a_dragged_bar_is_patched_in_exactly_as_a_fresh_read_gives(site: Site) -> None:
    site.client.get("/projects/web-plan")
    moved = drag(site, "build", "2027-03-15", "2027-03-19")
    assert moved.status_code == 200, moved.text
    changes = moved.json()["changes"]
    assert {"build", "done"} <= set(changes["rows"])  # and the milestone after it moved
    assert "docs" not in changes["rows"]  # not moved: not sent
    assert [bar[0] for bar in changes["bars"]] == list(changes["rows"])
    assert '<tr data-task="build"' in changes["rows"]["build"]
    assert "2027-03-15" in changes["rows"]["build"]

    with site.database.transaction(write=False) as session:
        project = session.scalar(select(t.Project).where(t.Project.key == "web-plan"))
        assert project is not None
        cached = plan_cache.peek(plan_cache.plan_key(session, project))
        assert cached is not None  # kept for the next page load
        assert cached.spec == plan_spec(session, project)
    page = site.client.get("/projects/web-plan")
    assert _cells(page.text, "build")[3:5] == ["2027-03-15", "2027-03-19"]

    nested = drag(site, "sketch", "2027-03-01", "2027-03-03")  # a subtask, stretched a day
    assert nested.status_code == 200, nested.text
    with site.database.transaction(write=False) as session:
        project = session.scalar(select(t.Project).where(t.Project.key == "web-plan"))
        assert project is not None
        cached = plan_cache.peek(plan_cache.plan_key(session, project))
        assert cached is not None
        assert cached.spec == plan_spec(session, project)
        assert cached.document["tasks"][0]["children"][0]["duration"] == "3d"


def _key(site: Site) -> plan_cache.Key:
    with site.database.transaction(write=False) as session:
        project = session.scalar(select(t.Project).where(t.Project.key == "web-plan"))
        assert project is not None
        return plan_cache.plan_key(session, project)


def test_consecutive_drags_each_start_from_the_last(site: Site) -> None:
    keys = []
    for start, end in (("2027-03-15", "2027-03-19"), ("2027-03-22", "2027-03-26")):
        assert drag(site, "build", start, end).status_code == 200
        keys.append(_key(site))
    assert plan_cache.peek(keys[1]) is not None
    assert plan_cache.peek(keys[0]) is None  # one revision kept per plan: the latest
    shrunk = drag(site, "docs", "2027-03-01", "2027-03-01")
    assert shrunk.status_code == 200
    plan_cache.clear()  # what a fresh process would read
    page = site.client.get("/projects/web-plan")
    assert _cells(page.text, "build")[3:5] == ["2027-03-22", "2027-03-26"]
    assert site.task("build")["start_no_earlier_than"] == "2027-03-22"


def _body(html: str) -> str:
    return html[html.index('<div id="plan-body"') :]


def test_the_view_after_a_drag_is_the_view_a_fresh_read_gives(site: Site) -> None:
    """After a drag the page's rows are the ones before for the tasks that did not move, and
    new ones for the rest: the same page as computing every row again."""
    site.client.get("/projects/web-plan")
    for key, start, end in (
        ("build", "2027-03-15", "2027-03-19"),
        ("sketch", "2027-03-01", "2027-03-04"),
    ):
        assert drag(site, key, start, end).status_code == 200
    kept = site.client.get("/projects/web-plan").text  # the view the drag left in the cache
    plan_cache.clear()
    fresh = site.client.get("/projects/web-plan").text
    assert _body(kept) == _body(fresh)
