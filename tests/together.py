"""Several processes' worth of engines running one job at the same moment, for the tests that
show a scheduled job's claims hold: a barrier starts the threads together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from plansmith.config import Settings
from plansmith.storage.database import Database


def run_together(
    job: Callable[[Database, Settings, datetime], Any],
    databases: list[Database],
    settings: Settings,
    moment: datetime,
) -> None:
    barrier = threading.Barrier(len(databases))
    errors: list[BaseException] = []

    def run(database: Database) -> None:
        try:
            barrier.wait()
            job(database, settings, moment)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
