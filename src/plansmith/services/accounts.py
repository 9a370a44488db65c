"""Accounts: users, password sign-in, browser sessions and personal API tokens.

Secrets are never stored as given. Passwords are hashed with Argon2id (memory-hard, so a leaked
table is slow to attack); session and API tokens are random 256-bit strings of which only the
SHA-256 is kept: they are already unguessable, so a fast hash is enough and lets a request be
looked up by an index instead of trying every row.

Sign-in is the one place where work must outlive a failure: a wrong password raises, the caller's
transaction rolls back, yet the failed attempt has to stay counted or the rate limit would never
trip. So :func:`sign_in` takes the :class:`~plansmith.storage.database.Database` and commits the
attempt in a short transaction of its own *before* the password is checked. Recording first also
means that parallel guesses see each other, so a burst cannot slip past the limit while the
(deliberately slow) hashes run.

Every function that depends on the clock takes an optional ``now`` so tests can move time
instead of sleeping. Times are UTC and timezone-aware; SQLite hands back naive datetimes from
``DateTime(timezone=True)`` columns, which :func:`_utc` reads as UTC.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal, TypedDict

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plansmith.config import Settings, SettingsError
from plansmith.errors import Conflict, Invalid, NotFound, NotSignedIn, TooManyRequests
from plansmith.storage.database import Database
from plansmith.storage.tables import ApiToken, BrowserSession, LoginAttempt, User

MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200  # the width of the name columns
MAX_EMAIL_LENGTH = 320  # RFC 5321's limit, and the column's width
TOKEN_PREFIX = "psm_"  # lets secret scanners and people recognise a leaked Plansmith token
RATE_WINDOW = timedelta(seconds=60)
ATTEMPT_RETENTION = timedelta(hours=1)

# Deliberately loose: the only reliable test of an address is mail reaching it. This refuses
# what is certainly not an address (no @, spaces, no dot in the domain).
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def password_hasher(environ: Mapping[str, str] = os.environ) -> PasswordHasher:
    """Argon2id with the RFC 9106 low-memory profile (argon2-cffi's default). The test suite
    sets ``PLANSMITH_PASSWORD_HASH_PROFILE=test`` for argon2-cffi's cheapest parameters, so its
    hundreds of accounts cost milliseconds; production mode refuses that setting."""
    profile = environ.get("PLANSMITH_PASSWORD_HASH_PROFILE", "default")
    if profile == "test":
        if environ.get("PLANSMITH_MODE", "").lower() == "production":
            raise SettingsError("PLANSMITH_PASSWORD_HASH_PROFILE=test is not for production")
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_HASHER = password_hasher()

_INVALID_CREDENTIALS = "the email address or password is wrong"


# Clock and hashing ---------------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime:
    """``moment`` (default: now) as aware UTC. Naive values are UTC already (SQLite drops the
    zone), and aware ones are converted so SQLite's text comparisons order them correctly."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def hash_password(password: str) -> str:
    """An Argon2id hash in PHC string form (it carries its own salt and parameters)."""
    return _HASHER.hash(password)


def verify_password(hash: str, password: str) -> bool:
    """True when ``password`` matches ``hash``; False for a mismatch or an unreadable hash."""
    try:
        return _HASHER.verify(hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hash: str) -> bool:
    """True when ``hash`` was made with other parameters than today's (e.g. after an upgrade
    of argon2-cffi raised them), so the next successful sign-in should replace it."""
    try:
        return _HASHER.check_needs_rehash(hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    # Verified against for unknown addresses, so that they take as long as a wrong password.
    return hash_password(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


token_digest = _digest  # what is stored of a token and looked up (the API's task list too)


def _normal_email(email: str) -> str:
    return email.strip().lower()


# Users ---------------------------------------------------------------------------------------


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    name: str = "",
    is_admin: bool = False,
    now: datetime | None = None,
) -> User:
    """A new active user. Addresses are stored lower-case so that sign-in and the uniqueness
    check do not depend on how someone typed theirs."""
    address = _normal_email(email)
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(address):
        raise Invalid(f"{email.strip()!r} is not an email address", code="invalid_email")
    _check_password(password)
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"a name has at most {MAX_NAME_LENGTH} characters", code="invalid_name")
    taken = Conflict(f"there is already an account for {address}", code="email_taken")
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise taken
    user = User(
        email=address,
        name=name,
        password_hash=hash_password(password),
        is_admin=is_admin,
        active=True,
        created_at=_utc(now),
    )
    try:
        # A savepoint, so that losing a race to a concurrent sign-up is a Conflict and leaves
        # the caller's transaction usable.
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise taken from None
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )


def change_password(
    session: Session, user: User, current: str, new: str, *, keep_session: str | None = None
) -> None:
    """Replace ``user``'s password after checking the current one, and end their other browser
    sessions (all but ``keep_session``), so a session someone else took over dies with it."""
    row = session.get_one(User, user.id)  # the session's own copy, so the change is saved
    if not verify_password(row.password_hash, current):
        raise NotSignedIn("the current password is wrong", code="invalid_credentials")
    _check_password(new)
    row.password_hash = hash_password(new)
    others = delete(BrowserSession).where(BrowserSession.user_id == user.id)
    if keep_session is not None:
        others = others.where(BrowserSession.token_hash != _digest(keep_session))
    session.execute(others)


def ensure_admin(
    session: Session, settings: Settings, *, now: datetime | None = None
) -> str | None:
    """Create the first administrator when there is none.

    Returns the password when one was generated (the server prints it once, it is stored
    nowhere else) and None when an administrator exists or ``settings.admin_password`` was
    given. A configured password is held to the same rules as any other. Two workers starting
    together cannot create two: the second one's insert conflicts and it finds the first's.
    """
    if _any_admin(session):
        return None
    generated = None if settings.admin_password else secrets.token_urlsafe(18)
    password = settings.admin_password or generated
    assert password is not None
    try:
        create_user(
            session, settings.admin_email, password, name="Administrator", is_admin=True, now=now
        )
    except Conflict:
        if _any_admin(session):
            return None
        raise
    return generated


def _any_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


# Sign-in and browser sessions ----------------------------------------------------------------


def sign_in(
    database: Database,
    settings: Settings,
    email: str,
    password: str,
    client: str,
    *,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Check a password and open a browser session; returns the user and the session token.

    Opens its own transactions, so call it outside any other (on SQLite a second open writer
    would wait on this one). ``client`` identifies where the attempt comes from (the remote
    address); failures are counted per address-and-client, so a stranger guessing cannot lock
    the owner out from another place. Raises :class:`TooManyRequests` without looking at the
    password once the limit is reached, and :class:`NotSignedIn` with one message for an
    unknown address, a wrong password and a deactivated account.
    """
    moment = _utc(now)
    address = _normal_email(email)
    key = f"{address}|{client}"
    with database.transaction() as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < moment - ATTEMPT_RETENTION))
        session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= moment))
        recent = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.at > moment - RATE_WINDOW)
        )
        blocked = (recent or 0) >= settings.login_attempts_per_minute
        if not blocked:
            # Counted as a failure from now on; removed again below if the password is right.
            session.add(LoginAttempt(key=key, at=moment))
    if blocked:
        raise TooManyRequests(
            "too many failed sign-ins; wait a minute and try again", code="too_many_attempts"
        )
    with database.transaction() as session:
        user = session.scalar(select(User).where(User.email == address))
        if user is None:
            verify_password(_dummy_hash(), password)
        elif verify_password(user.password_hash, password) and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
            token = secrets.token_urlsafe(32)
            session.add(
                BrowserSession(
                    user_id=user.id,
                    token_hash=_digest(token),
                    created_at=moment,
                    expires_at=moment + timedelta(hours=settings.session_hours),
                )
            )
            return user, token
    raise NotSignedIn(_INVALID_CREDENTIALS, code="invalid_credentials")


SESSION_COOKIE = "plansmith_session"  # the browser session's cookie, for every face


class CookieOptions(TypedDict):
    max_age: int
    httponly: bool
    samesite: Literal["strict"]
    secure: bool


def session_cookie(settings: Settings) -> CookieOptions:
    """How a browser keeps a session token, the same for every face: out of scripts' reach,
    never sent with another site's requests, HTTPS-only in production, gone with the session."""
    return {
        "max_age": int(settings.session_hours * 3600),
        "httponly": True,
        "samesite": "strict",
        "secure": settings.production,
    }


def sign_out(session: Session, token: str) -> None:
    """End the session ``token`` opened; an unknown or already ended one is no error."""
    session.execute(delete(BrowserSession).where(BrowserSession.token_hash == _digest(token)))


def user_for_session(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user a live session token belongs to, else None."""
    row = session.scalar(select(BrowserSession).where(BrowserSession.token_hash == _digest(token)))
    if row is None or _utc(row.expires_at) <= _utc(now):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


# API tokens ----------------------------------------------------------------------------------


def issue_token(
    session: Session,
    settings: Settings,
    user: User,
    name: str,
    days: int | None = None,
    *,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new personal API token for ``user``; the plaintext is returned once and never kept.

    Every token expires (``days``, default ``settings.token_days_default``, at most
    ``settings.token_days_max``) so a forgotten one stops working by itself.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            f"a token needs a name of 1 to {MAX_NAME_LENGTH} characters", code="invalid_name"
        )
    lifetime = settings.token_days_default if days is None else days
    if isinstance(lifetime, bool) or not 1 <= lifetime <= settings.token_days_max:
        raise Invalid(
            f"a token's lifetime is 1 to {settings.token_days_max} days, not {days}",
            code="invalid_expiry",
        )
    moment = _utc(now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_digest(token),
        created_at=moment,
        expires_at=moment + timedelta(days=lifetime),
        revoked_at=None,
        last_used_at=None,
    )
    session.add(row)
    session.flush()
    return row, token


@dataclass(frozen=True)
class TokenUse:
    """Whose a valid token is, and whether its use is due to be recorded."""

    user: User
    record_due: bool


def resolve_token(session: Session, token: str, *, now: datetime | None = None) -> TokenUse | None:
    """The active user a valid (known, unrevoked, unexpired) API token belongs to, else None;
    only reads, so a request that only reads stays read-only (see :func:`record_token_use`)."""
    moment = _utc(now)
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if not token_usable(row.revoked_at, row.expires_at, user.active, moment):
        return None
    return TokenUse(user, token_use_due(row.last_used_at, moment))


def token_usable(
    revoked_at: datetime | None, expires_at: datetime, active: bool, moment: datetime
) -> bool:
    """The rule for a token found by its digest: unrevoked, unexpired and its user active.
    One definition for :func:`resolve_token` and the API's one-statement task list."""
    return revoked_at is None and _utc(expires_at) > moment and active


def record_token_use(session: Session, token: str, *, now: datetime | None = None) -> None:
    """Note that the token was used (at most every few minutes), so people can see which of
    their tokens are still needed."""
    moment = _utc(now)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and token_use_due(row.last_used_at, moment):
        row.last_used_at = moment


def user_for_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """:func:`resolve_token` and :func:`record_token_use` in one, for callers that write."""
    use = resolve_token(session, token, now=now)
    if use is None:
        return None
    if use.record_due:
        record_token_use(session, token, now=now)
    return use.user


USE_RECORD_INTERVAL = timedelta(minutes=5)


def token_use_due(last_used: datetime | None, moment: datetime) -> bool:
    """Whether a token's use is to be recorded now (at most every USE_RECORD_INTERVAL)."""
    return last_used is None or moment - _utc(last_used) >= USE_RECORD_INTERVAL


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """All of ``user``'s tokens, revoked and expired ones included, oldest first."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    return list(rows)


def revoke_token(
    session: Session, user: User, token_id: int, *, now: datetime | None = None
) -> None:
    """Revoke one of ``user``'s tokens (again is no error). Someone else's token is reported
    as missing, so token ids reveal nothing about other accounts."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"you have no token {token_id}", code="not_found")
    if row.revoked_at is None:
        row.revoked_at = _utc(now)
