"""The task list's fast path (api.task_list_fast, services.task_pages) gives exactly what the
route gives, and leaves every other case, refusals included, to the route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from plansmith.api.task_list_fast import page_query
from plansmith.services import accounts
from plansmith.services.access import Role
from plansmith.services.task_pages import SORTS, task_page_json
from plansmith.storage import tables as t
from tests.api.conftest import Api


@pytest.fixture
def project(api: Api) -> str:
    return api.import_example("saas-launch.yaml")


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _used(api: Api, headers: dict[str, str]) -> dict[str, str]:
    """Record the token's use, as its first request does (the fast path leaves that to the
    route), so that the fast path may answer its next requests."""
    with api.database.transaction() as session:
        accounts.record_token_use(session, _token(headers))
    return headers


def _page(api: Api, headers: dict[str, str], project: str, **page: object) -> bytes | None:
    limit, offset, sort = page.get("limit", 50), page.get("offset", 0), page.get("sort", "position")
    assert isinstance(limit, int)
    assert isinstance(offset, int)
    assert isinstance(sort, str)
    engine = api.database.read_engine
    return task_page_json(engine, _token(headers), project, limit=limit, offset=offset, sort=sort)


def test_the_route_the_fast_path_stands_in_for_is_the_task_list(
    api: Api, admin: dict[str, str]
) -> None:
    """No route before the task list's takes its path (the fast path would hide it)."""
    seen: dict[str, Any] = {}
    app = api.client.app

    async def probe(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        seen.update(scope)  # the router writes the route it chose into the scope

    with TestClient(probe) as client:
        client.get("/api/v1/projects/p1/tasks", params={"q": ""}, headers=admin)
    assert seen["route"].path == "/projects/{project}/tasks"  # under /api/v1
    assert seen["route"].name == "list_"
    assert seen["route"].methods == {"GET"}


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_pages_are_the_routes_to_the_byte(
    api: Api, admin: dict[str, str], project: str, sort: str
) -> None:
    _used(api, admin)
    base = f"/api/v1/projects/{project}/tasks"
    total = api.client.get(base, params={"q": ""}, headers=admin).json()["total"]
    for limit, offset in ((1, 0), (7, 3), (50, 0), (500, 0), (5, total - 2)):
        query = f"limit={limit}&offset={offset}&sort={sort}"
        fast = _page(api, admin, project, limit=limit, offset=offset, sort=sort)
        # q= (matching every name) is a filter, which only the route reads.
        general = api.client.get(f"{base}?{query}&q=", headers=admin)
        assert fast == general.content
        served = api.client.get(f"{base}?{query}", headers=admin)
        assert served.content == general.content
        assert served.headers == general.headers


def test_readers_get_pages_and_everyone_else_the_route(api: Api, project: str) -> None:
    readers = {role: api.member(f"{role}@example.com", project, role) for role in Role}
    outsider = api.user("outsider@example.com")
    for headers in (*readers.values(), outsider):
        _used(api, headers)
    for role, headers in readers.items():
        page = _page(api, headers, project)
        assert (page is not None) == (role is not Role.STAKEHOLDER)
    assert _page(api, outsider, project) is None
    base = f"/api/v1/projects/{project}/tasks"
    assert api.client.get(base, headers=readers[Role.VIEWER]).status_code == 200
    refused = api.client.get(base, headers=readers[Role.STAKEHOLDER])
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    hidden = api.client.get(base, headers=outsider)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    missing = api.client.get("/api/v1/projects/nowhere/tasks", headers=readers[Role.OWNER])
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_tokens_that_do_not_hold_are_left_to_the_route(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"/api/v1/projects/{project}/tasks"
    fresh = api.user("fresh@example.com", admin=True)
    assert _page(api, fresh, project) is None  # its use is due to be recorded: the route does
    assert api.client.get(base, headers=fresh).status_code == 200
    assert _page(api, fresh, project) is not None  # recorded by that request
    _used(api, admin)
    assert _page(api, admin, project) is not None
    assert _page(api, admin, project, offset=10_000) is None  # past the end: the route counts
    with api.database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == "admin@example.com"))
        assert user is not None
        session.execute(update(t.User).where(t.User.id == user.id).values(active=False))
    assert _page(api, admin, project) is None
    assert api.client.get(base, headers=admin).status_code == 401
    with api.database.transaction() as session:
        session.execute(
            update(t.ApiToken)
            .where(t.ApiToken.token_hash == accounts.token_digest(_token(fresh)))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _page(api, fresh, project) is None
    expired = api.client.get(base, headers=fresh)
    assert (expired.status_code, expired.json()["code"]) == (401, "not_signed_in")
    revoked = _used(api, api.user("revoked@example.com", admin=True))
    with api.database.transaction() as session:
        session.execute(
            update(t.ApiToken)
            .where(t.ApiToken.token_hash == accounts.token_digest(_token(revoked)))
            .values(revoked_at=datetime.now(UTC))
        )
    assert _page(api, revoked, project) is None
    assert api.client.get(base, headers=revoked).status_code == 401
    assert _page(api, {"Authorization": "Bearer nonsense"}, project) is None


@pytest.mark.parametrize(
    ("query", "read"),
    [
        (b"", (50, 0, "position")),
        (b"limit=5&offset=10&sort=-name", (5, 10, "-name")),
        (b"offset=0", (50, 0, "position")),
        (b"limit=500&offset=2147483647", (500, 2**31 - 1, "position")),
        (b"limit=0", None),  # the route's 422
        (b"limit=501", None),
        (b"limit=-1", None),
        (b"limit=5.0", None),
        (b"offset=2147483648", None),
        (b"limit=5&limit=6", None),  # repeated: the route decides which
        (b"sort=nonsense", None),  # the route's invalid_sort
        (b"sort=", None),
        (b"sort=%2Dname", None),  # escapes: the route's parser
        (b"q=x", None),  # filters
        (b"parent=", None),
        (b"limit=5&", None),
    ],
)
def test_the_query_string_is_read_as_the_route_would_or_not_at_all(
    query: bytes, read: tuple[int, int, str] | None
) -> None:
    assert page_query(query) == read
