"""The task update's fast path: ``PATCH /api/v1/projects/{project}/tasks/{key}`` with a bearer
token, a JSON object and If-Match, answered in front of FastAPI's router (issue 6).

Why: a task update through the route cost about twice the update's own work. FastAPI 0.165
matched the request against its 220-odd routes one by one, then solved the route's seven
dependencies and parameters, each sync one (session, user, project, the route) on the thread
pool: four thread hops and the router's bookkeeping per update, on cores that the closed-loop
benchmark keeps busy, where every millisecond of CPU per update is latency for all 50 clients.

So this ASGI middleware, inside the error and GZip middleware as the task list's
(:mod:`plansmith.api.task_list_fast`), reads a plain request exactly as the route would and
runs the same use case (:func:`plansmith.services.task_updates.update_task_json`: the token,
the project, :func:`~plansmith.services.items.update_item`) in one transaction: on
PostgreSQL on the event loop's own thread, on a connection kept for it
(:mod:`plansmith.storage.kept_transaction`, which says why and what bounds the wait); else, or
when that gives up, on one thread hop under the same per-worker limit of sessions as the route
(:func:`session_slots`). A
service error is answered as the API answers it everywhere (``{code, message, diagnostics}``,
the transaction rolled back). Everything else goes to the route unchanged, with the body read
so far handed on: another method or path, percent-escapes, a query string, no bearer token, no
or several If-Match headers or one the route would refuse, a body that is not ``Content-Type:
application/json`` or not a JSON object orjson reads (json.loads reads a little more, and the
route's errors are the route's), and whatever the service leaves to the route (a refused
token, a token whose use is due to be recorded).
"""

from __future__ import annotations

import re

import orjson
from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plansmith.api.deps import session_slots
from plansmith.api.errors import service_error_response
from plansmith.api.task_list_fast import bearer_token
from plansmith.errors import ServiceError
from plansmith.services.task_updates import update_task_json
from plansmith.storage.database import Database
from plansmith.storage.kept_transaction import NotKept, kept_transaction

PATH = re.compile(r"/api/v1/projects/([^/]+)/tasks/([^/]+)")
MAX_BODY = 64 * 1024  # a task's fields; a larger body goes to the route as it came
JSON = b"application/json"


def if_match(scope: Scope) -> int | None:
    """The version of the request's one If-Match header when the route would read it as a
    plain number (``"7"``, ``W/"7"``, ``7``); None when the route must read it."""
    found = [value for name, value in scope["headers"] if name == b"if-match"]
    if len(found) != 1:
        return None
    text = found[0].strip().removeprefix(b"W/").strip(b'"')
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def json_request(scope: Scope) -> bool:
    types = [value for name, value in scope["headers"] if name == b"content-type"]
    return types == [JSON]


async def read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The messages read and the whole body, or None when it did not come whole (a disconnect,
    or more than MAX_BODY): the route then reads the same messages and the rest."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives back the messages already read."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class TaskUpdateFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH":
            request = self._plain(scope)
            if request is not None:
                messages, body = await read_body(receive)
                if body is not None and await self._answer(scope, send, *request, body):
                    return
                receive = replaying(messages, receive)
        await self.app(scope, receive, send)

    def _plain(self, scope: Scope) -> tuple[str, str, str, int] | None:
        """(token, project, task, version) of a request the fast path may answer."""
        if scope.get("root_path") or scope["query_string"]:
            return None
        path: str = scope["path"]
        if scope.get("raw_path", path.encode()) != path.encode():  # escapes: the route decodes
            return None
        match = PATH.fullmatch(path)
        token = bearer_token(scope)
        version = if_match(scope)
        if match is None or token is None or version is None or not json_request(scope):
            return None
        return token, match.group(1), match.group(2), version

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        token: str,
        project: str,
        task: str,
        version: int,
        body: bytes,
    ) -> bool:
        """Answer the request and say True, or say False (nothing sent, nothing written)."""
        try:
            patch = orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(patch, dict):
            return False
        database: Database = scope["app"].state.database  # as api.deps reads it, per request

        def run() -> tuple[bytes, int] | None:
            with database.transaction() as session:
                return update_task_json(session, token, project, task, patch, version)

        try:
            try:
                with kept_transaction(database.engine) as session:
                    answer = update_task_json(session, token, project, task, patch, version)
            except NotKept:
                async with session_slots():
                    answer = await to_thread.run_sync(run)
        except ServiceError as exc:
            await service_error_response(exc)(scope, _no_body, send)
            return True
        if answer is None:
            return False
        content, new_version = answer
        headers = [
            (b"content-length", str(len(content)).encode()),
            (b"content-type", JSON),
            (b"etag", b'"%d"' % new_version),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        return True


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
