"""The task update's fast path (api.task_update_fast, services.task_updates) answers exactly as
the route does, writes the same rows, and leaves every other request to the route.

The route is reached on purpose with a query string (``?via=route``: the route ignores it, the
fast path declines any query), so each case below is asked of both and the answers compared.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from plansmith.api import deps
from plansmith.services import accounts, items
from plansmith.services.access import Role
from plansmith.services.task_pages import task_json
from plansmith.storage import tables as t
from tests.api.conftest import Api

MEMBER_EMAIL = "sofia.marin@lumen-analytics.example"  # resource be-dev-1 in saas-launch.yaml
MEMBER_TASK = "ingestion-api"  # assigned to be-dev-1 only
OTHER_TASK = "query-service"  # not hers


@pytest.fixture
def project(api: Api) -> str:
    return api.import_example("saas-launch.yaml")


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the tasks the route (not the fast path) updated."""
    seen: list[str] = []
    original = items.update_item

    def counted(*args: Any, **kwargs: Any) -> items.Item:
        seen.append(args[4])
        return original(*args, **kwargs)

    monkeypatch.setattr(items, "update_item", counted)
    return seen


def _used(api: Api, headers: dict[str, str]) -> dict[str, str]:
    """Record the token's use, as its first request does (the fast path leaves that to the
    route), so that the fast path may answer its next requests."""
    with api.database.transaction() as session:
        accounts.record_token_use(session, headers["Authorization"].removeprefix("Bearer "))
    return headers


def _url(project: str, task: str) -> str:
    return f"/api/v1/projects/{project}/tasks/{task}"


def _etag(api: Api, headers: dict[str, str], project: str, task: str) -> str:
    read = api.client.get(_url(project, task), headers=headers)
    assert read.status_code == 200, read.text
    return read.headers["etag"]


def _patch(
    api: Api,
    headers: dict[str, str],
    project: str,
    task: str,
    body: Any,
    etag: str | None,
    *,
    via_route: bool = False,
) -> httpx.Response:
    sent = {**headers, **({"If-Match": etag} if etag is not None else {})}
    url = _url(project, task) + ("?via=route" if via_route else "")
    return api.client.patch(url, json=body, headers=sent)


def _audit_rows(api: Api, task: str) -> list[tuple[Any, ...]]:
    with api.database.transaction(write=False) as session:
        rows = session.execute(
            select(t.AuditEntry.user_id, t.AuditEntry.action, t.AuditEntry.field)
            .add_columns(t.AuditEntry.old, t.AuditEntry.new)
            .where(t.AuditEntry.entity == "task", t.AuditEntry.entity_key == task)
            .order_by(t.AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def test_an_update_answers_as_the_route_and_writes_the_audit_rows(
    api: Api, admin: dict[str, str], project: str, routed: list[str]
) -> None:
    headers = _used(api, admin)
    etag = _etag(api, headers, project, "billing")
    body = {"notes": "Zahlungen über Stripe: 3 Währungen, «Brutto»", "priority": 700}
    answer = _patch(api, headers, project, "billing", body, etag)
    assert answer.status_code == 200, answer.text
    assert routed == []  # the fast path answered
    assert answer.headers["etag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    # The route's answer for the same task now (the same ItemOut rendering as its PATCH).
    read = api.client.get(_url(project, "billing"), headers=headers)
    assert answer.content == read.content
    assert {k: answer.headers[k] for k in ("content-type", "etag", "content-length")} == {
        k: read.headers[k] for k in ("content-type", "etag", "content-length")
    }
    with api.database.transaction(write=False) as session:
        user_id = session.scalar(select(t.User.id).where(t.User.email == "admin@example.com"))
    updates = [row for row in _audit_rows(api, "billing") if row[1] == "update"]
    assert updates == [
        (user_id, "update", "notes", None, body["notes"]),
        (user_id, "update", "priority", None, 700),
    ]


def test_a_stale_version_is_409_and_changes_nothing(
    api: Api, admin: dict[str, str], project: str, routed: list[str]
) -> None:
    headers = _used(api, admin)
    etag = _etag(api, headers, project, "billing")
    assert _patch(api, headers, project, "billing", {"notes": "first"}, etag).status_code == 200
    before = _audit_rows(api, "billing")
    stale = _patch(api, headers, project, "billing", {"notes": "second"}, etag)
    assert (stale.status_code, stale.json()["code"]) == (409, "version_mismatch")
    assert routed == []
    route = _patch(api, headers, project, "billing", {"notes": "second"}, etag, via_route=True)
    assert (route.status_code, route.content) == (stale.status_code, stale.content)
    assert _audit_rows(api, "billing") == before
    assert api.client.get(_url(project, "billing"), headers=headers).json()["notes"] == "first"


REFUSALS: list[tuple[str, str, dict[str, Any], int, str]] = [
    # (caller, task, body, status, code); the project is saas-launch unless the task says "@".
    ("admin", "no-such-task", {"notes": "x"}, 404, "not_found"),
    ("admin", "@no-such-project", {"notes": "x"}, 404, "not_found"),
    ("admin", "billing", {"duration": True}, 422, "invalid"),
    ("admin", "billing", {"priority": True}, 422, "invalid"),
    ("admin", "billing", {"id": "renamed"}, 422, "id_immutable"),
    ("admin", "backend", {"parent": "billing"}, 422, "invalid_parent"),  # inside itself
    ("admin", "billing", {"parent": "no-such-parent"}, 422, "unknown_task"),
    ("member", OTHER_TASK, {"progress": "10%"}, 403, "forbidden"),  # not her task
    ("member", MEMBER_TASK, {"duration": "9d"}, 403, "forbidden"),  # the plan, not progress
    ("viewer", MEMBER_TASK, {"progress": "10%"}, 403, "forbidden"),
    ("outsider", MEMBER_TASK, {"progress": "10%"}, 404, "not_found"),
]


@pytest.mark.parametrize(("caller", "task", "body", "status", "code"), REFUSALS)
def test_refusals_are_the_routes(
    api: Api,
    admin: dict[str, str],
    project: str,
    routed: list[str],
    caller: str,
    task: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    callers = {
        "admin": admin,
        "member": api.member(MEMBER_EMAIL, project, Role.MEMBER),
        "viewer": api.member("viewer@example.com", project, Role.VIEWER),
        "outsider": api.user("outsider@example.com"),
    }
    headers = _used(api, callers[caller])
    where, key = ("other", task[1:]) if task.startswith("@") else (project, task)
    etag = '"1"' if where != project or key == "no-such-task" else _etag(api, admin, project, key)
    before = _audit_rows(api, key)
    fast = _patch(api, headers, where, key, body, etag)
    assert (fast.status_code, fast.json()["code"]) == (status, code), fast.text
    assert routed == []  # refused by the fast path itself
    route = _patch(api, headers, where, key, body, etag, via_route=True)
    assert (route.status_code, route.content) == (fast.status_code, fast.content)
    assert _audit_rows(api, key) == before


def test_a_member_updates_progress_on_her_own_task(
    api: Api, project: str, routed: list[str]
) -> None:
    member = _used(api, api.member(MEMBER_EMAIL, project, Role.MEMBER))
    etag = _etag(api, member, project, MEMBER_TASK)
    answer = _patch(api, member, project, MEMBER_TASK, {"progress": "20%", "notes": "on it"}, etag)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["progress"], routed) == ("20%", [])


def test_a_new_parent_is_checked_and_kept(
    api: Api, admin: dict[str, str], project: str, routed: list[str]
) -> None:
    headers = _used(api, admin)
    etag = _etag(api, headers, project, "billing")
    moved = _patch(api, headers, project, "billing", {"parent": "build"}, etag)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["parent"], routed) == ("build", [])
    assert [row[2:] for row in _audit_rows(api, "billing") if row[1] == "update"] == [
        ("parent", "backend", "build")
    ]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"If-Match": None}, 428),  # no If-Match: the route's if_match_required
        ({"If-Match": "seven"}, 422),  # not a version: the route's invalid_if_match
        ({"Content-Type": "text/plain"}, 422),
        ({"body": b"[1, 2]"}, 422),  # not an object
        ({"body": b"{"}, 422),  # not JSON
        ({"Authorization": "Bearer nope"}, 401),
    ],
)
def test_what_the_fast_path_leaves_to_the_route(
    api: Api,
    admin: dict[str, str],
    project: str,
    routed: list[str],
    change: dict[str, Any],
    status: int,
) -> None:
    headers: dict[str, Any] = {
        **_used(api, admin),
        "If-Match": _etag(api, admin, project, "billing"),
        "Content-Type": "application/json",
    }
    content = change.get("body", b'{"notes": "x"}')
    headers.update({k: v for k, v in change.items() if k != "body"})
    sent = {k: v for k, v in headers.items() if v is not None}
    answer = api.client.patch(_url(project, "billing"), content=content, headers=sent)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"]  # the API's error body, from the route


def test_a_token_whose_use_is_due_goes_to_the_route_which_records_it(
    api: Api, admin: dict[str, str], project: str, routed: list[str]
) -> None:
    etag = _etag(api, _used(api, api.user("reader@example.com", admin=True)), project, "billing")
    answer = _patch(api, admin, project, "billing", {"notes": "first use"}, etag)
    assert answer.status_code == 200, answer.text
    assert routed == ["billing"]
    with api.database.transaction(write=False) as session:
        used = session.scalar(
            select(func.count())
            .select_from(t.ApiToken)
            .join(t.User, t.User.id == t.ApiToken.user_id)
            .where(t.User.email == "admin@example.com", t.ApiToken.last_used_at.is_not(None))
        )
    assert used == 1


def test_the_fast_path_shares_the_routes_session_limit(api: Api) -> None:
    """Sessions opened by the fast path count against the routes' DbSession limit: the
    semaphore it takes is the one FastAPI takes for ``_session``."""
    found = []

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            if sub.call is deps._session:
                found.append(sub.concurrency)
            walk(sub)

    for context in iter_route_contexts(api.client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute) and (context.path or "").endswith("/tasks/{key}"):
            walk(route.dependant)
    assert found  # read, update and delete, each through several dependencies
    assert all(concurrency is deps._SESSION._concurrency for concurrency in found)


# The read before an update: GET .../tasks/{key} (api.task_list_fast, services.task_pages) -----


def _one(api: Api, headers: dict[str, str], project: str, task: str) -> tuple[bytes, int] | None:
    token = headers["Authorization"].removeprefix("Bearer ")
    return task_json(api.database.read_engine, token, project, task)


def test_one_task_is_the_routes_to_the_byte(api: Api, admin: dict[str, str], project: str) -> None:
    headers = _used(api, admin)
    etag = _etag(api, headers, project, "billing")
    body = {"notes": "Zahlungen über Stripe «Brutto»", "priority": 700, "progress": "12.5%"}
    assert _patch(api, headers, project, "billing", body, etag).status_code == 200
    for task in ("billing", "build", "feature-complete"):  # a child, a root, a milestone
        fast = _one(api, headers, project, task)
        assert fast is not None
        general = api.client.get(_url(project, task) + "?via=route", headers=headers)
        assert fast == (general.content, int(general.headers["etag"].strip('"')))
        served = api.client.get(_url(project, task), headers=headers)
        assert served.content == general.content
        assert served.headers == general.headers


def test_one_task_for_readers_and_the_route_for_everything_else(
    api: Api, admin: dict[str, str], project: str
) -> None:
    readers = {role: _used(api, api.member(f"{role}@example.com", project, role)) for role in Role}
    for role, headers in readers.items():
        assert (_one(api, headers, project, "billing") is not None) == (
            role is not Role.STAKEHOLDER
        )
    outsider = _used(api, api.user("outsider@example.com"))
    assert _one(api, outsider, project, "billing") is None
    fresh = api.user("fresh@example.com", admin=True)
    assert _one(api, fresh, project, "billing") is None  # its use is due: the route records it
    _used(api, admin)
    assert _one(api, admin, project, "no-such-task") is None
    assert _one(api, admin, "nowhere", "billing") is None
    for headers, project_key, task, status in (
        (readers[Role.STAKEHOLDER], project, "billing", 403),
        (outsider, project, "billing", 404),
        (admin, project, "no-such-task", 404),
        (admin, "nowhere", "billing", 404),
        ({"Authorization": "Bearer nonsense"}, project, "billing", 401),
    ):
        answer = api.client.get(_url(project_key, task), headers=headers)
        assert answer.status_code == status, answer.text
        assert answer.json()["code"]


def test_no_other_route_shares_the_fast_paths(api: Api) -> None:
    """The fast paths take every GET and PATCH of ``/api/v1/projects/*/tasks/*``: a route
    added under that path (``.../tasks/export``, say) would be hidden when a task had its
    name, so there must be none but the item routes."""
    taken = []
    for context in iter_route_contexts(api.client.app.routes):  # type: ignore[attr-defined]
        path, methods = context.path or "", context.methods or set()
        if path.startswith("/api/v1/projects/{project}/tasks/") and methods & {"GET", "PATCH"}:
            taken.append((path, sorted(methods & {"GET", "PATCH"})))
    assert sorted(taken) == [
        ("/api/v1/projects/{project}/tasks/{key}", ["GET"]),
        ("/api/v1/projects/{project}/tasks/{key}", ["PATCH"]),
    ]
