"""Server settings, read once from the environment.

Development mode (the default) needs no set-up: SQLite in the user's data directory and a secret
generated on first start and kept beside the database. Production mode (``PLANSMITH_MODE=
production``) refuses to start without an explicit secret and database URL, so a forgotten
setting can never fall back to a value that someone else also has.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir

N = TypeVar("N", int, float)


class SettingsError(Exception):
    """A setting is missing or unsafe; the message names the variable that fixes it."""


class TlsMode(StrEnum):
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption: a relay on this machine or a test server only


DEFAULT_PORTS = {TlsMode.STARTTLS: 587, TlsMode.TLS: 465, TlsMode.NONE: 25}


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server report e-mails go through (``PLANSMITH_SMTP_*``)."""

    host: str
    from_address: str
    port: int = 587
    tls: TlsMode = TlsMode.STARTTLS
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    attempts: int = 5  # tries per e-mail before it is logged as failed
    retry_seconds: float = 60.0  # the wait before the first retry; each next one doubles
    timeout: float = 30.0


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str
    production: bool
    session_hours: float = 12.0
    token_days_default: int = 90
    token_days_max: int = 366
    login_attempts_per_minute: int = 5
    admin_email: str = "admin@example.com"
    admin_password: str | None = None
    load_demo: bool = True
    upload_limit_bytes: int = 5 * 1024 * 1024
    mail: MailSettings | None = None  # None: no e-mail is sent (deliveries stay pending)
    public_url: str = "http://127.0.0.1:8000"  # where links in e-mails point
    scheduler: bool = True  # serving processes run the delivery job (docs/communication.md)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``PLANSMITH_*`` variables; raises :class:`SettingsError` for unsafe ones."""
    env = dict(os.environ if environ is None else environ)
    production = env.get("PLANSMITH_MODE", "development").lower() == "production"
    data_dir = Path(env.get("PLANSMITH_DATA_DIR") or user_data_dir("plansmith", appauthor=False))
    url = env.get("PLANSMITH_DATABASE_URL", "")
    secret = env.get("PLANSMITH_SECRET_KEY", "")
    if production:
        missing = [
            name
            for name, value in (
                ("PLANSMITH_DATABASE_URL", url),
                ("PLANSMITH_SECRET_KEY", secret),
            )
            if not value
        ]
        if missing:
            raise SettingsError(f"production mode needs {' and '.join(missing)} to be set")
        if len(secret) < 32:
            raise SettingsError("PLANSMITH_SECRET_KEY must be at least 32 characters")
    if not url:
        url = f"sqlite:///{data_dir / 'plansmith.db'}"
    if not secret:
        secret = _development_secret(data_dir)
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=secret,
        production=production,
        session_hours=_number(env, "PLANSMITH_SESSION_HOURS", 12.0, float),
        admin_email=env.get("PLANSMITH_ADMIN_EMAIL", "admin@example.com"),
        admin_password=env.get("PLANSMITH_ADMIN_PASSWORD") or None,
        load_demo=env.get("PLANSMITH_DEMO", "1") not in {"0", "false", "no"},
        login_attempts_per_minute=_number(env, "PLANSMITH_LOGIN_ATTEMPTS_PER_MINUTE", 5, int),
        mail=_mail(env, production),
        public_url=_public_url(env, production),
        scheduler=env.get("PLANSMITH_SCHEDULER", "1") not in {"0", "false", "no"},
    )


def _mail(env: dict[str, str], production: bool) -> MailSettings | None:
    """SMTP settings, or None when ``PLANSMITH_SMTP_HOST`` is unset (no e-mail at all). Only
    with a host are the rest required, so an instance that sends nothing needs none of them."""
    host = env.get("PLANSMITH_SMTP_HOST", "").strip()
    if not host:
        return None
    tls_text = env.get("PLANSMITH_SMTP_TLS", "starttls").strip().lower()
    try:
        tls = TlsMode(tls_text)
    except ValueError:
        raise SettingsError(
            f"PLANSMITH_SMTP_TLS must be starttls, tls or none, not {tls_text!r}"
        ) from None
    user = env.get("PLANSMITH_SMTP_USER") or None
    password = env.get("PLANSMITH_SMTP_PASSWORD") or None
    if (user is None) != (password is None):
        raise SettingsError("PLANSMITH_SMTP_USER and PLANSMITH_SMTP_PASSWORD go together")
    from_address = env.get("PLANSMITH_SMTP_FROM", "").strip()
    if production:
        if not from_address:
            raise SettingsError("PLANSMITH_SMTP_HOST is set, so PLANSMITH_SMTP_FROM must be too")
        if password is not None and tls is TlsMode.NONE:
            raise SettingsError(
                "PLANSMITH_SMTP_TLS=none would send PLANSMITH_SMTP_PASSWORD in clear text"
            )
    return MailSettings(
        host=host,
        from_address=from_address or "plansmith@localhost",
        port=_number(env, "PLANSMITH_SMTP_PORT", DEFAULT_PORTS[tls], int),
        tls=tls,
        user=user,
        password=password,
        attempts=_number(env, "PLANSMITH_DELIVERY_ATTEMPTS", 5, int),
        retry_seconds=_number(env, "PLANSMITH_DELIVERY_RETRY_SECONDS", 60.0, float),
    )


def _public_url(env: dict[str, str], production: bool) -> str:
    """The server's address as recipients reach it: unsubscribe links must work from a mail
    client, so production does not guess it when e-mail is on."""
    url = env.get("PLANSMITH_PUBLIC_URL", "").strip().rstrip("/")
    if not url and production and env.get("PLANSMITH_SMTP_HOST", "").strip():
        raise SettingsError("PLANSMITH_SMTP_HOST is set, so PLANSMITH_PUBLIC_URL must be too")
    if url and not url.startswith(("http://", "https://")):
        raise SettingsError(f"PLANSMITH_PUBLIC_URL must start with http:// or https://: {url!r}")
    return url or "http://127.0.0.1:8000"


def _number(env: dict[str, str], name: str, default: N, kind: type[N]) -> N:
    text = env.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name} must be a positive number, not {text!r}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be a positive number, not {text!r}")
    return value


def _development_secret(data_dir: Path) -> str:
    """A random secret per data directory, created once, readable only by its owner."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
