"""A page of a project's tasks for an API token, from one SQL statement: the API's hottest
read (issue 6: 500 reads/s on two cores, client and database included).

The general path (:mod:`plansmith.api.deps` and :func:`plansmith.services.items.list_items`)
runs four statements (token and user, project, the page with its total, the parents' keys),
each with its own round trip, and builds some 50 ORM objects a page. Here the token, its user,
the project, the user's membership, the page, its total and each task's parent key come from
one statement built with SQLAlchemy Core once per sort order (its compiled form is cached by
SQLAlchemy), run outside any ORM session, in autocommit: a single SELECT sees one snapshot, so
no BEGIN and ROLLBACK round trips are needed.

It answers only the common case and says None for everything else, so that the caller takes
the general path, which decides as before: a token that is unknown, revoked, expired, whose
user is inactive or whose use is due to be recorded (the general path records it); a project
that does not exist or that the user may not read; a page past the end. The rules are the same
objects the general path uses (:func:`accounts.token_usable`, :func:`accounts.token_use_due`,
:data:`access.ALLOWED`), and the items are the same dictionaries (see :func:`_item`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Engine, Select, Text, bindparam, cast, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from plansmith.services.access import ALLOWED, Action
from plansmith.services.accounts import token_digest, token_usable, token_use_due
from plansmith.services.item_kinds import TASKS
from plansmith.services.items import MAX_PAGE
from plansmith.storage import tables as t

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
            page.c.total,
        )
        .select_from(t.ApiToken)
        .join(t.User, t.User.id == t.ApiToken.user_id)
        .join(t.Project, t.Project.key == bindparam("project"))
        .outerjoin(
            t.Membership,
            (t.Membership.project_id == t.Project.id) & (t.Membership.user_id == t.User.id),
        )
        .join(page, true())
        .join(task, task.c.id == page.c.id)
        .outerjoin(parent, parent.c.id == task.c.parent_id)
        .where(t.ApiToken.token_hash == bindparam("digest"))
        .order_by(outer.desc() if descending else outer.asc(), task.c.id)
    )


def _item(row: Any) -> dict[str, Any]:
    # The same dictionary as TaskKind._document plus the version (services.items.list_items).
    return {
        "id": row.key,
        "name": row.name,
        "parent": row.parent_key,
        "position": row.position,
        **orjson.loads(row.spec),
        "version": row.version,
    }


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
    params = {"digest": token_digest(token), "project": project, "limit": limit, "offset": offset}
    with engine.connect() as connection:
        rows = (
            connection.execution_options(isolation_level="AUTOCOMMIT")
            .execute(_statement(sort), params)
            .all()
        )
    if not rows:  # unknown token or project, or past the end: the general path says which
        return None
    first = rows[0]
    moment = now or datetime.now(UTC)
    if not token_usable(first.revoked_at, first.expires_at, first.active, moment):
        return None
    if token_use_due(first.last_used_at, moment):
        return None
    if not (first.is_admin or first.role in READERS):
        return None
    try:
        items = [_item(row) for row in rows]
    except orjson.JSONDecodeError:  # json.loads reads what orjson refuses (NaN, huge numbers)
        return None
    return orjson.dumps({"items": items, "total": first.total, "limit": limit, "offset": offset})
