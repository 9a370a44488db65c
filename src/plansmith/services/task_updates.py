"""A task update for an API token in one call: the API's hottest write (issue 6: task updates
p95 <= 100 ms with 50 clients in a closed loop, which the server's CPU per update decides).

This is the route's work (``PATCH /projects/{project}/tasks/{key}``: the token's user, the
project, :func:`plansmith.services.items.update_item`) without the route's machinery around it
(see :mod:`plansmith.api.task_update_fast`), and in fewer round trips to the database, each of
which costs the server CPU as well as time: the token, its user, the project, the task and its
parent come from one statement (the route reads them in four), and the write needs no
savepoint, because the caller's transaction is rolled back whenever this raises.

It decides nothing of its own: the role check, If-Match, validation, the write and the audit
rows are :func:`~plansmith.services.items.update_row`'s, the token rule is
:func:`~plansmith.services.accounts.token_usable` and ``token_use_due`` (as for
:func:`~plansmith.services.accounts.resolve_token`), and a missing project or task is the same
:class:`NotFound` as the route's. What it leaves to the general path (None) is what the route
does besides: refusing a token, and recording a token's use when it is due.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from plansmith.errors import NotFound
from plansmith.services.access import NO_SUCH_PROJECT
from plansmith.services.accounts import token_digest, token_usable, token_use_due
from plansmith.services.item_kinds import TASKS, keep_row
from plansmith.services.items import not_found, update_row
from plansmith.storage import tables as t


@cache
def _lookup() -> Select[t.ApiToken, t.User, t.Project, t.Task, t.Task]:
    """Token -> user, and the project and its task by key (each None when there is none)."""
    parent = aliased(t.Task, name="parent")
    return (
        select(t.ApiToken, t.User, t.Project, t.Task, parent)
        .join(t.User, t.User.id == t.ApiToken.user_id)
        .outerjoin(t.Project, t.Project.key == bindparam("project"))
        .outerjoin(t.Task, (t.Task.project_id == t.Project.id) & (t.Task.key == bindparam("task")))
        .outerjoin(parent, parent.id == t.Task.parent_id)
        .where(t.ApiToken.token_hash == bindparam("digest"))
    )


def update_task_json(
    session: Session,
    token: str,
    project_key: str,
    task_key: str,
    patch: dict[str, Any],
    if_match: int | None,
    *,
    now: datetime | None = None,
) -> tuple[bytes, int] | None:
    """The route's JSON body and the new version (the ETag) after the update, or None when the
    token is not usable or its use is due to be recorded (the route answers those). Raises the
    same service errors as the route, in the same order (token, project, then the update)."""
    params = {"digest": token_digest(token), "project": project_key, "task": task_key}
    found = session.execute(_lookup(), params).first()
    if found is None:
        return None
    token_row, user, project, row, parent = found
    moment = now or datetime.now(UTC)
    if not token_usable(token_row.revoked_at, token_row.expires_at, user.active, moment):
        return None
    if token_use_due(token_row.last_used_at, moment):
        return None
    if project is None:
        raise NotFound(NO_SUCH_PROJECT)  # as services.portfolios.project_named
    if row is None:
        raise not_found(TASKS, task_key)
    if parent is not None:
        keep_row(session, parent)  # the documents and the parent check read it again
    item = update_row(session, user, TASKS, project, row, patch, if_match, savepoint=False)
    # The route's body: ItemOut (``version`` first, then the document's fields) as Starlette's
    # JSONResponse renders it.
    body = {"version": item.version}
    body.update((k, v) for k, v in item.document.items() if k != "version")
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return text.encode(), item.version
