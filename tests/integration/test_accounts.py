"""Accounts on SQLite and PostgreSQL: password hashing, sign-in and its rate limit, browser
sessions, API tokens and the first administrator. Time is moved with ``now=``, never slept."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from plansmith.config import Settings
from plansmith.errors import Conflict, Invalid, NotFound, NotSignedIn, TooManyRequests
from plansmith.services import accounts
from plansmith.services.accounts import (
    create_user,
    ensure_admin,
    hash_password,
    issue_token,
    list_tokens,
    revoke_token,
    sign_in,
    sign_out,
    user_for_session,
    user_for_token,
    verify_password,
)
from plansmith.storage.database import Database
from plansmith.storage.tables import ApiToken, BrowserSession, LoginAttempt, User

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'unused.db'}",
        "data_dir": tmp_path,
        "secret_key": "x" * 40,
        "production": False,
        "session_hours": 1.0,
        "token_days_default": 30,
        "token_days_max": 90,
        "login_attempts_per_minute": 3,
    }
    values.update(overrides)
    return Settings(**values)


def add_user(database: Database, email: str = "ana@example.com", **options: Any) -> int:
    with database.transaction() as session:
        return create_user(session, email, PASSWORD, **options).id


def utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite returns naive ones)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def attempts(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(LoginAttempt)) or 0


# Passwords -------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id_and_verify() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert hashed != hash_password(PASSWORD)  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


def test_a_hash_with_old_parameters_is_replaced_at_the_next_sign_in(
    database: Database, settings: Settings
) -> None:
    user_id = add_user(database)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with database.transaction() as session:
        session.get_one(User, user_id).password_hash = weak
    assert accounts.needs_rehash(weak)
    sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    with database.transaction() as session:
        renewed = session.get_one(User, user_id).password_hash
    assert renewed != weak
    assert not accounts.needs_rehash(renewed)
    assert verify_password(renewed, PASSWORD)


# Users -----------------------------------------------------------------------------------------


def test_create_user_normalises_the_address(database: Database) -> None:
    with database.transaction() as session:
        user = create_user(session, "  Ana@Example.COM ", PASSWORD, name=" Ana ")
    assert (user.email, user.name, user.active, user.is_admin) == (
        "ana@example.com",
        "Ana",
        True,
        False,
    )
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    "email", ["", "ana", "ana@", "@example.com", "ana@example", "a na@example.com", "a@b@c.com"]
)
def test_a_malformed_address_is_refused(database: Database, email: str) -> None:
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        create_user(session, email, PASSWORD)
    assert caught.value.code == "invalid_email"
    assert caught.value.status == 422


def test_a_very_long_address_is_refused(database: Database) -> None:
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        create_user(session, "a" * 320 + "@example.com", PASSWORD)
    assert caught.value.code == "invalid_email"


def test_a_short_password_is_refused(database: Database) -> None:
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        create_user(session, "ana@example.com", "123456789")
    assert caught.value.code == "weak_password"
    with database.transaction() as session:
        create_user(session, "ana@example.com", "1234567890")  # ten is enough


def test_a_name_longer_than_its_column_is_refused(database: Database) -> None:
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        create_user(session, "ana@example.com", PASSWORD, name="n" * 201)
    assert caught.value.code == "invalid_name"


def test_a_taken_address_is_refused_whatever_its_case(database: Database) -> None:
    add_user(database)
    with pytest.raises(Conflict) as caught, database.transaction() as session:
        create_user(session, "ANA@example.com", "another password")
    assert caught.value.code == "email_taken"
    assert caught.value.status == 409


# Sign-in and sessions --------------------------------------------------------------------------


def test_sign_in_opens_a_session_that_finds_the_user(
    database: Database, settings: Settings
) -> None:
    user_id = add_user(database)
    user, token = sign_in(database, settings, " ANA@example.com", PASSWORD, "10.0.0.1", now=T0)
    assert user.id == user_id
    with database.transaction() as session:
        found = user_for_session(session, token, now=T0 + timedelta(minutes=1))
        stored = session.scalars(select(BrowserSession)).one()
    assert found is not None
    assert found.id == user_id
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes


def test_unknown_address_and_wrong_password_fail_alike(
    database: Database, settings: Settings
) -> None:
    add_user(database)
    with pytest.raises(NotSignedIn) as unknown:
        sign_in(database, settings, "bob@example.com", PASSWORD, "10.0.0.1", now=T0)
    with pytest.raises(NotSignedIn) as wrong:
        sign_in(database, settings, "ana@example.com", "wrong password", "10.0.0.2", now=T0)
    assert unknown.value.code == wrong.value.code == "invalid_credentials"
    assert unknown.value.message == wrong.value.message
    assert unknown.value.status == 401
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BrowserSession)) == 0


def test_unknown_addresses_are_still_hashed(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = accounts.verify_password

    def spy(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(accounts, "verify_password", spy)
    with pytest.raises(NotSignedIn):
        sign_in(database, settings, "nobody@example.com", PASSWORD, "10.0.0.1", now=T0)
    assert len(checked) == 1
    assert checked[0].startswith("$argon2id$")


def test_a_deactivated_user_cannot_sign_in_and_loses_their_sessions(
    database: Database, settings: Settings
) -> None:
    user_id = add_user(database)
    _, token = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    with database.transaction() as session:
        session.get_one(User, user_id).active = False
    with database.transaction() as session:
        assert user_for_session(session, token, now=T0) is None
    with pytest.raises(NotSignedIn) as caught:
        sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    assert caught.value.code == "invalid_credentials"


def test_a_session_expires_after_the_configured_hours(
    database: Database, settings: Settings
) -> None:
    add_user(database)
    _, token = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    with database.transaction() as session:
        assert user_for_session(session, token, now=T0 + timedelta(minutes=59)) is not None
        assert user_for_session(session, token, now=T0 + timedelta(hours=1)) is None
        # a naive time is read as UTC, as SQLite returns them
        naive = (T0 + timedelta(minutes=30)).replace(tzinfo=None)
        assert user_for_session(session, token, now=naive) is not None
    # expired sessions are cleared at the next sign-in
    sign_in(
        database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0 + timedelta(hours=2)
    )
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BrowserSession)) == 1


def test_sign_out_ends_only_that_session(database: Database, settings: Settings) -> None:
    add_user(database)
    _, first = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    _, second = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.2", now=T0)
    with database.transaction() as session:
        sign_out(session, first)
        sign_out(session, first)  # again: no error
        sign_out(session, "never issued")
    with database.transaction() as session:
        assert user_for_session(session, first, now=T0) is None
        assert user_for_session(session, second, now=T0) is not None
        assert user_for_session(session, "never issued", now=T0) is None


# The rate limit --------------------------------------------------------------------------------


def fail(database: Database, settings: Settings, client: str, at: datetime) -> str:
    with pytest.raises(NotSignedIn) as caught:
        sign_in(database, settings, "ana@example.com", "wrong password", client, now=at)
    return caught.value.code


def test_failures_are_kept_although_the_caller_rolls_back(
    database: Database, settings: Settings
) -> None:
    add_user(database)
    assert fail(database, settings, "10.0.0.1", T0) == "invalid_credentials"
    assert fail(database, settings, "10.0.0.1", T0) == "invalid_credentials"
    assert attempts(database) == 2
    with database.transaction() as session:
        keys = set(session.scalars(select(LoginAttempt.key)))
    assert keys == {"ana@example.com|10.0.0.1"}


def test_the_limit_refuses_without_checking_the_password(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(database)
    for second in range(3):  # login_attempts_per_minute = 3
        fail(database, settings, "10.0.0.1", T0 + timedelta(seconds=second))

    def must_not_run(hashed: str, password: str) -> bool:
        raise AssertionError("the password was checked while over the limit")

    monkeypatch.setattr(accounts, "verify_password", must_not_run)
    with pytest.raises(TooManyRequests) as caught:
        sign_in(database, settings, "Ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    assert caught.value.code == "too_many_attempts"
    assert caught.value.status == 429
    assert attempts(database) == 3  # a refused attempt is not another failure
    monkeypatch.undo()
    # another client is not held up by this one's failures
    sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.2", now=T0)
    # and a minute after the first failure, the address is tried again
    user, _ = sign_in(
        database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0 + timedelta(seconds=61)
    )
    assert user.email == "ana@example.com"


def test_the_limit_is_the_configured_count(database: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_attempts_per_minute=5)
    add_user(database)
    codes = [fail(database, settings, "c", T0) for _ in range(5)]
    assert codes == ["invalid_credentials"] * 5
    with pytest.raises(TooManyRequests):
        sign_in(database, settings, "ana@example.com", PASSWORD, "c", now=T0)


def test_the_limit_counts_unknown_addresses_too(database: Database, settings: Settings) -> None:
    for _ in range(3):
        with pytest.raises(NotSignedIn):
            sign_in(database, settings, "nobody@example.com", "guess 12345", "c", now=T0)
    with pytest.raises(TooManyRequests):
        sign_in(database, settings, "nobody@example.com", "guess 12345", "c", now=T0)


def test_a_successful_sign_in_clears_the_failures_and_old_ones_are_purged(
    database: Database, settings: Settings
) -> None:
    add_user(database)
    with database.transaction() as session:
        session.add(LoginAttempt(key="someone|else", at=T0 - timedelta(hours=2)))
    fail(database, settings, "10.0.0.1", T0)
    fail(database, settings, "10.0.0.1", T0)
    sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    assert attempts(database) == 0


# API tokens ------------------------------------------------------------------------------------


def test_only_the_hash_of_a_token_is_stored(database: Database, settings: Settings) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        row, token = issue_token(session, settings, user, "ci", now=T0)
    assert token.startswith("psm_")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with database.engine.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM api_tokens")).all())
    assert token not in dump
    assert token.removeprefix("psm_") not in dump


def test_a_token_finds_its_user_until_it_expires(database: Database, settings: Settings) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        row, token = issue_token(session, settings, user, " ci ", now=T0)
        assert row.name == "ci"
        assert row.expires_at == T0 + timedelta(days=30)  # token_days_default
    used = T0 + timedelta(days=29)
    with database.transaction() as session:
        found = user_for_token(session, token, now=used)
        assert found is not None
        assert found.email == "ana@example.com"
        assert user_for_token(session, "psm_unknown", now=used) is None
    with database.transaction() as session:
        stored = session.get_one(ApiToken, row.id)
        assert stored.last_used_at is not None
        assert utc(stored.last_used_at) == used
        assert user_for_token(session, token, now=T0 + timedelta(days=30)) is None


def test_a_token_of_a_deactivated_user_finds_nobody(database: Database, settings: Settings) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        _, token = issue_token(session, settings, user, "ci", now=T0)
        user.active = False
    with database.transaction() as session:
        assert user_for_token(session, token, now=T0) is None


@pytest.mark.parametrize("days", [0, -1, 91])
def test_a_lifetime_outside_the_limits_is_refused(
    database: Database, settings: Settings, days: int
) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        with pytest.raises(Invalid) as caught:
            issue_token(session, settings, user, "ci", days)
    assert caught.value.code == "invalid_expiry"


def test_the_longest_lifetime_is_allowed(database: Database, settings: Settings) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        row, _ = issue_token(session, settings, user, "ci", 90, now=T0)
        assert row.expires_at == T0 + timedelta(days=90)


def test_a_token_needs_a_name(database: Database, settings: Settings) -> None:
    add_user(database)
    with database.transaction() as session:
        user = session.scalars(select(User)).one()
        with pytest.raises(Invalid) as caught:
            issue_token(session, settings, user, "  ")
    assert caught.value.code == "invalid_name"


def test_revoked_tokens_stop_working_and_others_tokens_are_not_found(
    database: Database, settings: Settings
) -> None:
    add_user(database, "ana@example.com")
    add_user(database, "bob@example.com")
    with database.transaction() as session:
        ana = session.scalars(select(User).where(User.email == "ana@example.com")).one()
        bob = session.scalars(select(User).where(User.email == "bob@example.com")).one()
        first, token = issue_token(session, settings, ana, "laptop", now=T0)
        issue_token(session, settings, ana, "ci", now=T0)
        bobs, _ = issue_token(session, settings, bob, "bob's", now=T0)
    with database.transaction() as session:
        assert [t.name for t in list_tokens(session, ana)] == ["laptop", "ci"]
        revoke_token(session, ana, first.id, now=T0)
        revoke_token(session, ana, first.id, now=T0 + timedelta(hours=1))  # again: no error
    with database.transaction() as session:
        assert user_for_token(session, token, now=T0) is None
        revoked = session.get_one(ApiToken, first.id).revoked_at
        assert revoked is not None
        assert utc(revoked) == T0  # the first revocation stands
    for token_id in (bobs.id, 10_000):
        with pytest.raises(NotFound) as caught, database.transaction() as session:
            revoke_token(session, ana, token_id)
        assert caught.value.code == "not_found"
    with database.transaction() as session:
        assert session.get_one(ApiToken, bobs.id).revoked_at is None


# The first administrator -----------------------------------------------------------------------


def test_ensure_admin_generates_a_password_once(database: Database, settings: Settings) -> None:
    with database.transaction() as session:
        password = ensure_admin(session, settings)
    assert password is not None
    assert len(password) >= 20
    with database.transaction() as session:
        assert ensure_admin(session, settings) is None
        admins = session.scalars(select(User).where(User.is_admin.is_(True))).all()
    assert [a.email for a in admins] == ["admin@example.com"]
    user, _ = sign_in(database, settings, "admin@example.com", password, "c", now=T0)
    assert user.is_admin


def test_ensure_admin_uses_a_configured_password(database: Database, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, admin_email="Root@Example.org", admin_password="configured secret"
    )
    with database.transaction() as session:
        assert ensure_admin(session, settings) is None
    user, _ = sign_in(database, settings, "root@example.org", "configured secret", "c", now=T0)
    assert user.is_admin


def test_ensure_admin_does_nothing_when_an_admin_exists(
    database: Database, settings: Settings
) -> None:
    add_user(database, "boss@example.com", is_admin=True)
    with database.transaction() as session:
        assert ensure_admin(session, settings) is None
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_ensure_admin_refuses_a_weak_configured_password(
    database: Database, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, admin_password="short")
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        ensure_admin(session, settings)
    assert caught.value.code == "weak_password"


# Changing a password ---------------------------------------------------------------------------


def test_changing_the_password_ends_the_other_sessions(
    database: Database, settings: Settings
) -> None:
    add_user(database)
    user, here = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.1", now=T0)
    _, elsewhere = sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.2", now=T0)
    with pytest.raises(NotSignedIn) as wrong, database.transaction() as session:
        accounts.change_password(session, user, "not the password", "a new passphrase")
    assert wrong.value.code == "invalid_credentials"
    with pytest.raises(Invalid) as weak, database.transaction() as session:
        accounts.change_password(session, user, PASSWORD, "short")
    assert weak.value.code == "weak_password"
    with database.transaction() as session:
        accounts.change_password(session, user, PASSWORD, "a new passphrase", keep_session=here)
    with database.transaction() as session:
        assert user_for_session(session, here, now=T0) is not None
        assert user_for_session(session, elsewhere, now=T0) is None
    with pytest.raises(NotSignedIn):
        sign_in(database, settings, "ana@example.com", PASSWORD, "10.0.0.3", now=T0)
    sign_in(database, settings, "ana@example.com", "a new passphrase", "10.0.0.3", now=T0)


def test_ensure_admin_does_not_promote_an_ordinary_account(
    database: Database, settings: Settings
) -> None:
    add_user(database, "admin@example.com")
    with pytest.raises(Conflict) as caught, database.transaction() as session:
        ensure_admin(session, settings)
    assert caught.value.code == "email_taken"
    with database.transaction() as session:
        assert not session.scalars(select(User)).one().is_admin


def test_the_default_hash_profile_is_rfc_9106_low_memory_and_production_refuses_the_test_one() -> (
    None
):
    from argon2 import profiles

    from plansmith.config import SettingsError
    from plansmith.services.accounts import password_hasher

    strong = password_hasher({})
    low_memory = profiles.RFC_9106_LOW_MEMORY
    assert (strong.time_cost, strong.memory_cost, strong.parallelism) == (
        low_memory.time_cost,
        low_memory.memory_cost,
        low_memory.parallelism,
    )
    assert password_hasher({"PLANSMITH_PASSWORD_HASH_PROFILE": "test"}).memory_cost < 1024
    with pytest.raises(SettingsError):
        password_hasher({"PLANSMITH_PASSWORD_HASH_PROFILE": "test", "PLANSMITH_MODE": "production"})
