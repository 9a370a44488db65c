"""SMTP settings: no e-mail without a host; with one, production refuses to guess the sender or
the public address, and never sends a password in clear text."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansmith.config import SettingsError, TlsMode, load_settings

PRODUCTION = {
    "PLANSMITH_MODE": "production",
    "PLANSMITH_DATABASE_URL": "postgresql+psycopg://db/plansmith",
    "PLANSMITH_SECRET_KEY": "k" * 40,
}


def test_no_host_means_no_mail_and_needs_nothing_else(tmp_path: Path) -> None:
    settings = load_settings({**PRODUCTION, "PLANSMITH_DATA_DIR": str(tmp_path)})
    assert settings.mail is None
    assert settings.scheduler


def test_a_host_with_defaults_in_development(tmp_path: Path) -> None:
    env = {"PLANSMITH_DATA_DIR": str(tmp_path), "PLANSMITH_SMTP_HOST": "mail.example"}
    mail = load_settings(env).mail
    assert mail is not None
    assert (mail.port, mail.tls, mail.user, mail.password) == (587, TlsMode.STARTTLS, None, None)
    assert (mail.attempts, mail.retry_seconds) == (5, 60.0)
    tls = load_settings({**env, "PLANSMITH_SMTP_TLS": "tls"}).mail
    assert tls is not None
    assert tls.port == 465
    secret = {"PLANSMITH_SMTP_USER": "u", "PLANSMITH_SMTP_PASSWORD": "hunter2hunter2"}
    assert "hunter2" not in repr(load_settings({**env, **secret}).mail)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PLANSMITH_PUBLIC_URL": "https://pm.example"}, "PLANSMITH_SMTP_FROM"),
        ({"PLANSMITH_SMTP_FROM": "pm@example.com"}, "PLANSMITH_PUBLIC_URL"),
        (
            {
                "PLANSMITH_SMTP_FROM": "pm@example.com",
                "PLANSMITH_PUBLIC_URL": "https://pm.example",
                "PLANSMITH_SMTP_TLS": "none",
                "PLANSMITH_SMTP_USER": "pm",
                "PLANSMITH_SMTP_PASSWORD": "secret-secret",
            },
            "clear text",
        ),
        ({"PLANSMITH_SMTP_USER": "pm"}, "go together"),
        ({"PLANSMITH_SMTP_TLS": "ssl"}, "PLANSMITH_SMTP_TLS"),
        ({"PLANSMITH_SMTP_FROM": "pm@example.com", "PLANSMITH_SMTP_PORT": "smtp"}, "_PORT"),
        ({"PLANSMITH_SMTP_FROM": "pm@example.com", "PLANSMITH_PUBLIC_URL": "pm.example"}, "http"),
    ],
)
def test_production_with_a_host_refuses_unsafe_mail_settings(
    tmp_path: Path, env: dict[str, str], names: str
) -> None:
    full = {
        **PRODUCTION,
        "PLANSMITH_DATA_DIR": str(tmp_path),
        "PLANSMITH_SMTP_HOST": "mail.example",
        **env,
    }
    with pytest.raises(SettingsError, match=names):
        load_settings(full)


def test_the_scheduler_can_be_left_to_a_worker(tmp_path: Path) -> None:
    env = {"PLANSMITH_DATA_DIR": str(tmp_path), "PLANSMITH_SCHEDULER": "0"}
    assert not load_settings(env).scheduler
