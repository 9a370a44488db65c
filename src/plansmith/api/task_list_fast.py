"""The task reads' fast path: ``GET /api/v1/projects/{project}/tasks`` and ``.../tasks/{key}``
with a bearer token, answered in front of FastAPI's router (issue 6).

Why the library path was not enough: a read through the route cost about 6 ms of CPU on the
benchmark's two cores, where 500 reads/s with the database and the load generator on the same
cores need under about 1.5 ms. Besides the database work (now one statement:
:mod:`plansmith.services.task_pages`), FastAPI 0.165 matched each request against its
220-odd routes one by one (nested routers, a scope update per candidate), then solved the
route's dependencies (session, token, project, three query parameters), each sync one on the
thread pool; routing and dependencies alone took about as much as the whole budget.

So this ASGI middleware, inside the error and GZip middleware, answers the common request
itself: a path, query and token it reads exactly as the route would, and a page the service
can give. Everything else goes on to the FastAPI route unchanged: another method or path,
percent-escapes or an unknown, repeated or unparsable query parameter (the route's 422),
filters (``q``, ``parent``), a cookie instead of a token, and whatever
:func:`~plansmith.services.task_pages.task_page_json` leaves to the general path (refusals,
a token whose use is due to be recorded, a page past the end). The route therefore still
defines the OpenAPI schema, every error and every answer the fast path does not give.

One task (``.../tasks/{key}``, no query string) is answered the same way, from one statement
(:func:`~plansmith.services.task_pages.task_json`), with the route's ETag: it is what a client
reads before each update (the load test's update is that GET, then the PATCH of
:mod:`plansmith.api.task_update_fast`), and through the route it cost twice the update.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from plansmith.services.items import MAX_PAGE
from plansmith.services.task_pages import SORTS, task_json, task_page_json
from plansmith.storage.database import Database

PATH = re.compile(r"/api/v1/projects/([^/]+)/tasks")
ONE_TASK_PATH = re.compile(r"/api/v1/projects/([^/]+)/tasks/([^/]+)")
MAX_OFFSET = 2**31 - 1  # the route's Offset


def page_query(raw: bytes) -> tuple[int, int, str] | None:
    """(limit, offset, sort) from the query string when it is plain and valid; None when the
    route must read it (its own parser, validation and errors)."""
    limit, offset, sort = 50, 0, "position"
    if not raw:
        return limit, offset, sort
    if b"%" in raw or b"+" in raw:
        return None
    seen: set[bytes] = set()
    for part in raw.split(b"&"):
        name, _, value = part.partition(b"=")
        if name in seen:
            return None
        seen.add(name)
        if name in (b"limit", b"offset"):
            if not value.isdigit() or len(value) > 10:
                return None
            number = int(value)
            if name == b"limit":
                if not 1 <= number <= MAX_PAGE:
                    return None
                limit = number
            elif number > MAX_OFFSET:
                return None
            else:
                offset = number
        elif name == b"sort":
            sort = value.decode("ascii")
            if sort not in SORTS:
                return None
        else:
            return None
    return limit, offset, sort


def bearer_token(scope: Scope) -> str | None:
    """The token of the request's first Authorization header, read as api.deps reads it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            if not header.lower().startswith("bearer "):
                return None
            return header[7:].strip() or None
    return None


class TaskListFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = None
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            answer = self._answer(scope)
        if answer is None:
            await self.app(scope, receive, send)
            return
        body, version = answer
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", JSON)]
        if version is not None:
            headers.append((b"etag", b'"%d"' % version))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _answer(self, scope: Scope) -> tuple[bytes, int | None] | None:
        match = PATH.fullmatch(scope["path"])
        if match is None:
            one = ONE_TASK_PATH.fullmatch(scope["path"])
            if one is None:
                return None
            return self._one_task(scope, one.group(1), one.group(2))
        query = page_query(scope["query_string"])
        token = bearer_token(scope)
        if query is None or token is None:
            return None
        limit, offset, sort = query
        # Run here, on the event loop: one statement of about a millisecond, against a thread
        # hop's cost on every read (measured in docs/benchmarks.md).
        database: Database = scope["app"].state.database  # as api.deps reads it, per request
        page = task_page_json(
            database.read_engine, token, match.group(1), limit=limit, offset=offset, sort=sort
        )
        return None if page is None else (page, None)

    def _one_task(self, scope: Scope, project: str, task: str) -> tuple[bytes, int] | None:
        """``GET .../tasks/{task}`` (what a client reads for the ETag before a PATCH): no query
        string, no percent-escapes (the route decodes them), a bearer token."""
        if scope["query_string"] or scope.get("raw_path", b"") != scope["path"].encode():
            return None
        token = bearer_token(scope)
        if token is None:
            return None
        database: Database = scope["app"].state.database
        return task_json(database.read_engine, token, project, task)


JSON = b"application/json"
