"""The connection kept for the API's task list (storage.kept_connection): reused, replaced
when it breaks, and closed with its engine."""

from __future__ import annotations

from sqlalchemy import text

from plansmith.storage import kept_connection
from plansmith.storage.database import Database


def _backend_id(database: Database) -> object:
    sql = "SELECT pg_backend_pid()" if database.engine.dialect.name == "postgresql" else "SELECT 1"
    [(value,)] = kept_connection.fetch_all(database.read_engine, sql, ())
    return value


def test_one_connection_is_kept_reused_and_closed_with_the_engine(database: Database) -> None:
    engine = database.read_engine
    assert _backend_id(database) == _backend_id(database)
    kept = kept_connection._KEPT.kept(engine)
    assert kept is not None
    assert not kept.closed
    engine.dispose()
    assert kept_connection._KEPT.kept(engine) is None
    assert kept.invalidated


def test_a_broken_kept_connection_is_replaced_and_the_statement_still_answers(
    database: Database,
) -> None:
    engine = database.read_engine
    first = _backend_id(database)
    kept = kept_connection._KEPT.kept(engine)
    assert kept is not None
    if engine.dialect.name == "postgresql":  # the server ends that session, as on a restart
        with database.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            other.commit()
    else:
        kept.connection.dbapi_connection.close()  # type: ignore[union-attr]
    assert _backend_id(database) is not None  # answered through the pool
    assert kept.invalidated
    _backend_id(database)
    assert kept_connection._KEPT.kept(engine) not in (None, kept)  # a new one from then on
