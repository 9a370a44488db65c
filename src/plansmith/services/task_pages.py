"""A page of a project's tasks for an API token, from one SQL statement: the API's hottest
read (issue 6: 500 reads/s on two cores, client and database included).

The general path (:mod:`plansmith.api.deps` and :func:`plansmith.services.items.list_items`)
runs four statements (token and user, project, the page with its total, the parents' keys),
each with its own round trip, and builds some 50 ORM objects a page. Here the token, its user,
the project, the user's membership, the page, its total and each task's parent key come from
one statement, built with SQLAlchemy Core and compiled once per dialect and sort order (see
:func:`_driver_statement`), run in autocommit on a connection kept for it
(:mod:`plansmith.storage.kept_connection`): a single SELECT sees one snapshot, so no BEGIN and
ROLLBACK round trips are needed.

It answers only the common case and says None for everything else, so that the caller takes
the general path, which decides as before: a token that is unknown, revoked, expired, whose
user is inactive or whose use is due to be recorded (the general path records it); a project
that does not exist or that the user may not read; a page past the end. The rules are the same
objects the general path uses (:func:`accounts.token_usable`, :func:`accounts.token_use_due`,
:data:`access.ALLOWED`), and the items are the same dictionaries as ``TaskKind``'s documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Dialect, Engine, Select, Text, bindparam, cast, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from plansmith.services.access import ALLOWED, Action
from plansmith.services.accounts import token_digest, token_usable, token_use_due
from plansmith.services.item_kinds import TASKS
from plansmith.services.items import MAX_PAGE
from plansmith.storage import tables as t
from plansmith.storage.kept_connection import fetch_all

# Stored roles that may read a plan (administrators may read every plan).
READERS = frozenset(role.value for role, actions in ALLOWED.items() if Action.READ_PLAN in actions)
# The task list's sort orders, as the general path has them: "name", "-name", ...
SORTS = frozenset(TASKS.sortable) | frozenset(f"-{name}" for name in TASKS.sortable)


@cache
def _statement(sort: str) -> Select[Any]:
    """Token -> user -> project -> membership, joined to the page of tasks.

    The page (task ids and the total, a window count over the project's tasks) is chosen in a
    subquery on narrow rows; the outer query joins each chosen task's row and its parent's key,
    and sorts the 50 rows again (a join does not keep the subquery's order).
    """
    tasks = t.Task.__table__
    parent = tasks.alias("parent")
    descending = sort.startswith("-")
    column = tasks.c[TASKS.sortable[sort.removeprefix("-")].key]
    project_id = select(t.Project.id).where(t.Project.key == bindparam("project"))
    ordered: ColumnElement[Any] = column.desc() if descending else column.asc()
    page = (
        select(tasks.c.id, func.count().over().label("total"))
        .where(tasks.c.project_id == project_id.scalar_subquery())
        .order_by(ordered, tasks.c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    task = tasks.alias("task")
    outer: ColumnElement[Any] = task.c[column.name]
    return (
        _caller_and_task(task, parent, page.c.total)
        .join(page, true())
        .join(task, task.c.id == page.c.id)
        .outerjoin(parent, parent.c.id == task.c.parent_id)
        .where(t.ApiToken.token_hash == bindparam("digest"))
        .order_by(outer.desc() if descending else outer.asc(), task.c.id)
    )


def _caller_and_task(task: Any, parent: Any, *more: ColumnElement[Any]) -> Select[Any]:
    """The columns both statements read (the token's user and moments, the caller's role on
    the project, then a task's document and its parent's key), from the token joined to its
    user, the project by key and the user's membership; the caller joins the task."""
    return (
        select(
            t.User.is_admin,
            t.User.active,
            t.ApiToken.revoked_at,
            t.ApiToken.expires_at,
            t.ApiToken.last_used_at,
            t.Membership.role,
            task.c.key,
            task.c.name,
            parent.c.key.label("parent_key"),
            task.c.position,
            cast(task.c.spec, Text).label("spec"),
            task.c.version,
            *more,
        )
        .select_from(t.ApiToken)
        .join(t.User, t.User.id == t.ApiToken.user_id)
        .join(t.Project, t.Project.key == bindparam("project"))
        .outerjoin(
            t.Membership,
            (t.Membership.project_id == t.Project.id) & (t.Membership.user_id == t.User.id),
        )
    )


@dataclass(frozen=True)
class _DriverStatement:
    """The statement as the driver takes it, and how to read the token's moments back."""

    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for "?" placeholders
    moments: tuple[Callable[[Any], Any] | None, ...]  # revoked_at, expires_at, last_used_at


_COMPILED: dict[tuple[type[Dialect], str, str], _DriverStatement] = {}
MOMENTS = (t.ApiToken.revoked_at, t.ApiToken.expires_at, t.ApiToken.last_used_at)
ONE_TASK = "one task"  # the key of the single task's statement among the sort orders


@cache
def _one_task_statement() -> Select[Any]:
    """Token -> user -> project -> membership, joined to one task of the project by key and
    its parent's key: the first six columns as in :func:`_statement`, then the document's."""
    tasks = t.Task.__table__
    parent = tasks.alias("parent")
    return (
        _caller_and_task(tasks, parent)
        .join(tasks, (tasks.c.project_id == t.Project.id) & (tasks.c.key == bindparam("task")))
        .outerjoin(parent, parent.c.id == tasks.c.parent_id)
        .where(t.ApiToken.token_hash == bindparam("digest"))
    )


def _driver_statement(dialect: Dialect, sort: str) -> _DriverStatement:
    """Compiled once per dialect and sort order, and run on the driver's own cursor.

    Why not ``connection.execute(statement)``: SQLAlchemy then derives the statement's cache
    key (a walk of the whole join), builds the result's metadata from the cursor description
    and runs every column of all 50 rows through a result processor, though only the first
    row's token moments need one; together half of the fast path's CPU (``exec_driver_sql``
    still builds the metadata: a quarter). The SQL is still SQLAlchemy's, compiled for the
    dialect in use, and the connection is the pool's, in the pool's autocommit mode.
    """
    key = (type(dialect), dialect.paramstyle, sort)
    found = _COMPILED.get(key)
    if found is None:
        statement = _one_task_statement() if sort == ONE_TASK else _statement(sort)
        compiled = statement.compile(dialect=dialect)
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        moments = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in MOMENTS
        )
        found = _COMPILED[key] = _DriverStatement(compiled.string, positions, moments)
    return found


def task_page_json(
    engine: Engine,
    token: str,
    project: str,
    *,
    limit: int,
    offset: int,
    sort: str = "position",
    now: datetime | None = None,
) -> bytes | None:
    """The JSON body of ``GET /projects/{project}/tasks`` for ``token``, or None when the
    general path must answer (see the module's docstring). ``limit``, ``offset`` and ``sort``
    must be valid (1-MAX_PAGE, >= 0, one of SORTS): the caller checks them, as the route's
    parameters are checked before its body runs."""
    if not (1 <= limit <= MAX_PAGE and offset >= 0 and sort in SORTS):
        raise ValueError(f"not a valid page: limit={limit}, offset={offset}, sort={sort!r}")
    named = {"digest": token_digest(token), "project": project, "limit": limit, "offset": offset}
    rows = _admitted_rows(engine, sort, named, now)
    if rows is None:
        return None
    try:
        # The same dictionaries as TaskKind._document plus the version (items.list_items).
        items = [
            {
                "id": key,
                "name": name,
                "parent": parent,
                "position": position,
                **orjson.loads(spec),
                "version": version,
            }
            for *_, key, name, parent, position, spec, version, _total in rows
        ]
    except orjson.JSONDecodeError:  # json.loads reads what orjson refuses (NaN, huge numbers)
        return None
    total = rows[0][-1]
    return orjson.dumps({"items": items, "total": total, "limit": limit, "offset": offset})


def _admitted_rows(
    engine: Engine, key: str, named: dict[str, Any], now: datetime | None
) -> Sequence[Any] | None:
    """The rows of statement ``key`` when the token holds and may read the plan; None when
    there are none (an unknown token, project or task, a page past the end) or the general
    path must decide (a token not usable or whose use is due, a role that may not read)."""
    statement = _driver_statement(engine.dialect, key)
    params: Any = named
    if statement.positions is not None:
        params = tuple(named[name] for name in statement.positions)
    rows = fetch_all(engine, statement.sql, params)
    if not rows:
        return None
    is_admin, active, *moments, role = rows[0][:6]
    revoked_at, expires_at, last_used_at = (
        value if value is None or read is None else read(value)
        for value, read in zip(moments, statement.moments, strict=True)
    )
    at = now or datetime.now(UTC)
    if not token_usable(revoked_at, expires_at, bool(active), at):
        return None
    if token_use_due(last_used_at, at) or not (is_admin or role in READERS):
        return None
    return rows


def task_json(
    engine: Engine, token: str, project: str, task: str, *, now: datetime | None = None
) -> tuple[bytes, int] | None:
    """The JSON body and the version (the ETag) of ``GET /projects/{project}/tasks/{task}``
    for ``token``, or None when the general path must answer (as for :func:`task_page_json`,
    and an unknown task: the route's 404)."""
    named = {"digest": token_digest(token), "project": project, "task": task}
    rows = _admitted_rows(engine, ONE_TASK, named, now)
    if rows is None:
        return None
    key, name, parent, position, spec, version = rows[0][6:]
    try:
        fields = orjson.loads(spec)
    except orjson.JSONDecodeError:  # json.loads reads what orjson refuses (NaN, huge numbers)
        return None
    # The route's body: ItemOut (``version`` first, then TaskKind's document) as Starlette's
    # JSONResponse renders it.
    document = {"id": key, "name": name, "parent": parent, "position": position, **fields}
    body = {"version": version, **{k: v for k, v in document.items() if k != "version"}}
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return text.encode(), version
