"""Editing a stored plan one thing at a time: list, read, create, update and delete tasks,
dependencies, assignments, risks, actuals and the pool's calendars and resources.

Every kind of thing goes through the same five use cases; what differs (how its document is
validated and written to columns) is an :class:`ItemKind`. Each use case checks the caller's
role, validates with the plan schema (so the API accepts exactly what a plan file accepts),
compares the caller's version (If-Match) before writing, and records every changed field in the
audit log, all inside the caller's one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from plansmith.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionRequired
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Spec
from plansmith.services.access import (
    ALLOWED,
    Action,
    Role,
    check_role,
    owns_task,
    require,
    role_on,
)
from plansmith.services.audit import record_changes
from plansmith.storage import tables as t

# What a member may change on a task assigned to them: progress and time, not the plan.
PROGRESS_FIELDS = frozenset(
    {"actual_start", "actual_finish", "progress", "remaining", "steps", "notes"}
)
MAX_PAGE = 500


@dataclass(frozen=True)
class Item:
    document: dict[str, Any]
    version: int


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class ItemKind:
    """One kind of plan item. Subclasses say how to find, validate, show and write it."""

    entity: str
    table: type[Any]
    schema: type[Spec]
    ident: str  # the column a URL names an item by (an attribute: a class attribute holding a
    # mapped column would act as a descriptor on the instance)
    sortable: dict[str, Any]
    default_sort = "position"
    project_scoped = True

    def document(self, session: Session, row: Any) -> dict[str, Any]:
        raise NotImplementedError

    def documents(self, session: Session, rows: list[Any]) -> list[dict[str, Any]]:
        """Many rows' documents; kinds that name other rows look them all up at once."""
        return [self.document(session, row) for row in rows]

    def write(self, session: Session, project: t.Project | None, row: Any, spec: Any) -> None:
        raise NotImplementedError

    def new_row(self, project: t.Project | None) -> Any:
        row = self.table()
        if project is not None:
            row.project_id = project.id
        return row

    def filters(self, params: dict[str, str]) -> list[ColumnElement[bool]]:
        return []

    def key_of(self, row: Any) -> str:
        return str(getattr(row, "key", row.id))

    def task_id_of(self, row: Any) -> int | None:
        """The task a member must own to change this item (None: members may not)."""
        return None

    def validate(self, document: dict[str, Any]) -> Any:
        try:
            return self.schema.model_validate(document)
        except ValidationError as exc:
            diagnostics = pydantic_diagnostics(exc)
            raise Invalid(
                f"the {self.entity} is not valid: {diagnostics[0].message}",
                code="invalid",
                diagnostics=diagnostics,
            ) from None

    def before_delete(self, session: Session, row: Any) -> None:
        return None

    def projects_using(self, session: Session, row: Any) -> set[int]:
        """For pool items: the projects that use this one (whose managers may change it)."""
        return set()

    def member_may_change(self, changed: set[str]) -> bool:
        """Whether a member may make this change on a task of their own."""
        return False


def _scope(kind: ItemKind, project: t.Project | None) -> Select[Any]:
    query = select(kind.table)
    if kind.project_scoped and project is not None:
        query = query.where(kind.table.project_id == project.id)
    return query


def _find(session: Session, kind: ItemKind, project: t.Project | None, ident: str) -> Any:
    value: Any = ident
    column = getattr(kind.table, kind.ident)
    if kind.ident == "id":
        try:
            value = int(ident)
        except ValueError:
            value = None
        if value is not None and not 0 < value < 2**63:  # no row has it; the database
            value = None  # would refuse the number itself
    row = (
        session.scalar(_scope(kind, project).where(column == value)) if value is not None else None
    )
    if row is None:
        raise not_found(kind, ident)
    return row


def not_found(kind: ItemKind, ident: str) -> NotFound:
    return NotFound(f"no {kind.entity} '{ident}' here", code="not_found")


def check_version(row: Any, if_match: int | None) -> None:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the version you read, so that nobody's change is overwritten",
            code="if_match_required",
        )
    if row.version != if_match:
        raise Conflict(
            f"this was changed by someone else since you read it (version {if_match}, now "
            f"{row.version}); read it again and reapply your change",
            code="version_mismatch",
        )


def _may_edit(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    row: Any,
    changed: set[str],
) -> None:
    """Owners and managers edit the plan; a member only what :meth:`ItemKind.member_may_change`
    allows, and only on tasks assigned to them. The pool: admins, owners and managers."""
    if project is None:
        _may_edit_pool(session, user, kind, row, changed)
        return
    role = role_on(session, user, project.id)
    if role is not None and Action.EDIT_PLAN not in ALLOWED[role]:
        task_id = kind.task_id_of(row)
        if (
            Action.UPDATE_PROGRESS in ALLOWED[role]
            and kind.member_may_change(changed)
            and task_id is not None
            and owns_task(session, user, task_id)
        ):
            return
    check_role(role, project.id, Action.EDIT_PLAN)  # require(), without reading the role again


def _may_edit_pool(
    session: Session, user: t.User, kind: ItemKind, row: Any, changed: set[str]
) -> None:
    """The shared pool: administrators, and owners and managers for what only their own
    projects use. A pool resource's e-mail decides whose tasks a member may update, so only an
    administrator sets it."""
    if user.is_admin:
        return
    managed = set(
        session.scalars(
            select(t.Membership.project_id).where(
                t.Membership.user_id == user.id,
                t.Membership.role.in_([Role.OWNER, Role.MANAGER]),
            )
        )
    )
    if not managed:
        raise Forbidden("only owners and managers of a project edit the shared pool")
    if "email" in changed or (row is not None and row.id is None and "email" in row.spec):
        raise Forbidden("only an administrator sets a resource's e-mail (it grants rights)")
    if row is not None and row.id is not None and kind.projects_using(session, row) - managed:
        raise Forbidden(
            f"this {kind.entity} is also used by projects you do not manage; ask an administrator"
        )


def list_items(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    params: dict[str, str] | None = None,
) -> Page:
    if project is not None:
        require(session, user, project.id, Action.READ_PLAN, exists=True)
    query = _scope(kind, project)
    for condition in kind.filters(params or {}):
        query = query.where(condition)
    name = sort or kind.default_sort
    column = kind.sortable.get(name.removeprefix("-"))
    if column is None:
        raise Invalid(
            f"cannot sort by '{name}': use one of {', '.join(sorted(kind.sortable))}",
            code="invalid_sort",
        )
    order = column.desc() if name.startswith("-") else column.asc()
    limit = max(1, min(limit, MAX_PAGE))
    # The page and the total in one statement (a window count over the filtered rows).
    paged = query.add_columns(func.count().over()).order_by(order, kind.table.id)
    found = session.execute(paged.limit(limit).offset(offset)).all()
    rows = [row for row, _ in found]
    if found:
        total = found[0][1]
    else:  # past the end (or nothing at all): count on its own
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    documents = kind.documents(session, rows)
    items = [{**doc, "version": row.version} for doc, row in zip(documents, rows, strict=True)]
    return Page(items, total, limit, offset)


def get_item(
    session: Session, user: t.User, kind: ItemKind, project: t.Project | None, ident: str
) -> Item:
    if project is not None:
        require(session, user, project.id, Action.READ_PLAN, exists=True)
    row = _find(session, kind, project, ident)
    return Item(kind.document(session, row), row.version)


def create_item(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    body: dict[str, Any],
) -> Item:
    spec = kind.validate(body)
    row = kind.new_row(project)
    if project is not None:
        require(session, user, project.id, Action.READ_PLAN, exists=True)
    kind.write(session, project, row, spec)  # first, so a member's booking knows its task
    _may_edit(session, user, kind, project, row, set(body))
    session.add(row)
    _flush(session, kind)
    document = kind.document(session, row)
    record_changes(session, user, project, kind.entity, row.id, kind.key_of(row), {}, document)
    return Item(document, row.version)


def update_item(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    ident: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> Item:
    row = _find(session, kind, project, ident)
    return update_row(session, user, kind, project, row, patch, if_match)


def update_row(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    row: Any,
    patch: dict[str, Any],
    if_match: int | None,
    *,
    savepoint: bool = True,
) -> Item:
    """:func:`update_item` of a row the caller found as :func:`_find` would (in ``project``).

    ``savepoint=False`` writes without a savepoint of its own (two round trips fewer on
    PostgreSQL), for a caller whose whole transaction is rolled back on any error: a refused
    write then still raises the same :class:`Conflict`, but the session is not usable after it.
    """
    _may_edit(session, user, kind, project, row, set(patch))
    check_version(row, if_match)
    before = kind.document(session, row)
    # A row id and the version are the row's, not the thing's: a client may send back what it
    # read, but neither is part of the schema (If-Match carries the version).
    read_only = {"version", "id"} if kind.ident == "id" else {"version"}
    merged = {k: v for k, v in {**before, **patch}.items() if k not in read_only}
    spec = kind.validate(merged)
    kind.write(session, project, row, spec)
    _flush(session, kind, savepoint=savepoint)
    after = kind.document(session, row)
    record_changes(session, user, project, kind.entity, row.id, kind.key_of(row), before, after)
    return Item(after, row.version)


def delete_item(
    session: Session,
    user: t.User,
    kind: ItemKind,
    project: t.Project | None,
    ident: str,
    if_match: int | None,
) -> None:
    row = _find(session, kind, project, ident)
    _may_edit(session, user, kind, project, row, {"*delete"})
    check_version(row, if_match)
    before = kind.document(session, row)
    kind.before_delete(session, row)
    session.delete(row)
    _flush(session, kind)
    record_changes(session, user, project, kind.entity, row.id, kind.key_of(row), before, {})


def _flush(session: Session, kind: ItemKind, *, savepoint: bool = True) -> None:
    """Database constraints are the last word on duplicates and things still in use."""
    try:
        if savepoint:
            with session.begin_nested():
                session.flush()
        else:
            session.flush()
    except StaleDataError:
        raise Conflict(
            f"this {kind.entity} was changed by someone else at the same moment; read it again",
            code="version_mismatch",
        ) from None
    except IntegrityError as exc:
        raise Conflict(
            f"this {kind.entity} conflicts with what is stored (a duplicate id, or something "
            f"still uses it): {str(exc.orig).splitlines()[0][:200]}",
            code="integrity_conflict",
        ) from None
