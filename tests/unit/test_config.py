"""Settings: development needs nothing, production refuses to guess a secret or a database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from plansmith.config import SettingsError, load_settings


def test_development_defaults_to_sqlite_and_a_secret_of_its_own(tmp_path: Path) -> None:
    settings = load_settings({"PLANSMITH_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'plansmith.db'}"
    assert not settings.production
    secret = tmp_path / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert settings.secret_key == secret.read_text()
    assert load_settings({"PLANSMITH_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key
    other = load_settings({"PLANSMITH_DATA_DIR": str(tmp_path / "other")})
    assert other.secret_key != settings.secret_key


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "PLANSMITH_DATABASE_URL and PLANSMITH_SECRET_KEY"),
        ({"PLANSMITH_SECRET_KEY": "k" * 40}, "PLANSMITH_DATABASE_URL"),
        ({"PLANSMITH_DATABASE_URL": "postgresql+psycopg://db/p"}, "PLANSMITH_SECRET_KEY"),
    ],
)
def test_production_has_no_defaults_for_secrets(
    tmp_path: Path, env: dict[str, str], names: str
) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings({"PLANSMITH_MODE": "production", "PLANSMITH_DATA_DIR": str(tmp_path), **env})
    assert not (tmp_path / "secret.key").exists()


def test_production_refuses_a_short_secret(tmp_path: Path) -> None:
    env = {
        "PLANSMITH_MODE": "production",
        "PLANSMITH_DATABASE_URL": "postgresql+psycopg://db/p",
        "PLANSMITH_SECRET_KEY": "short",
    }
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(env)


@pytest.mark.parametrize("value", ["soon", "0", "-2"])
def test_a_bad_number_is_a_settings_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError, match="PLANSMITH_SESSION_HOURS"):
        load_settings({"PLANSMITH_DATA_DIR": str(tmp_path), "PLANSMITH_SESSION_HOURS": value})
    with pytest.raises(SettingsError, match="PLANSMITH_LOGIN_ATTEMPTS_PER_MINUTE"):
        load_settings(
            {"PLANSMITH_DATA_DIR": str(tmp_path), "PLANSMITH_LOGIN_ATTEMPTS_PER_MINUTE": value}
        )
