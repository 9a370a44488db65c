"""Server settings, read once from the environment.

Development mode (the default) needs no set-up: SQLite in the user's data directory and a secret
generated on first start and kept beside the database. Production mode (``PLANSMITH_MODE=
production``) refuses to start without an explicit secret and database URL, so a forgotten
setting can never fall back to a value that someone else also has.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir

N = TypeVar("N", int, float)


class SettingsError(Exception):
    """A setting is missing or unsafe; the message names the variable that fixes it."""


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
    )


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
