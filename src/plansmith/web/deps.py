"""What every page needs: the request's transaction, the signed-in user (or a redirect to the
sign-in page), and CSRF protection for every form and htmx request.

CSRF uses a double-submit token: a random value in a SameSite=Strict cookie that every changing
request must repeat in its form field or ``X-CSRF-Token`` header; another site can make the
browser send the cookie but cannot read it to repeat it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from plansmith.config import Settings
from plansmith.errors import Forbidden
from plansmith.services.accounts import SESSION_COOKIE, user_for_session
from plansmith.storage.database import Database
from plansmith.storage.tables import User

CSRF_COOKIE = "plansmith_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """Raised by :data:`PageUser`; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Iterator[Session]:
    write = request.method not in READ_METHODS
    with database_of(request).transaction(write=write) as session:
        yield session


# Pages hold at most 6 sessions at once per worker, the API 12: within the connections the pool
# keeps (storage.database), a burst on either face waits without a thread instead of in the pool.
PAGE_SESSIONS_PER_WORKER = 6
PageSession = Annotated[
    Session, Depends(_session, scope="function", max_concurrency=PAGE_SESSIONS_PER_WORKER)
]


async def _csrf(request: Request) -> None:
    if request.method in READ_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Forbidden("this form has expired; reload the page and try again", code="csrf_failed")


CsrfChecked = Depends(_csrf)


def _page_user(request: Request, session: PageSession) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    user = user_for_session(session, token) if token else None
    if user is None:
        raise SignInRequired(str(request.url.path))
    return user


PageUser = Annotated[User, Depends(_page_user)]


def csrf_token(request: Request) -> str:
    """The token pages put into forms; a new one when the browser has none yet."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token
