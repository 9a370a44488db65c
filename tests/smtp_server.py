"""A real SMTP server on loopback for the delivery tests (aiosmtpd), keeping what it receives,
and able to answer with a chosen failure a given number of times first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from plansmith.config import MailSettings, Settings, TlsMode
from tests.cli_env import free_port


@dataclass
class Inbox:
    """Every message accepted, and the replies to give before accepting any."""

    failures: list[str] = field(default_factory=list)  # e.g. "451 4.3.0 Try again later"
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.failures:
                self.refused += 1
                return self.failures.pop(0)
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.recipients += list(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A running server on 127.0.0.1 and an ephemeral port: (its inbox, the port)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def loopback_settings(port: int, data_dir: Path, sender: str) -> Settings:
    """Settings that send through the SMTP server on ``port`` (no TLS, quick retries)."""
    mail = MailSettings(
        host="127.0.0.1",
        port=port,
        tls=TlsMode.NONE,
        from_address=sender,
        retry_seconds=60,
        attempts=3,
        timeout=10,
    )
    return Settings(
        database_url="unused",
        data_dir=data_dir,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
        mail=mail,
        public_url="https://plansmith.example",
    )
