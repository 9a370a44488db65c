"""What a test needs to run a ``plansmith`` command or a server: the command's environment
(none of the caller's PLANSMITH_ settings, a data directory and a SQLite file in the test's own
directory, no demo portfolio) and a free port on the loopback address."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def cli_env(tmp_path: Path, db: str = "plansmith.db", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANSMITH_")}
    env["PLANSMITH_DATA_DIR"] = str(tmp_path / "data")
    env["PLANSMITH_DATABASE_URL"] = f"sqlite:///{tmp_path / db}"
    env["PLANSMITH_DEMO"] = "0"
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
