"""What every route needs, as ``Annotated`` dependencies: the request's one transaction, the
signed-in user, the settings, and the version a client says it read (If-Match)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from anyio import Semaphore
from fastapi import BackgroundTasks, Depends, Header, Request
from sqlalchemy.orm import Session

from plansmith.config import Settings
from plansmith.errors import Forbidden, Invalid, NotSignedIn
from plansmith.services.accounts import (
    SESSION_COOKIE,
    record_token_use,
    resolve_token,
    user_for_session,
)
from plansmith.storage.database import Database
from plansmith.storage.tables import User


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Requests holding a database session at once, per worker process: with the pages' 6, within
# the connections the pool keeps (storage.database.make_engine), so a burst waits here,
# without a thread, instead of inside the pool.
SESSIONS_PER_WORKER = 12


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (so a 200 means the
    change is stored) and rolled back when the route raises, so a failed request leaves
    nothing half-written. GET requests only read."""
    write = request.method not in READ_METHODS
    with _database(request).transaction(write=write) as session:
        yield session


_SESSION = Depends(_session, scope="function", max_concurrency=SESSIONS_PER_WORKER)
DbSession = Annotated[Session, _SESSION]


def session_slots() -> Semaphore:
    """The semaphore behind ``DbSession``'s ``max_concurrency`` in this event loop, for a path
    that opens a session without FastAPI's dependencies (api.task_update_fast): with it, such
    sessions and the routes' ones count against the one limit below the connection pool.
    FastAPI keeps no public handle on it; if a FastAPI version drops this one, this fails loudly
    (the fast path's tests call it) rather than letting sessions go unlimited."""
    concurrency = _SESSION._concurrency
    assert concurrency is not None
    semaphore: Semaphore = concurrency.get_semaphore()
    return semaphore


AppSettings = Annotated[Settings, Depends(_settings)]
AppDatabase = Annotated[Database, Depends(_database)]


def _user(request: Request, session: DbSession, background: BackgroundTasks) -> User:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        use = resolve_token(session, token)
        if use is None:
            raise NotSignedIn("this API token is unknown, expired or revoked")
        if use.record_due:  # after the response, in a transaction of its own: never nested
            background.add_task(_record_use, _database(request), token)
        return use.user
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = user_for_session(session, cookie)
        if user is not None:
            _same_origin(request)
            return user
    raise NotSignedIn("sign in, or send 'Authorization: Bearer <API token>'")


def _record_use(database: Database, token: str) -> None:
    with database.transaction() as session:
        record_token_use(session, token)


def _same_origin(request: Request) -> None:
    """A browser's cookie goes with any site's request; a change made with it must come from
    our own pages. The cookie is SameSite=Strict as well; this is the second lock."""
    if request.method in READ_METHODS:
        return
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None or urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden(
            "a change with a browser session must come from this site's own pages",
            code="cross_site_request",
        )


CurrentUser = Annotated[User, Depends(_user)]


def _if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version from ``If-Match: "7"`` (weak tags and bare numbers accepted)."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError:
        raise Invalid(
            f'If-Match must be the ETag you read, such as "3"; got {if_match!r}',
            code="invalid_if_match",
        ) from None


IfMatch = Annotated[int | None, Depends(_if_match)]


def etag(version: int) -> str:
    return f'"{version}"'
