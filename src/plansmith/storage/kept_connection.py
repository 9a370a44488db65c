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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import QueuePool

_KEPT: weakref.WeakKeyDictionary[Engine, Connection] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def fetch_all(engine: Engine, sql: str, params: Any) -> Sequence[Any]:
    """The rows of ``sql`` (the driver's own SQL and parameters), read in autocommit."""
    if isinstance(engine.pool, QueuePool) and _LOCK.acquire(blocking=False):
        try:
            kept = _KEPT.get(engine)
            if kept is None or kept.invalidated or kept.closed:
                kept = _keep(engine)
            try:
                return _run(kept, sql, params)
            except Exception:  # the pool's path below pings, reconnects, or raises the error
                _KEPT.pop(engine, None)
                kept.invalidate()
        finally:
            _LOCK.release()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return _run(connection, sql, params)


def _run(connection: Connection, sql: str, params: Any) -> Sequence[Any]:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        rows: Sequence[Any] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def _keep(engine: Engine) -> Connection:
    if not event.contains(engine, "engine_disposed", _forget):
        event.listen(engine, "engine_disposed", _forget)
    connection = engine.connect()
    connection.execution_options(isolation_level="AUTOCOMMIT")
    _KEPT[engine] = connection
    return connection


def _forget(engine: Engine) -> None:
    kept = _KEPT.pop(engine, None)
    if kept is not None:
        kept.invalidate()  # closes the driver's connection (its pool is gone)
