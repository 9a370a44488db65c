"""A whole instance as one JSON document, and back: ``plansmith backup`` and ``restore``.

The document is generic over the tables the code declares (``Base.metadata``), so a table added
later is backed up without touching this module. Rows keep their primary keys, so every foreign
key, audit entry and API URL still points at the same thing after a restore. Password and token
*hashes* are included (an instance restored without them would lock everyone out); plaintext
secrets never exist in the database, so none can leak through a backup.

A backup is bound to the schema revision it was made at: restoring it into another revision
would put columns where they no longer fit, so that is refused rather than guessed at. Restore
only fills an empty database, so it can never merge two instances' rows into a mess.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from plansmith.errors import Conflict, Invalid
from plansmith.storage.database import Database, stored_revision
from plansmith.storage.tables import Base

FORMAT = "plansmith-backup"
FORMAT_VERSION = 1

Row = dict[str, Any]


def backup(session: Session) -> dict[str, Any]:
    """Every row of every table, as JSON values, with the format version and the revision.

    The rows are consistent only if the session's transaction sees one snapshot: use
    :func:`backup_database` unless the caller has arranged that."""
    tables: dict[str, list[Row]] = {}
    for table in Base.metadata.sorted_tables:
        order = [*table.primary_key.columns]
        rows = session.execute(select(table).order_by(*order)).mappings()
        tables[str(table.name)] = [_encoded(table, row) for row in rows]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": current_revision(session),
        "created_at": datetime.now(UTC).isoformat(),
        "tables": tables,
    }


def backup_database(database: Database) -> dict[str, Any]:
    """:func:`backup` in a transaction of its own that reads one snapshot, so rows the server
    writes meanwhile cannot leave a task in the backup without its project: repeatable read on
    PostgreSQL (whose default isolation sees each statement's own snapshot), while a SQLite
    transaction already holds the database still."""
    with database.sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return backup(session)


def restore(session: Session, document: Any) -> None:
    """Insert a backup's rows into this (migrated, empty) database, in the caller's
    transaction: either every row goes in or none does."""
    tables = _checked(document)
    revision = current_revision(session)
    if document["revision"] != revision:
        raise Invalid(
            f"the backup was made at schema revision {document['revision']}, but this database "
            f"is at {revision or 'none (not migrated)'}: restore it into a database at the "
            f"backup's revision (plansmith db upgrade|downgrade REV), then upgrade",
            code="backup_revision_mismatch",
        )
    if not is_empty(session):
        raise Conflict(
            "the database already holds data; restore only into an empty database",
            code="database_not_empty",
        )
    for table in Base.metadata.sorted_tables:
        rows = [_decoded(table, row) for row in tables.get(table.name, [])]
        if not rows:
            continue
        try:
            session.execute(insert(table), _parents_first(table, rows))
        except IntegrityError as exc:
            raise Invalid(
                f"the backup's table '{table.name}' does not fit the schema: {exc.orig}",
                code="invalid_backup",
            ) from None
    if session.get_bind().dialect.name == "postgresql":
        _reset_sequences(session)


def read_backup(path: Path) -> Any:
    """A backup file's document; :class:`Invalid` when it cannot be read as JSON."""
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}", code="invalid_backup") from None
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"{path} is not a JSON backup: {exc}", code="invalid_backup") from None


def backup_bytes(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def current_revision(session: Session) -> str | None:
    return stored_revision(session.connection())


def is_empty(session: Session) -> bool:
    return not any(
        session.scalar(select(exists().select_from(table)))
        for table in Base.metadata.tables.values()
    )


# Values ------------------------------------------------------------------------------------
# Dates and datetimes become ISO text. Datetimes are written in UTC with their offset: SQLite
# hands back the stored UTC value without one, PostgreSQL with it, and a backup must read the
# same from either (and restore into either).


def _is_moment(kind: Any) -> bool:
    """A date-time column, plain or wrapped (storage.tables.UtcDateTime)."""
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _is_wall_clock(kind: Any) -> bool:
    """A date-time column without a zone (meeting times: the project's zone holds them), kept
    as it is, never shifted to UTC."""
    return isinstance(kind, DateTime) and not kind.timezone


def _encoded(table: Table, row: Any) -> Row:
    out: Row = {}
    for column in table.columns:
        value = row[column]
        if value is not None and _is_wall_clock(column.type):
            value = value.replace(tzinfo=None).isoformat()
        elif value is not None and _is_moment(column.type):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            value = aware.astimezone(UTC).isoformat()
        elif value is not None and isinstance(column.type, Date):
            value = value.isoformat()
        out[str(column.name)] = value
    return out


def _decoded(table: Table, row: Any) -> Row:
    if not isinstance(row, dict) or set(row) != set(table.columns.keys()):
        raise Invalid(
            f"a row of table '{table.name}' does not have exactly its columns "
            f"({', '.join(table.columns.keys())})",
            code="invalid_backup",
        )
    out: Row = dict(row)
    for column in table.columns:
        value = row[column.name]
        if value is None:
            continue  # the database itself refuses a missing value where one is required
        try:
            if _is_wall_clock(column.type):
                out[column.name] = datetime.fromisoformat(value).replace(tzinfo=None)
            elif _is_moment(column.type):
                moment = datetime.fromisoformat(value)
                out[column.name] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            elif isinstance(column.type, Date):
                out[column.name] = date.fromisoformat(value)
            elif not _fits(column.type, value):
                raise TypeError
        except (TypeError, ValueError):
            raise Invalid(
                f"{value!r} does not fit {table.name}.{column.name} ({column.type})",
                code="invalid_backup",
            ) from None
    return out


# What each column type takes from JSON. SQLite would store a wrong one without complaint, so
# the restore checks; JSON columns take any JSON value.
_PLAIN = ((Boolean, (bool,)), (Integer, (int,)), (Float, (int, float)), (String, (str,)))


def _fits(kind: TypeEngine[Any], value: Any) -> bool:
    for column_type, accepted in _PLAIN:
        if isinstance(kind, column_type):
            wrong_bool = isinstance(value, bool) and bool not in accepted
            return isinstance(value, accepted) and not wrong_bool
    return True


def _checked(document: Any) -> dict[str, list[Any]]:
    """The document's tables, after checking its shape (not yet its rows)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise Invalid("this is not a Plansmith backup", code="invalid_backup")
    if document.get("format_version") != FORMAT_VERSION:
        raise Invalid(
            f"backup format version {document.get('format_version')} is not supported "
            f"(this version of Plansmith reads {FORMAT_VERSION})",
            code="invalid_backup",
        )
    revision = document.get("revision", "")
    if revision is not None and not (isinstance(revision, str) and revision):
        raise Invalid("the backup does not say its schema revision", code="invalid_backup")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(v, list) for v in tables.values()):
        raise Invalid("the backup's 'tables' is not a mapping of row lists", code="invalid_backup")
    unknown = set(tables) - set(Base.metadata.tables)
    if unknown:
        raise Invalid(
            f"the backup has tables this schema does not: {', '.join(sorted(unknown))}",
            code="invalid_backup",
        )
    return tables


def _parents_first(table: Table, rows: list[Row]) -> list[Row]:
    """Rows ordered so that a row referring to another row of its own table (a task's parent)
    comes after it: foreign keys are checked row by row, and ids need not be in tree order."""
    links = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not links:
        return rows
    by_key = {(name, row[name]): row for row in rows for _, name in links}
    placed: set[int] = set()
    out: list[Row] = []

    def place(row: Row, seen: frozenset[int]) -> None:
        if id(row) in placed or id(row) in seen:
            return  # already placed, or a cycle (the database will refuse it)
        for column, target in links:
            parent = by_key.get((target, row[column])) if row[column] is not None else None
            if parent is not None:
                place(parent, seen | {id(row)})
        placed.add(id(row))
        out.append(row)

    for row in rows:
        place(row, frozenset())
    return out


def _reset_sequences(session: Session) -> None:
    """Rows went in with their ids, which leaves PostgreSQL's id sequences at their start; the
    next row added would collide. Each sequence moves on to its table's largest id."""
    for table in _with_generated_ids(Base.metadata.sorted_tables):
        column = table.autoincrement_column
        assert column is not None
        session.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(table.name, column.name),
                    func.coalesce(func.max(column), 1),
                    func.max(column).is_not(None),
                )
            ).select_from(table)
        )


def _with_generated_ids(tables: Iterable[Table]) -> list[Table]:
    return [table for table in tables if table.autoincrement_column is not None]
