"""Who may call what: every API route x every caller x their own project and another one.

The routes come from the app itself (every ``APIRoute`` under ``/api/v1``), and
:data:`EXPECTED` says, for each ``(method, path)``, the least a caller needs: ``public``, ``any
signed-in user``, ``admin``, ``pool editor`` (an administrator, or an owner or manager of some
project) or the least project role (the roles are nested: owner > manager > member > viewer >
stakeholder, each allowed everything the next one is). A route missing from the table fails
:func:`test_every_route_is_in_the_table`, so a new endpoint cannot go unchecked, and a table
entry without a route fails too.

Each route is called by an administrator, each of the five roles on project A, a signed-in user
with no role ("outsider") and an anonymous caller, on project A and on project B (where only the
administrator has a role). A request is built per route to be valid (a fresh item to change or
delete, the If-Match its creation returned), so an allowed caller must get a 2xx; a role lacking
the action gets 403 ``forbidden``, a caller with no role on the project 404 ``not_found``
(another project's data looks absent), and an anonymous caller 401 ``not_signed_in``.

The full matrix runs on SQLite and on PostgreSQL (skipped, with the reason, when no server
answers). One pair of projects serves each backend (module-scoped), so the whole file stays
fast; each allowed call that changes something gets a fresh target of its own.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from plansmith.api.app import build_app
from plansmith.config import Settings
from plansmith.services import accounts, calendar_feeds
from plansmith.services.access import Role, grant
from plansmith.storage import tables as t
from plansmith.storage.database import Database, upgrade
from tests.api.conftest import Api
from tests.conftest import PG_ADMIN_URL

PUBLIC = "public"
SIGNED_IN = "any signed-in user"
ADMIN = "admin"
POOL_EDITOR = "pool editor"  # an administrator, or an owner or manager of some project

Rule = str | Role

# From the least to the most: each role may do everything the ones before it may.
LADDER = (Role.STAKEHOLDER, Role.VIEWER, Role.MEMBER, Role.MANAGER, Role.OWNER)

V1 = "/api/v1"
P = f"{V1}/projects/{{project}}"

EXPECTED: dict[tuple[str, str], Rule] = {
    ("GET", f"{V1}/health"): PUBLIC,
    ("POST", f"{V1}/auth/sign-in"): PUBLIC,
    ("POST", f"{V1}/auth/sign-out"): PUBLIC,
    ("GET", f"{V1}/auth/me"): SIGNED_IN,
    ("PUT", f"{V1}/auth/password"): SIGNED_IN,
    ("GET", f"{V1}/auth/tokens"): SIGNED_IN,
    ("POST", f"{V1}/auth/tokens"): SIGNED_IN,
    ("DELETE", f"{V1}/auth/tokens/{{token_id}}"): SIGNED_IN,
    ("GET", f"{V1}/users"): SIGNED_IN,
    ("POST", f"{V1}/users"): ADMIN,
    ("GET", f"{V1}/portfolios"): SIGNED_IN,
    ("POST", f"{V1}/portfolios"): ADMIN,
    ("GET", f"{V1}/portfolios/{{key}}"): SIGNED_IN,
    ("PATCH", f"{V1}/portfolios/{{key}}"): ADMIN,
    ("DELETE", f"{V1}/portfolios/{{key}}"): ADMIN,
    ("GET", f"{V1}/projects"): SIGNED_IN,
    ("POST", f"{V1}/projects"): SIGNED_IN,
    ("POST", f"{V1}/projects/import"): SIGNED_IN,
    ("POST", f"{V1}/projects/import/table"): SIGNED_IN,
    ("POST", f"{V1}/projects/import/table/preview"): SIGNED_IN,
    ("POST", f"{V1}/projects/import/mspdi"): SIGNED_IN,
    ("POST", f"{V1}/mspdi/preview"): SIGNED_IN,
    ("GET", P): Role.STAKEHOLDER,
    ("PATCH", P): Role.MANAGER,
    ("DELETE", P): Role.OWNER,
    ("GET", f"{P}/members"): Role.VIEWER,
    ("PUT", f"{P}/members"): Role.MANAGER,
    ("DELETE", f"{P}/members/{{user_id}}"): Role.MANAGER,
    ("GET", f"{P}/history"): Role.VIEWER,
    # The team (docs/team.md): readers of the plan see it; owners and managers change it.
    ("GET", f"{P}/team"): Role.VIEWER,
    ("PUT", f"{P}/team/{{section}}"): Role.MANAGER,
    ("GET", f"{P}/raci"): Role.VIEWER,
    ("PUT", f"{P}/raci/cell"): Role.MANAGER,
    ("GET", f"{P}/deliverables"): Role.VIEWER,
    ("GET", f"{P}/deliverables/{{key}}"): Role.VIEWER,
    ("PUT", f"{P}/deliverables/{{key}}"): Role.MANAGER,
    ("DELETE", f"{P}/deliverables/{{key}}"): Role.MANAGER,
    ("POST", f"{P}/deliverables/{{key}}/sign-off"): Role.MANAGER,
    ("GET", f"{P}/deliverables/{{key}}/history"): Role.VIEWER,
    ("GET", f"{P}/skills"): Role.VIEWER,
    ("GET", f"{P}/skill-gaps"): Role.VIEWER,
    ("GET", f"{P}/certifications"): Role.VIEWER,
    ("GET", f"{P}/training"): Role.VIEWER,
    ("GET", f"{V1}/workload"): SIGNED_IN,
    ("POST", f"{P}/schedule"): Role.VIEWER,
    ("POST", f"{P}/level"): Role.VIEWER,
    ("POST", f"{P}/simulate"): Role.VIEWER,
    ("GET", f"{P}/evm"): Role.STAKEHOLDER,
    ("GET", f"{P}/reports/status"): Role.STAKEHOLDER,
    ("GET", f"{V1}/reports/portfolio"): SIGNED_IN,
    ("GET", f"{P}/status-history"): Role.STAKEHOLDER,
    ("POST", f"{P}/status-history"): Role.MANAGER,
    ("GET", f"{P}/export"): Role.VIEWER,
    ("GET", f"{P}/baselines"): Role.VIEWER,
    ("POST", f"{P}/baselines"): Role.MANAGER,
    ("GET", f"{P}/baselines/{{name}}"): Role.VIEWER,
    ("DELETE", f"{P}/baselines/{{name}}"): Role.MANAGER,
    # Stakeholder communication: the register, the plan and the log name people and their
    # addresses, so they are the plan's (viewers read); owners and managers change them and send.
    # Unsubscribing is public: the token in the e-mail is the proof.
    ("GET", f"{P}/stakeholders"): Role.VIEWER,
    ("POST", f"{P}/stakeholders"): Role.MANAGER,
    ("GET", f"{P}/stakeholders/{{stakeholder_id}}"): Role.VIEWER,
    ("PATCH", f"{P}/stakeholders/{{stakeholder_id}}"): Role.MANAGER,
    ("DELETE", f"{P}/stakeholders/{{stakeholder_id}}"): Role.MANAGER,
    ("GET", f"{P}/stakeholder-grid"): Role.VIEWER,
    ("GET", f"{P}/communication"): Role.VIEWER,
    ("POST", f"{P}/communication"): Role.MANAGER,
    ("GET", f"{P}/communication/{{entry_id}}"): Role.VIEWER,
    ("PATCH", f"{P}/communication/{{entry_id}}"): Role.MANAGER,
    ("DELETE", f"{P}/communication/{{entry_id}}"): Role.MANAGER,
    ("POST", f"{P}/communication/{{entry_id}}/send"): Role.MANAGER,
    ("GET", f"{P}/deliveries"): Role.VIEWER,
    ("POST", f"{V1}/unsubscribe/{{token}}"): PUBLIC,
    # Plan items: anyone who reads the plan lists and reads them; owners and managers change
    # them. (A member changes progress on, and books time against, their own tasks only:
    # tested separately below, since the matrix's targets are nobody's tasks.)
    **{
        (method, f"{P}/{plural}{suffix}"): rule
        for plural in ("tasks", "dependencies", "assignments", "risks", "actuals")
        for method, suffix, rule in (
            ("GET", "", Role.VIEWER),
            ("POST", "", Role.MANAGER),
            ("GET", "/{key}", Role.VIEWER),
            ("PATCH", "/{key}", Role.MANAGER),
            ("DELETE", "/{key}", Role.MANAGER),
        )
    },
    # Meetings (docs/meetings.md): readers of the plan see them; members record occurrences,
    # minutes, decisions and action items; owners and managers arrange meetings, delete
    # occurrences and decisions, and make tasks of action items.
    ("GET", f"{P}/meetings"): Role.VIEWER,
    ("POST", f"{P}/meetings"): Role.MANAGER,
    ("GET", f"{P}/meetings/{{key}}"): Role.VIEWER,
    ("PATCH", f"{P}/meetings/{{key}}"): Role.MANAGER,
    ("DELETE", f"{P}/meetings/{{key}}"): Role.MANAGER,
    ("GET", f"{P}/meetings/{{key}}/invite.ics"): Role.VIEWER,
    ("GET", f"{P}/meetings/{{key}}/occurrences"): Role.VIEWER,
    ("POST", f"{P}/meetings/{{key}}/occurrences"): Role.MEMBER,
    ("GET", f"{P}/occurrences/{{occurrence_id}}"): Role.VIEWER,
    ("PATCH", f"{P}/occurrences/{{occurrence_id}}"): Role.MEMBER,
    ("DELETE", f"{P}/occurrences/{{occurrence_id}}"): Role.MANAGER,
    ("GET", f"{P}/occurrences/{{occurrence_id}}/invite.ics"): Role.VIEWER,
    ("GET", f"{P}/decisions"): Role.VIEWER,
    ("POST", f"{P}/decisions"): Role.MEMBER,
    ("GET", f"{P}/decisions/{{decision_id}}"): Role.VIEWER,
    ("PATCH", f"{P}/decisions/{{decision_id}}"): Role.MEMBER,
    ("DELETE", f"{P}/decisions/{{decision_id}}"): Role.MANAGER,
    ("GET", f"{P}/decisions/{{decision_id}}/history"): Role.VIEWER,
    ("GET", f"{P}/action-items"): Role.VIEWER,
    ("POST", f"{P}/action-items"): Role.MEMBER,
    ("GET", f"{P}/action-items/{{item_id}}"): Role.VIEWER,
    ("PATCH", f"{P}/action-items/{{item_id}}"): Role.MEMBER,
    ("DELETE", f"{P}/action-items/{{item_id}}"): Role.MEMBER,
    ("POST", f"{P}/action-items/{{item_id}}/make-task"): Role.MANAGER,
    # Calendar feeds: everyone manages their own; the feed itself is public, its token the key.
    ("GET", f"{V1}/calendar-feeds"): SIGNED_IN,
    ("POST", f"{V1}/calendar-feeds"): SIGNED_IN,
    ("DELETE", f"{V1}/calendar-feeds/{{feed_id}}"): SIGNED_IN,
    ("GET", f"{V1}/feeds/{{token}}.ics"): PUBLIC,
    # Proposals: anyone signed in reads the pipeline and submits; the author edits and submits
    # their own draft (tested in test_portfolio_api.py: the matrix's targets are the
    # administrator's); administrators decide and own the scoring model.
    ("GET", f"{V1}/proposal-scoring"): SIGNED_IN,
    ("PUT", f"{V1}/proposal-scoring"): ADMIN,
    ("GET", f"{V1}/proposals"): SIGNED_IN,
    ("POST", f"{V1}/proposals"): SIGNED_IN,
    ("GET", f"{V1}/proposals/{{key}}"): SIGNED_IN,
    ("PATCH", f"{V1}/proposals/{{key}}"): ADMIN,
    ("DELETE", f"{V1}/proposals/{{key}}"): ADMIN,
    ("POST", f"{V1}/proposals/{{key}}/transition"): ADMIN,
    ("POST", f"{V1}/proposals/{{key}}/approve"): ADMIN,
    # Evaluations: read by anyone signed in, written by those who run projects; applying one
    # changes a project's plan.
    ("GET", f"{V1}/evaluations"): SIGNED_IN,
    ("POST", f"{V1}/evaluations"): POOL_EDITOR,
    ("GET", f"{V1}/evaluations/{{key}}"): SIGNED_IN,
    ("PATCH", f"{V1}/evaluations/{{key}}"): POOL_EDITOR,
    ("DELETE", f"{V1}/evaluations/{{key}}"): POOL_EDITOR,
    ("GET", f"{V1}/evaluations/{{key}}/analysis"): SIGNED_IN,
    ("PUT", f"{V1}/evaluations/{{key}}/recommendation"): POOL_EDITOR,
    ("POST", f"{P}/evaluations/{{key}}/apply"): Role.MANAGER,
    # The systems inventory is part of the plan; its renewals are money (reports).
    ("GET", f"{P}/systems"): Role.VIEWER,
    ("POST", f"{P}/systems"): Role.MANAGER,
    ("GET", f"{P}/systems/{{key}}"): Role.VIEWER,
    ("PATCH", f"{P}/systems/{{key}}"): Role.MANAGER,
    ("DELETE", f"{P}/systems/{{key}}"): Role.MANAGER,
    ("GET", f"{P}/systems/checks"): Role.VIEWER,
    ("GET", f"{P}/systems/renewals"): Role.STAKEHOLDER,
    ("POST", f"{P}/systems/renewal-tasks"): Role.MANAGER,
    ("GET", f"{P}/maintenance"): Role.VIEWER,
    # The shared pool: everyone signed in reads it; administrators, owners and managers edit.
    **{
        (method, f"{V1}/{plural}{suffix}"): rule
        for plural in ("calendars", "resources")
        for method, suffix, rule in (
            ("GET", "", SIGNED_IN),
            ("POST", "", POOL_EDITOR),
            ("GET", "/{key}", SIGNED_IN),
            ("PATCH", "/{key}", POOL_EDITOR),
            ("DELETE", "/{key}", POOL_EDITOR),
        )
    },
}

CALLERS = ("admin", *(role.value for role in Role), "outsider", "anonymous")
PASSWORD = "correct horse battery"  # what Api.user gives every account
# The member is a person in saas-launch.yaml's pool (resource be-dev-1), so they own her tasks.
MEMBER_EMAIL = "sofia.marin@lumen-analytics.example"
MEMBER_RESOURCE = "be-dev-1"

OTHER_PLAN = """\
project:
  id: {key}
  name: Another customer's project
  start: 2027-03-01
calendars:
  perm-week:
    workdays: [mon, tue, wed, thu, fri]
    hours: ["09:00-17:00"]
resources:
  - id: perm-tester
    name: Permission tester
    calendar: perm-week
tasks:
  - id: alpha
    name: Alpha
    duration: 2d
    calendar: perm-week
    assign: [perm-tester]
  - id: beta
    name: Beta
    duration: 1d
    calendar: perm-week
    after: [alpha]
"""


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and (context.path or "").startswith(V1):
            found.update((method, context.path) for method in context.methods or ())
    return found


def _routes() -> set[tuple[str, str]]:
    """The app's routes, read from an app built on a database it never opens."""
    settings = Settings(
        database_url="sqlite://",
        data_dir=Path("."),
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    database = Database.connect("sqlite://")
    try:
        return _app_routes(build_app(settings, database))
    finally:
        database.dispose()


ROUTES = sorted(_routes(), key=lambda route: (route[1], route[0]))


# The world: two projects, one user per role on the first ------------------------------------


@dataclass
class World:
    api: Api
    own: str  # project A: every role below has it
    other: str  # project B: only the administrator (an owner of everything) sees it
    headers: dict[str, dict[str, str]]
    emails: dict[str, str]
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _samples: dict[tuple[str, str | None], str] = field(default_factory=dict)

    @property
    def client(self) -> TestClient:
        return self.api.client

    @property
    def admin(self) -> dict[str, str]:
        return self.headers["admin"]

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self._counter)}"

    def post(self, url: str, body: Any) -> tuple[dict[str, Any], str]:
        reply = self.client.post(url, json=body, headers=self.admin)
        assert reply.status_code == 201, (url, body, reply.text)
        return reply.json(), reply.headers.get("ETag", "")

    def etag(self, url: str) -> str:
        reply = self.client.get(url, headers=self.admin)
        assert reply.status_code == 200, (url, reply.text)
        return reply.headers["ETag"]

    def user_id(self, email: str) -> int:
        with self.api.database.transaction() as session:
            found = session.scalar(select(t.User.id).where(t.User.email == email))
        assert found is not None
        return found

    def grant(self, project: str, email: str, role: Role) -> None:
        user_id = self.user_id(email)
        with self.api.database.transaction() as session:
            project_id = session.scalar(select(t.Project.id).where(t.Project.key == project))
            assert project_id is not None
            grant(session, project_id, user_id, role)

    def new_user(self) -> str:
        email = f"{self.fresh('someone')}@perm.example"
        self.api.user(email)
        return email

    # Plan items: created as the administrator, so every caller's target is fresh.

    def item_url(self, plural: str, project: str | None) -> str:
        return f"{V1}/{plural}" if project is None else f"{V1}/projects/{project}/{plural}"

    def make(self, plural: str, project: str | None) -> tuple[str, str]:
        """A new item of this kind: its key in URLs and its ETag."""
        document, etag = self.post(
            self.item_url(plural, project), ITEM_BODIES[plural](self, project)
        )
        return str(document["id"]), etag

    def sample(self, plural: str, project: str | None) -> str:
        """One item of this kind to read, made once."""
        if (plural, project) not in self._samples:
            self._samples[plural, project] = self.make(plural, project)[0]
        return self._samples[plural, project]

    def teammate(self, project: str | None) -> str:
        """A resource already on the project's team (one from elsewhere in the pool may bring
        a calendar the project lacks: see test_assigning_a_pool_resource_keeps_the_plan_valid)."""
        return "qa" if project == self.own else "perm-tester"

    def baseline(self, project: str) -> str:
        name = self.fresh("perm-baseline")
        self.post(f"{V1}/projects/{project}/baselines", {"name": name})
        return name


ITEM_BODIES: dict[str, Callable[[World, str | None], dict[str, Any]]] = {
    "tasks": lambda w, _: {
        "id": w.fresh("perm-task"),
        "name": "Permission probe",
        "duration": "1d",
    },
    "dependencies": lambda w, p: {
        "predecessor": w.make("tasks", p)[0],
        "task": w.make("tasks", p)[0],
    },
    "assignments": lambda w, p: {"task": w.make("tasks", p)[0], "resource": w.teammate(p)},
    "risks": lambda w, _: {
        "id": w.fresh("perm-risk"),
        "title": "Permission probe",
        "probability": 0.1,
        "impact": {"cost": 100},
    },
    "actuals": lambda w, p: {"task": w.make("tasks", p)[0], "date": "2027-03-02", "cost": 100},
    "calendars": lambda w, _: {
        "id": w.fresh("perm-cal"),
        "workdays": ["mon", "tue"],
        "hours": ["09:00-17:00"],
    },
    "resources": lambda w, _: {"id": w.fresh("perm-res"), "name": "Permission probe"},
}
ITEM_PATCHES: dict[str, dict[str, Any]] = {
    "tasks": {"duration": "2d"},
    "dependencies": {"lag": "1d"},
    "assignments": {"units": 0.5},
    "risks": {"probability": 0.2},
    "actuals": {"cost": 200},
    "calendars": {"name": "Renamed"},
    "resources": {"capacity": 2},
}


@contextmanager
def _database_url(backend: str, directory: Path, postgres_unavailable: str | None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'plansmith.db'}"
        return
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    name = f"plansmith_test_{uuid.uuid4().hex[:12]}"
    server = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_unavailable: str | None,
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp(f"permissions-{request.param}")
    with _database_url(request.param, directory, postgres_unavailable) as url:
        database = Database.connect(url)
        upgrade(database.engine)
        settings = Settings(
            database_url=url,
            data_dir=directory,
            secret_key="s" * 48,
            production=False,
            load_demo=False,
            login_attempts_per_minute=10_000,  # every caller signs in; no limit is tested here
        )
        try:
            with TestClient(build_app(settings, database)) as client:
                api = Api(client, database, settings)
                own = api.import_example("saas-launch.yaml")
                other = "perm-other"
                from plansmith.services.projects import import_plan_text

                with database.transaction() as session:
                    import_plan_text(session, OTHER_PLAN.format(key=other), "other.yaml")
                emails = {
                    "admin": "admin@perm.example",
                    "outsider": "outsider@perm.example",
                    **{role.value: f"{role.value}@perm.example" for role in Role},
                    Role.MEMBER.value: MEMBER_EMAIL,
                }
                headers = {
                    "admin": api.user(emails["admin"], admin=True),
                    "outsider": api.user(emails["outsider"]),
                    "anonymous": {},
                    **{role.value: api.member(emails[role.value], own, role) for role in Role},
                }
                yield World(api, own, other, headers, emails)
        finally:
            database.dispose()


# One request per route ------------------------------------------------------------------------


@dataclass
class Case:
    world: World
    project: str | None  # the project in the URL, None for routes outside projects
    side: str  # "own" (project A), "other" (project B) or "none"
    caller: str


@dataclass
class Call:
    params: dict[str, str] = field(default_factory=dict)  # the path's
    json: Any = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    # Undoes what a successful call left behind that would change other cases (a project the
    # caller now owns would make them a pool editor).
    cleanup: Callable[[httpx.Response], None] | None = None


Builder = Callable[[Case], Call]


def _signed_in_as(case: Case) -> str:
    """The caller's e-mail (an anonymous caller signs in as the outsider)."""
    return case.world.emails["outsider" if case.caller == "anonymous" else case.caller]


def _revoke_own_token(case: Case) -> Call:
    w = case.world
    user_id = w.user_id(_signed_in_as(case))
    with w.api.database.transaction() as session:
        user = session.get(t.User, user_id)
        assert user is not None
        row, _ = accounts.issue_token(session, w.api.settings, user, "to revoke")
        token_id = row.id
    return Call(params={"token_id": str(token_id)})


def _changed_project(case: Case) -> Call:
    w = case.world
    etag = w.etag(f"{V1}/projects/{case.project}")
    return Call(json={"name": w.fresh("Renamed")}, headers={"If-Match": etag})


def _deleted_project(case: Case) -> Call:
    """A new project per call, where the caller has the role they have on A (on the "own"
    side), so deleting it costs the other cases nothing."""
    w = case.world
    key = w.fresh("perm-doomed")
    w.post(f"{V1}/projects", {"id": key, "name": "Doomed", "start": "2027-01-04"})
    if case.side == "own" and case.caller in {role.value for role in Role}:
        w.grant(key, w.emails[case.caller], Role(case.caller))
    return Call(params={"project": key}, headers={"If-Match": w.etag(f"{V1}/projects/{key}")})


def _removed_member(case: Case) -> Call:
    w = case.world
    email = w.new_user()
    assert case.project is not None
    w.grant(case.project, email, Role.VIEWER)
    return Call(params={"user_id": str(w.user_id(email))})


def _forget_project(world: World) -> Callable[[httpx.Response], None]:
    def forget(reply: httpx.Response) -> None:
        url = f"{V1}/projects/{reply.json()['id']}"
        gone = world.client.delete(url, headers={**world.admin, "If-Match": world.etag(url)})
        assert gone.status_code == 204, gone.text

    return forget


def _created_project(case: Case) -> Call:
    key = case.world.fresh("perm-new")
    return Call(
        json={"id": key, "name": "Probe", "start": "2027-01-04"},
        cleanup=_forget_project(case.world),
    )


def _imported(case: Case) -> Call:
    key = case.world.fresh("perm-import")
    return Call(
        content=OTHER_PLAN.format(key=key).replace("perm-", f"{key}-"),
        headers={"Content-Type": "application/yaml"},
        cleanup=_forget_project(case.world),
    )


def _table(case: Case, *, stored: bool) -> Call:
    """A task table as a multipart upload (a project of its own when ``stored``)."""
    boundary = "perm-boundary"
    fields = {"project_name": case.world.fresh("perm-table")}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="tasks.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nName,Duration\r\nProbe,1d\r\n"
    )
    return Call(
        content="".join(parts) + f"\r\n--{boundary}--\r\n",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        cleanup=_forget_project(case.world) if stored else None,
    )


def _mspdi(case: Case, *, stored: bool) -> Call:
    """A one-task MS Project XML file (a project of its own when ``stored``)."""
    key = case.world.fresh("perm-mspdi")
    xml = (
        '<Project xmlns="http://schemas.microsoft.com/project">'
        f"<Name>{key}</Name><StartDate>2027-01-04T08:00:00</StartDate>"
        "<Tasks><Task><UID>1</UID><ID>1</ID><Name>Probe</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration></Task></Tasks></Project>"
    )
    return Call(
        content=xml,
        headers={"Content-Type": "application/xml"},
        cleanup=_forget_project(case.world) if stored else None,
    )


def _changed_portfolio(case: Case) -> Call:
    w = case.world
    key = w.fresh("perm-portfolio")
    _, etag = w.post(f"{V1}/portfolios", {"id": key, "name": "Probe"})
    return Call(params={"key": key}, json={"name": "Renamed"}, headers={"If-Match": etag})


def _deleted_portfolio(case: Case) -> Call:
    call = _changed_portfolio(case)
    return Call(params=call.params, headers=call.headers)


def _sample_portfolio(case: Case) -> Call:
    w = case.world
    if ("portfolios", None) not in w._samples:
        key = w.fresh("perm-portfolio")
        w.post(f"{V1}/portfolios", {"id": key, "name": "Probe"})
        w._samples["portfolios", None] = key
    return Call(params={"key": w._samples["portfolios", None]})


def _sample_baseline(case: Case) -> Call:
    w = case.world
    assert case.project is not None
    if ("baselines", case.project) not in w._samples:
        w._samples["baselines", case.project] = w.baseline(case.project)
    return Call(params={"name": w._samples["baselines", case.project]})


def _item_builders(plural: str, scoped: bool) -> dict[tuple[str, str], Builder]:
    base = f"{P}/{plural}" if scoped else f"{V1}/{plural}"

    def created(case: Case) -> Call:
        return Call(json=ITEM_BODIES[plural](case.world, case.project))

    def read(case: Case) -> Call:
        return Call(params={"key": case.world.sample(plural, case.project)})

    def changed(case: Case) -> Call:
        key, etag = case.world.make(plural, case.project)
        return Call(params={"key": key}, json=ITEM_PATCHES[plural], headers={"If-Match": etag})

    def deleted(case: Case) -> Call:
        key, etag = case.world.make(plural, case.project)
        return Call(params={"key": key}, headers={"If-Match": etag})

    return {
        ("POST", base): created,
        ("GET", f"{base}/{{key}}"): read,
        ("PATCH", f"{base}/{{key}}"): changed,
        ("DELETE", f"{base}/{{key}}"): deleted,
    }


def _stakeholder(case: Case) -> tuple[str, str]:
    """A new stakeholder with an address in the case's project: its id and ETag."""
    w = case.world
    body = {"name": w.fresh("Perm Person"), "email": f"{w.fresh('person')}@perm.example"}
    document, etag = w.post(f"{V1}/projects/{case.project}/stakeholders", body)
    return str(document["id"]), etag


def _entry(case: Case) -> tuple[str, str]:
    """A new communication plan entry sending to a new stakeholder: its id and ETag."""
    w = case.world
    body = {"title": w.fresh("Perm report"), "recipients": [int(_stakeholder(case)[0])]}
    document, etag = w.post(f"{V1}/projects/{case.project}/communication", body)
    return str(document["id"]), etag


def _comms_builders() -> dict[tuple[str, str], Builder]:
    def changed(make: Callable[[Case], tuple[str, str]], name: str, patch: Any) -> Builder:
        def build(case: Case) -> Call:
            ident, etag = make(case)
            return Call(params={name: ident}, json=patch, headers={"If-Match": etag})

        return build

    def deleted(make: Callable[[Case], tuple[str, str]], name: str) -> Builder:
        def build(case: Case) -> Call:
            ident, etag = make(case)
            return Call(params={name: ident}, headers={"If-Match": etag})

        return build

    person, entry = f"{P}/stakeholders/{{stakeholder_id}}", f"{P}/communication/{{entry_id}}"
    return {
        ("POST", f"{P}/stakeholders"): lambda c: Call(
            json={"name": c.world.fresh("Perm Person"), "interest": 4, "influence": 2}
        ),
        ("GET", person): lambda c: Call(params={"stakeholder_id": _stakeholder(c)[0]}),
        ("PATCH", person): changed(_stakeholder, "stakeholder_id", {"interest": 5}),
        ("DELETE", person): deleted(_stakeholder, "stakeholder_id"),
        ("POST", f"{P}/communication"): lambda c: Call(
            json={"title": c.world.fresh("Perm report"), "cadence": "monthly", "day": 31}
        ),
        ("GET", entry): lambda c: Call(params={"entry_id": _entry(c)[0]}),
        ("PATCH", entry): changed(_entry, "entry_id", {"cadence": "biweekly"}),
        ("DELETE", entry): deleted(_entry, "entry_id"),
        ("POST", f"{entry}/send"): lambda c: Call(params={"entry_id": _entry(c)[0]}),
        ("POST", f"{V1}/unsubscribe/{{token}}"): _unsubscribe_token,
    }


def _unsubscribe_token(case: Case) -> Call:
    """A token as an e-mail carries it, for a new recipient of a new entry on project A."""
    import secrets
    from datetime import UTC, datetime, timedelta

    from plansmith.services.deliveries import token_hash
    from plansmith.storage.tables_comms import CommunicationRecipient, UnsubscribeToken

    w = case.world
    own = Case(w, w.own, "own", "admin")
    entry_id, stakeholder_id = int(_entry(own)[0]), int(_stakeholder(own)[0])
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with w.api.database.transaction() as session:
        session.add(CommunicationRecipient(entry_id=entry_id, stakeholder_id=stakeholder_id))
        session.add(
            UnsubscribeToken(
                token_hash=token_hash(token),
                entry_id=entry_id,
                stakeholder_id=stakeholder_id,
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
    return Call(params={"token": token})


def _meeting_thing(case: Case, what: str) -> tuple[str, str]:
    """A fresh meeting series, occurrence, decision or action item on the case's project,
    made by the administrator: its id in URLs and its ETag."""
    w = case.world
    project = case.project or ""
    base = f"{V1}/projects/{project}"
    if what == "meetings":
        document, etag = w.post(f"{base}/meetings", _meeting_body(w.fresh("perm-meeting")))
        return str(document["id"]), etag
    if what == "occurrences":
        series = _sample_meeting(w, project)
        minutes = next(w._counter)
        start = datetime(2027, 5, 1, 10) + timedelta(minutes=minutes)
        document, etag = w.post(
            f"{base}/meetings/{series}/occurrences", {"start": start.isoformat()}
        )
        return str(document["id"]), etag
    if what == "decisions":
        document, etag = w.post(f"{base}/decisions", {"date": "2027-03-05", "title": "Probe"})
        return str(document["id"]), etag
    owner = w.teammate(project)
    document, etag = w.post(f"{base}/action-items", {"text": "Probe", "owner": owner})
    return str(document["id"]), etag


def _meeting_body(key: str) -> dict[str, Any]:
    return {"id": key, "title": "Probe", "rrule": "FREQ=WEEKLY", "start": "2027-03-01T09:00"}


def _sample_meeting(w: World, project: str) -> str:
    if ("meetings", project) not in w._samples:
        key = w.fresh("perm-meeting")
        w.post(f"{V1}/projects/{project}/meetings", _meeting_body(key))
        w._samples["meetings", project] = key
    return w._samples["meetings", project]


def _meeting_builders() -> dict[tuple[str, str], Builder]:
    out: dict[tuple[str, str], Builder] = {}
    for what, plural, param, body, patch in (
        ("meetings", "meetings", "key", None, {"title": "Renamed"}),
        ("occurrences", "occurrences", "occurrence_id", None, {"minutes": "Noted."}),
        ("decisions", "decisions", "decision_id", {"date": "2027-03-05", "title": "P"}, None),
        ("action-items", "action-items", "item_id", {"text": "Probe"}, {"done": True}),
    ):
        one = f"{P}/{plural}/{{{param}}}"

        def read(case: Case, what: str = what, param: str = param) -> Call:
            w, project = case.world, case.project or ""
            if (what, project) not in w._samples:
                w._samples[what, project] = _meeting_thing(case, what)[0]
            return Call(params={param: w._samples[what, project]})

        def changed(case: Case, what: str = what, param: str = param, patch: Any = patch) -> Call:
            ident, etag = _meeting_thing(case, what)
            return Call(
                params={param: ident},
                json=patch or {"status": "decided"},
                headers={"If-Match": etag},
            )

        def deleted(case: Case, what: str = what, param: str = param) -> Call:
            ident, etag = _meeting_thing(case, what)
            return Call(params={param: ident}, headers={"If-Match": etag})

        out["GET", one] = read
        out["PATCH", one] = changed
        out["DELETE", one] = deleted
        if body is not None:
            out["POST", f"{P}/{plural}"] = lambda c, body=body: Call(json=body)
    out["POST", f"{P}/meetings"] = lambda c: Call(json=_meeting_body(c.world.fresh("perm-m")))
    out["GET", f"{P}/meetings/{{key}}/invite.ics"] = out["GET", f"{P}/meetings/{{key}}"]
    out["GET", f"{P}/meetings/{{key}}/occurrences"] = out["GET", f"{P}/meetings/{{key}}"]
    out["GET", f"{P}/occurrences/{{occurrence_id}}/invite.ics"] = out[
        "GET", f"{P}/occurrences/{{occurrence_id}}"
    ]
    out["GET", f"{P}/decisions/{{decision_id}}/history"] = out[
        "GET", f"{P}/decisions/{{decision_id}}"
    ]

    def occurrence(case: Case) -> Call:
        series = _sample_meeting(case.world, case.project or "")
        start = datetime(2028, 1, 3, 8) + timedelta(minutes=next(case.world._counter))
        return Call(params={"key": series}, json={"start": start.isoformat()})

    def make_task(case: Case) -> Call:
        ident, etag = _meeting_thing(case, "action-items")
        return Call(params={"item_id": ident}, json={}, headers={"If-Match": etag})

    out["POST", f"{P}/meetings/{{key}}/occurrences"] = occurrence
    out["POST", f"{P}/action-items/{{item_id}}/make-task"] = make_task
    return out


def _own_feed(case: Case, *, email: str | None = None) -> tuple[int, str]:
    """A personal calendar feed of the caller (or of ``email``): its id and token."""
    w = case.world
    user_id = w.user_id(email or _signed_in_as(case))
    with w.api.database.transaction() as session:
        user = session.get(t.User, user_id)
        assert user is not None
        row, token = calendar_feeds.create_feed(session, user, {})
        return row.id, token


def _team_etag(case: Case) -> str:
    return case.world.etag(f"{V1}/projects/{case.project}/team")


def _sample_deliverable(case: Case) -> tuple[str, str]:
    """A fresh deliverable of the case's project, and the project's ETag after making it."""
    w = case.world
    key = w.fresh("perm-deliverable")
    reply = w.client.put(
        f"{V1}/projects/{case.project}/deliverables/{key}",
        json={"name": "Probe"},
        headers={**w.admin, "If-Match": _team_etag(case)},
    )
    assert reply.status_code == 200, reply.text
    return key, reply.headers["ETag"]


def _first_task(case: Case) -> str:
    reply = case.world.client.get(
        f"{V1}/projects/{case.project}/tasks", params={"limit": 1}, headers=case.world.admin
    )
    return str(reply.json()["items"][0]["id"])


def _team_builders() -> dict[tuple[str, str], Builder]:
    def deliverable(case: Case, body: Any = None) -> Call:
        key, etag = _sample_deliverable(case)
        return Call(params={"key": key}, json=body, headers={"If-Match": etag})

    return {
        ("PUT", f"{P}/team/{{section}}"): lambda c: Call(
            params={"section": "team_rules"},
            json={"max_accountable": 5},
            headers={"If-Match": _team_etag(c)},
        ),
        ("PUT", f"{P}/raci/cell"): lambda c: Call(
            json={"item": _first_task(c), "party": "anyone", "letters": ""},
            headers={"If-Match": _team_etag(c)},
        ),
        ("GET", f"{P}/deliverables/{{key}}"): deliverable,
        ("PUT", f"{P}/deliverables/{{key}}"): lambda c: Call(
            params={"key": c.world.fresh("perm-deliverable")},
            json={"name": "Probe"},
            headers={"If-Match": _team_etag(c)},
        ),
        ("DELETE", f"{P}/deliverables/{{key}}"): deliverable,
        ("POST", f"{P}/deliverables/{{key}}/sign-off"): lambda c: deliverable(c, {"by": "Dana"}),
        ("GET", f"{P}/deliverables/{{key}}/history"): lambda c: Call(params={"key": "any"}),
    }


def _portfolio_builders() -> dict[tuple[str, str], Builder]:
    """Proposals, evaluations and systems: each changing call gets a target of its own."""

    def proposal(case: Case, stage: str = "draft") -> tuple[str, str]:
        w = case.world
        key = w.fresh("perm-proposal")
        _, etag = w.post(f"{V1}/proposals", {"id": key, "title": "Probe", "status": stage})
        return key, etag

    def evaluation(case: Case, recommended: bool = False) -> tuple[str, str]:
        w = case.world
        key = w.fresh("perm-evaluation")
        option = {
            "id": "only",
            "name": "Only",
            "scores": {"fit": 3},
            "costs": [{"name": "Kit", "once": 100, "category": "hardware"}],
            "system": {"id": key, "name": "Probe", "type": "hardware"},
        }
        body: dict[str, Any] = {
            "id": key,
            "currency": "EUR",
            "discount_rate": "8%",
            "horizon": 2,
            "criteria": [{"id": "fit", "weight": 100}],
            "options": [option],
        }
        if recommended:
            body["recommendation"] = {"option": "only"}
        _, etag = w.post(f"{V1}/evaluations", body)
        return key, etag

    def system(case: Case) -> tuple[str, str]:
        w = case.world
        key = w.fresh("perm-system")
        url = f"{V1}/projects/{case.project}/systems"
        _, etag = w.post(url, {"id": key, "name": "Probe", "type": "software"})
        return key, etag

    def scoring(case: Case) -> Call:
        reply = case.world.client.get(f"{V1}/proposal-scoring", headers=case.world.admin)
        return Call(
            json={"criteria": [{"id": "fit", "weight": 100}]},
            headers={"If-Match": reply.headers["ETag"]},
        )

    def with_etag(made: tuple[str, str], json: Any = None) -> Call:
        return Call(params={"key": made[0]}, json=json, headers={"If-Match": made[1]})

    def system_etag(case: Case) -> Call:
        key, _ = system(case)
        etag = case.world.etag(f"{V1}/projects/{case.project}/systems/{key}")
        return Call(params={"key": key}, json={"version": "2"}, headers={"If-Match": etag})

    return {
        ("PUT", f"{V1}/proposal-scoring"): scoring,
        ("POST", f"{V1}/proposals"): lambda c: Call(
            json={"id": c.world.fresh("perm-proposal"), "title": "Probe"}
        ),
        ("GET", f"{V1}/proposals/{{key}}"): lambda c: Call(params={"key": proposal(c)[0]}),
        ("PATCH", f"{V1}/proposals/{{key}}"): lambda c: with_etag(proposal(c), {"notes": "x"}),
        ("DELETE", f"{V1}/proposals/{{key}}"): lambda c: with_etag(proposal(c)),
        ("POST", f"{V1}/proposals/{{key}}/transition"): lambda c: with_etag(
            proposal(c), {"to": "under_review"}
        ),
        ("POST", f"{V1}/proposals/{{key}}/approve"): lambda c: with_etag(
            proposal(c, "under_review"), {"start": "2027-03-01"}
        ),
        ("POST", f"{V1}/evaluations"): lambda c: Call(
            json={
                "id": c.world.fresh("perm-evaluation"),
                "currency": "EUR",
                "discount_rate": "8%",
                "horizon": 1,
                "criteria": [{"id": "fit", "weight": 100}],
                "options": [{"id": "a", "name": "A", "scores": {"fit": 2}}],
            }
        ),
        ("GET", f"{V1}/evaluations/{{key}}"): lambda c: Call(params={"key": evaluation(c)[0]}),
        ("GET", f"{V1}/evaluations/{{key}}/analysis"): lambda c: Call(
            params={"key": evaluation(c)[0]}
        ),
        ("PATCH", f"{V1}/evaluations/{{key}}"): lambda c: with_etag(evaluation(c), {"title": "T"}),
        ("DELETE", f"{V1}/evaluations/{{key}}"): lambda c: with_etag(evaluation(c)),
        ("PUT", f"{V1}/evaluations/{{key}}/recommendation"): lambda c: with_etag(
            evaluation(c), {"option": "only"}
        ),
        ("POST", f"{P}/evaluations/{{key}}/apply"): lambda c: Call(
            params={"key": evaluation(c, recommended=True)[0]}
        ),
        ("POST", f"{P}/systems"): lambda c: Call(
            json={"id": c.world.fresh("perm-system"), "name": "Probe", "type": "service"}
        ),
        ("GET", f"{P}/systems/{{key}}"): lambda c: Call(params={"key": system(c)[0]}),
        ("PATCH", f"{P}/systems/{{key}}"): system_etag,
        ("DELETE", f"{P}/systems/{{key}}"): system_etag,
    }


# Routes not listed here are called with their {project} filled in and no body.
BUILDERS: dict[tuple[str, str], Builder] = {
    ("POST", f"{V1}/auth/sign-in"): lambda c: Call(
        json={"email": _signed_in_as(c), "password": PASSWORD}
    ),
    ("POST", f"{V1}/auth/tokens"): lambda c: Call(json={"name": "probe", "days": 1}),
    ("PUT", f"{V1}/auth/password"): lambda c: Call(
        json={"current_password": PASSWORD, "new_password": PASSWORD}
    ),
    ("DELETE", f"{V1}/auth/tokens/{{token_id}}"): _revoke_own_token,
    ("POST", f"{V1}/users"): lambda c: Call(
        json={"email": f"{c.world.fresh('new')}@perm.example", "password": PASSWORD}
    ),
    ("POST", f"{V1}/portfolios"): lambda c: Call(
        json={"id": c.world.fresh("perm-portfolio"), "name": "Probe"}
    ),
    ("GET", f"{V1}/portfolios/{{key}}"): _sample_portfolio,
    ("PATCH", f"{V1}/portfolios/{{key}}"): _changed_portfolio,
    ("DELETE", f"{V1}/portfolios/{{key}}"): _deleted_portfolio,
    ("POST", f"{V1}/projects"): _created_project,
    ("POST", f"{V1}/projects/import"): _imported,
    ("POST", f"{V1}/projects/import/table"): lambda c: _table(c, stored=True),
    ("POST", f"{V1}/projects/import/table/preview"): lambda c: _table(c, stored=False),
    ("POST", f"{V1}/projects/import/mspdi"): lambda c: _mspdi(c, stored=True),
    ("POST", f"{V1}/mspdi/preview"): lambda c: _mspdi(c, stored=False),
    ("PATCH", P): _changed_project,
    ("DELETE", P): _deleted_project,
    ("PUT", f"{P}/members"): lambda c: Call(json={"email": c.world.new_user(), "role": "viewer"}),
    ("DELETE", f"{P}/members/{{user_id}}"): _removed_member,
    ("POST", f"{P}/level"): lambda c: Call(
        json={"mode": "fast", "time_limit": 0.1, "schedules": 1}
    ),
    ("GET", f"{P}/evm"): lambda c: Call(query={"status_date": "2027-03-15"}),
    ("POST", f"{P}/status-history"): lambda c: Call(query={"status_date": "2027-03-15"}),
    ("POST", f"{P}/simulate"): lambda c: Call(json={"iterations": 20, "seed": 1}),
    ("POST", f"{P}/baselines"): lambda c: Call(json={"name": c.world.fresh("perm-baseline")}),
    ("GET", f"{P}/baselines/{{name}}"): _sample_baseline,
    ("DELETE", f"{P}/baselines/{{name}}"): lambda c: Call(
        params={"name": c.world.baseline(c.project or "")}
    ),
    **_comms_builders(),
    **_meeting_builders(),
    **_team_builders(),
    **_portfolio_builders(),
    ("POST", f"{V1}/calendar-feeds"): lambda c: Call(json={"name": "probe"}),
    ("DELETE", f"{V1}/calendar-feeds/{{feed_id}}"): lambda c: Call(
        params={"feed_id": str(_own_feed(c)[0])}
    ),
    ("GET", f"{V1}/feeds/{{token}}.ics"): lambda c: Call(
        params={"token": _own_feed(c, email=c.world.emails["admin"])[1]}
    ),
    **_item_builders("tasks", True),
    **_item_builders("dependencies", True),
    **_item_builders("assignments", True),
    **_item_builders("risks", True),
    **_item_builders("actuals", True),
    **_item_builders("calendars", False),
    **_item_builders("resources", False),
}

# Builders whose request depends on who calls (the others are reused while callers are refused).
PER_CALLER = {
    ("POST", f"{V1}/auth/sign-in"),
    ("DELETE", f"{V1}/auth/tokens/{{token_id}}"),
    ("DELETE", P),
    ("DELETE", f"{V1}/calendar-feeds/{{feed_id}}"),
}


def expected(rule: Rule, caller: str, side: str) -> int | None:
    """The status a caller must get (None: any 2xx)."""
    if caller == "anonymous":
        return None if rule == PUBLIC else 401
    if rule in (PUBLIC, SIGNED_IN) or caller == "admin":
        return None
    if rule == ADMIN:
        return 403
    if rule == POOL_EDITOR:
        return None if caller in (Role.OWNER, Role.MANAGER) else 403
    assert isinstance(rule, Role)
    if side == "other" or caller == "outsider":
        return 404
    return None if LADDER.index(Role(caller)) >= LADDER.index(rule) else 403


CODES = {401: "not_signed_in", 403: "forbidden", 404: "not_found"}


def test_every_route_is_in_the_table() -> None:
    missing = sorted(set(ROUTES) - set(EXPECTED))
    assert not missing, f"routes with no expectation in EXPECTED (add them): {missing}"


def test_the_table_names_only_real_routes() -> None:
    stale = sorted(set(EXPECTED) - set(ROUTES))
    assert not stale, f"EXPECTED names routes the app does not have: {stale}"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p[len(V1) :]}" for m, p in ROUTES])
def test_who_may_call_each_route(world: World, method: str, path: str) -> None:
    rule = EXPECTED.get((method, path))
    if rule is None:
        pytest.fail(f"{method} {path} is not in EXPECTED")
    build = BUILDERS.get((method, path), lambda case: Call())
    sides = (
        (("own", world.own), ("other", world.other)) if "{project}" in path else (("none", None),)
    )
    wrong: list[str] = []
    for side, project in sides:
        call: Call | None = None
        for caller in CALLERS:
            case = Case(world, project, side, caller)
            if call is None or (method, path) in PER_CALLER:
                call = build(case)
            params = {"project": project or "", **call.params}
            url = path.format(**params)
            reply = world.client.request(
                method,
                url,
                params=call.query,
                json=call.json,
                content=call.content,
                headers={**world.headers[caller], **call.headers},
            )
            want = expected(rule, caller, side)
            if want is None:
                ok = 200 <= reply.status_code < 300
                if ok:
                    if call.cleanup is not None:
                        call.cleanup(reply)
                    call = None  # it may have used up its target: build the next one afresh
            else:
                body = (
                    reply.json()
                    if reply.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                ok = reply.status_code == want and body.get("code") == CODES[want]
            if not ok:
                wrong.append(
                    f"{caller:>11} on {side:<5} {method} {url}: wanted "
                    f"{want or '2xx'}, got {reply.status_code} {reply.text[:200]}"
                )
    assert not wrong, f"{method} {path} (least: {rule}):\n" + "\n".join(wrong)


# What the matrix cannot show ------------------------------------------------------------------


def _tasks_of(world: World, resource: str, *, assigned: bool) -> list[str]:
    """Keys of A's tasks assigned to ``resource`` (or assigned, but not to it)."""
    reply = world.client.get(
        f"{V1}/projects/{world.own}/assignments", params={"limit": 500}, headers=world.admin
    )
    assert reply.status_code == 200, reply.text
    mine = {a["task"] for a in reply.json()["items"] if a["resource"] == resource}
    if assigned:
        return sorted(mine)
    return sorted({a["task"] for a in reply.json()["items"]} - mine)


def _patch_task(world: World, who: str, key: str, patch: dict[str, Any]) -> httpx.Response:
    url = f"{V1}/projects/{world.own}/tasks/{key}"
    headers = {**world.headers[who], "If-Match": world.etag(url)}
    return world.client.patch(url, json=patch, headers=headers)


def test_a_member_updates_progress_on_their_own_tasks_only(world: World) -> None:
    own, theirs = (
        _tasks_of(world, MEMBER_RESOURCE, assigned=True)[0],
        _tasks_of(world, MEMBER_RESOURCE, assigned=False)[0],
    )
    progress = {"progress": "0%", "notes": "Started on the schema; blocked on review."}
    allowed = _patch_task(world, "member", own, progress)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["notes"] == progress["notes"]
    for key, patch in (
        (theirs, progress),  # not their task
        (own, {"duration": "9d"}),  # their task, but the plan itself
        (own, {**progress, "name": "Renamed"}),  # progress mixed with a plan field
    ):
        refused = _patch_task(world, "member", key, patch)
        assert refused.status_code == 403, (key, patch, refused.text)
        assert refused.json()["code"] == "forbidden"
    # The same progress field is refused to a viewer even on the member's task.
    viewer = _patch_task(world, "viewer", own, progress)
    assert (viewer.status_code, viewer.json()["code"]) == (403, "forbidden")


def test_a_member_books_time_on_their_own_tasks_only(world: World) -> None:
    own = _tasks_of(world, MEMBER_RESOURCE, assigned=True)[0]
    theirs = _tasks_of(world, MEMBER_RESOURCE, assigned=False)[0]
    url = f"{V1}/projects/{world.own}/actuals"
    member = world.headers["member"]
    booking = {"date": "2027-03-01", "hours": 4, "resource": MEMBER_RESOURCE}
    created = world.client.post(url, json={**booking, "task": own}, headers=member)
    assert created.status_code == 201, created.text
    refused = world.client.post(url, json={**booking, "task": theirs}, headers=member)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    elsewhere = world.client.post(
        f"{V1}/projects/{world.other}/actuals", json={**booking, "task": "alpha"}, headers=member
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "not_found")
    gone = world.client.delete(
        f"{url}/{created.json()['id']}", headers={**member, "If-Match": created.headers["ETag"]}
    )
    assert gone.status_code == 204, gone.text


def test_a_member_corrects_their_own_booking(world: World) -> None:
    own = _tasks_of(world, MEMBER_RESOURCE, assigned=True)[0]
    url = f"{V1}/projects/{world.own}/actuals"
    member = world.headers["member"]
    booking = {"task": own, "date": "2027-03-02", "hours": 4, "resource": MEMBER_RESOURCE}
    created = world.client.post(url, json=booking, headers=member)
    assert created.status_code == 201, created.text
    changed = world.client.patch(
        f"{url}/{created.json()['id']}",
        json={"hours": 6},
        headers={**member, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["hours"] in ("6", 6)


def test_items_named_by_number_can_be_changed(world: World) -> None:
    """Dependencies, assignments and actuals are named by their row id, which their documents
    carry but their schemas do not; a change must still validate."""
    wrong = []
    for plural in ("dependencies", "assignments", "actuals"):
        key, etag = world.make(plural, world.own)
        url = f"{V1}/projects/{world.own}/{plural}/{key}"
        reply = world.client.patch(
            url, json=ITEM_PATCHES[plural], headers={**world.admin, "If-Match": etag}
        )
        if reply.status_code != 200:
            wrong.append(f"PATCH {url} {ITEM_PATCHES[plural]}: {reply.status_code} {reply.text}")
    assert not wrong, "\n".join(wrong)


def test_another_project_looks_exactly_like_no_project(world: World) -> None:
    """An outsider cannot tell another customer's project from one that does not exist: same
    status, code and message (the key aside), and no internal id."""
    outsider = world.headers["outsider"]
    for suffix in ("", "/tasks", "/tasks/alpha", "/members", "/export"):
        real = world.client.get(f"{V1}/projects/{world.other}{suffix}", headers=outsider)
        absent = world.client.get(f"{V1}/projects/no-such-project{suffix}", headers=outsider)
        assert real.status_code == absent.status_code == 404, (suffix, real.text, absent.text)
        assert real.json()["code"] == absent.json()["code"] == "not_found"
        assert real.json()["message"].replace(world.other, "KEY") == absent.json()[
            "message"
        ].replace("no-such-project", "KEY"), (suffix, real.json(), absent.json())


def test_project_lists_show_only_the_callers_projects(world: World) -> None:
    def keys(caller: str) -> set[str]:
        reply = world.client.get(
            f"{V1}/projects", params={"limit": 500}, headers=world.headers[caller]
        )
        assert reply.status_code == 200, reply.text
        return {p["id"] for p in reply.json()["items"]} & {world.own, world.other}

    assert keys("admin") == {world.own, world.other}
    for role in Role:
        assert keys(role.value) == {world.own}, role
    assert keys("outsider") == set()


def test_nobody_revokes_someone_elses_token(world: World) -> None:
    viewer_id = world.user_id(world.emails["viewer"])
    with world.api.database.transaction() as session:
        user = session.get(t.User, viewer_id)
        assert user is not None
        row, token = accounts.issue_token(session, world.api.settings, user, "the viewer's")
        token_id = row.id
    for caller in ("outsider", "owner", "admin"):
        reply = world.client.delete(f"{V1}/auth/tokens/{token_id}", headers=world.headers[caller])
        assert (reply.status_code, reply.json()["code"]) == (404, "not_found"), caller
    still = world.client.get(f"{V1}/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert still.status_code == 200


def test_assigning_a_pool_resource_keeps_the_plan_valid(world: World) -> None:
    """A resource from the shared pool brings its calendar along: a project that books
    perm-tester (whose calendar only project B uses so far) still schedules."""
    key = world.fresh("perm-pooled")
    world.post(f"{V1}/projects", {"id": key, "name": "Pooled", "start": "2027-03-01"})
    base = f"{V1}/projects/{key}"
    world.post(f"{base}/tasks", {"id": "work", "name": "Work", "duration": "2d"})
    before = world.client.post(f"{base}/schedule", headers=world.admin)
    assert before.status_code == 200, before.text
    world.post(f"{base}/assignments", {"task": "work", "resource": "perm-tester"})
    after = world.client.post(f"{base}/schedule", headers=world.admin)
    assert after.status_code == 200, after.text


def test_a_task_on_a_pool_calendar_keeps_the_plan_valid(world: World) -> None:
    """A task put on a calendar of the pool that the project does not declare: either the
    calendar joins the project or the change is refused; the plan must not be left broken."""
    key = world.fresh("perm-pooled")
    world.post(f"{V1}/projects", {"id": key, "name": "Pooled", "start": "2027-03-01"})
    base = f"{V1}/projects/{key}"
    created = world.client.post(
        f"{base}/tasks",
        json={"id": "work", "name": "Work", "duration": "2d", "calendar": "perm-week"},
        headers=world.admin,
    )
    if created.status_code == 422:
        assert created.json()["code"] == "unknown_calendar", created.text
        return
    assert created.status_code == 201, created.text
    scheduled = world.client.post(f"{base}/schedule", headers=world.admin)
    assert scheduled.status_code == 200, scheduled.text
