"""One read-only statement on a connection kept for it: the API's task list (issue 6).

Why not ``engine.connect()`` per statement: each checkout from the pool pings the server
first (``pool_pre_ping``, a round trip), switches the connection to autocommit and back, and
each checkin resets it; on the task list's hot path that was a third of the server's CPU and a
second statement for PostgreSQL per read. Here each engine keeps one connection, in
autocommit (a single SELECT is its own consistent snapshot), for the statements of the thread
that holds the lock; another thread meanwhile, an engine whose pool has one connection per
thread (in-memory SQLite), or a kept connection that fails (the server restarted, say) uses
the pool as before, with its ping. :meth:`Engine.dispose` closes the kept connection.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import QueuePool


class ConnectionKeeper:
    """One connection per engine, checked out of its pool for good, made ready by ``prepare``
    once, and closed when the engine is disposed. Callers serialise their use of it."""

    def __init__(self, prepare: Callable[[Connection], None]) -> None:
        self._prepare = prepare
        self._kept: weakref.WeakKeyDictionary[Engine, Connection] = weakref.WeakKeyDictionary()

    def get(self, engine: Engine) -> Connection:
        kept = self._kept.get(engine)
        if kept is None or kept.invalidated or kept.closed:
            if not event.contains(engine, "engine_disposed", self.drop):
                event.listen(engine, "engine_disposed", self.drop)
            kept = engine.connect()
            try:
                self._prepare(kept)
            except BaseException:
                kept.invalidate()
                raise
            self._kept[engine] = kept
        return kept

    def kept(self, engine: Engine) -> Connection | None:
        """The engine's kept connection as it stands, without opening one."""
        return self._kept.get(engine)

    def drop(self, engine: Engine) -> None:
        """Close the engine's kept connection, if any; the next :meth:`get` opens another."""
        kept = self._kept.pop(engine, None)
        if kept is not None:
            kept.invalidate()  # closes the driver's connection (it never goes back to the pool)


def _autocommit(connection: Connection) -> None:
    connection.execution_options(isolation_level="AUTOCOMMIT")


_KEPT = ConnectionKeeper(_autocommit)
_LOCK = threading.Lock()


def fetch_all(engine: Engine, sql: str, params: Any) -> Sequence[Any]:
    """The rows of ``sql`` (the driver's own SQL and parameters), read in autocommit."""
    if isinstance(engine.pool, QueuePool) and _LOCK.acquire(blocking=False):
        try:
            kept = _KEPT.get(engine)
            try:
                return _run(kept, sql, params)
            except Exception:  # the pool's path below pings, reconnects, or raises the error
                _KEPT.drop(engine)
        finally:
            _LOCK.release()
    with engine.connect() as connection:
        _autocommit(connection)
        return _run(connection, sql, params)


def _run(connection: Connection, sql: str, params: Any) -> Sequence[Any]:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        rows: Sequence[Any] = cursor.fetchall()
        return rows
    finally:
        cursor.close()
