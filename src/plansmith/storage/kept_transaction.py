"""A short write transaction on a PostgreSQL connection kept for it, run by the calling thread
itself: the API's task update (issue 6).

Why: a task update on the thread pool waited for its thread and for the interpreter's lock after
every round trip to the database, and a connection from the pool is pinged before each use (one
more round trip). Under a closed loop of 50 clients on two cores that made a PATCH wait four
times as long as a read. On the event loop's own thread, on a connection kept open and not
pinged, the update is one step of the loop: on the benchmark 778-846 PATCH/s with p95 66-73 ms
against 583 and 126 ms (docs/benchmarks.md). The connection is one of the engine's pool's,
checked out for good, as the task list's is (:mod:`plansmith.storage.kept_connection`).

The price is that the loop waits while PostgreSQL works, so what it may wait for is bounded:
the connection has a ``lock_timeout`` (a row another transaction holds, such as the project's
revision counter), and whatever goes wrong with the database itself (that timeout, a dropped
connection, any driver error) rolls the transaction back and raises :class:`NotKept`: nothing
was written, and the caller runs the same work the usual way (the pool, a thread, no timeout).
Service errors (a conflict, a refusal) pass through unchanged, after the rollback. There is no
kept connection on SQLite, whose writers wait for one another's lock; nor for a second caller
while one holds it (it cannot happen on the loop's one thread, but the lock makes sure).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from plansmith.storage.kept_connection import ConnectionKeeper

# Long enough for the locks of ordinary concurrent updates (held for a few milliseconds), short
# enough that the loop never stalls for long behind a big transaction.
LOCK_TIMEOUT_MS = 50


def _bounded_waits(connection: Connection) -> None:
    connection.exec_driver_sql(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    connection.commit()  # a setting of the session, kept after the transaction that set it


_KEPT = ConnectionKeeper(_bounded_waits)
_LOCK = threading.Lock()


class NotKept(Exception):
    """The transaction did not run on the kept connection, or was rolled back there because of
    the database; nothing was written."""


@contextmanager
def kept_transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits when the block ends and is rolled back otherwise, on the
    engine's kept connection; raises :class:`NotKept` when the caller should do it otherwise."""
    if (
        engine.dialect.name != "postgresql"
        or not isinstance(engine.pool, QueuePool)
        or not _LOCK.acquire(blocking=False)
    ):
        raise NotKept
    try:
        kept: Connection | None = None
        try:
            kept = _KEPT.get(engine)
            with Session(bind=kept, expire_on_commit=False) as session, session.begin():
                yield session
        except DBAPIError as exc:
            if kept is None or exc.connection_invalidated or kept.invalidated:
                _KEPT.drop(engine)
            raise NotKept from exc
    finally:
        _LOCK.release()
