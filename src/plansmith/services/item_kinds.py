"""The kinds of plan items the API edits, each with its document as the plan file writes it.

An item's document is the plan file's form of that thing, so a task posted to the API is
written exactly as in a plan file (``duration: 3d``, ``progress: 40%``), plus the row's place
(``parent``, ``position``) where the file would nest it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from plansmith.errors import Invalid
from plansmith.io.money_schema import ActualSpec
from plansmith.io.plan_schema import (
    AssignSpec,
    DependencySpec,
    TaskFields,
)
from plansmith.io.plan_writer import spec_document
from plansmith.io.risk_schema import RiskSpec
from plansmith.io.schema_types import Id
from plansmith.services.items import PROGRESS_FIELDS, ItemKind
from plansmith.storage import tables as t
from plansmith.storage.plans import number_or_text


class TaskItem(TaskFields):
    id: Id
    name: str = Field(min_length=1, max_length=500)
    parent: Id | None = None
    position: int | None = Field(None, ge=0)


class DependencyItem(DependencySpec):
    """``task`` waits for ``predecessor`` (the plan file writes it under the waiting task)."""

    predecessor: Id


class AssignmentItem(AssignSpec):
    task: Id


def _task(session: Session, project: t.Project, key: str, field: str) -> t.Task:
    row = session.scalar(select(t.Task).where(t.Task.project_id == project.id, t.Task.key == key))
    if row is None:
        raise Invalid(f"no task '{key}' in this project", code="unknown_task", diagnostics=())
    return row


def _resource(session: Session, key: str) -> t.Resource:
    row = session.scalar(select(t.Resource).where(t.Resource.key == key))
    if row is None:
        raise Invalid(f"no resource '{key}' in the pool", code="unknown_resource")
    return row


def _join_team(session: Session, project: t.Project, resource: t.Resource) -> None:
    """A resource booked on a project joins its team (what its export lists)."""
    linked = session.get(t.ProjectResource, (project.id, resource.id))
    if linked is None:
        last = session.scalar(
            select(func.max(t.ProjectResource.position)).where(
                t.ProjectResource.project_id == project.id
            )
        )
        session.add(
            t.ProjectResource(
                project_id=project.id, resource_id=resource.id, position=(last or 0) + 1
            )
        )


def _parent_row(session: Session, task_id: int) -> t.Task | None:
    """A parent task's row, through the session's identity map. That map holds rows weakly, so
    the row is also kept in ``session.info`` for the session's (one request's) life: the next
    look-up of the same parent in this transaction is then answered without a statement. Every
    look-up still goes through :meth:`Session.get`, so a parent deleted meanwhile is not
    found."""
    row = session.get(t.Task, task_id)
    if row is not None:
        keep_row(session, row)
    return row


def keep_row(session: Session, row: t.Task) -> None:
    """Keep a task's row in the session's identity map for the session's life (see
    :func:`_parent_row`)."""
    session.info.setdefault(_KEPT_ROWS, []).append(row)


_KEPT_ROWS = "plansmith.kept_parent_rows"


def _task_keys(session: Session, ids: set[int]) -> dict[int, str]:
    """Task keys by row id, in one query (a page of rows names many tasks)."""
    if not ids:
        return {}
    return dict(session.execute(select(t.Task.id, t.Task.key).where(t.Task.id.in_(ids))).all())


def _resource_keys(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(t.Resource.id, t.Resource.key).where(t.Resource.id.in_(ids))
    return dict(session.execute(query).all())


def _by_task(table: Any) -> Any:
    """The ``task`` filter of links, assignments and bookings: a task id of the project."""

    def filters(self: ItemKind, params: dict[str, str]) -> list[ColumnElement[bool]]:
        if "task" not in params:
            return []
        keys = select(t.Task.id).where(t.Task.key == params["task"])
        return [table.task_id.in_(keys)]

    return filters


class TaskKind(ItemKind):
    entity = "task"
    table = t.Task
    schema = TaskItem
    ident = "key"
    sortable = {  # noqa: RUF012
        "position": t.Task.position,
        "key": t.Task.key,
        "name": t.Task.name,
        "id": t.Task.id,
    }

    def document(self, session: Session, row: t.Task) -> dict[str, Any]:
        """One task's document. Its parent's key comes from the parent's row through the
        session's identity map, so an update's before and after documents and its parent check
        (:meth:`write`) read the parent once between them."""
        parent = _parent_row(session, row.parent_id) if row.parent_id is not None else None
        return self._document(row, {parent.id: parent.key} if parent is not None else {})

    def documents(self, session: Session, rows: list[t.Task]) -> list[dict[str, Any]]:
        keys = _task_keys(session, {r.parent_id for r in rows if r.parent_id is not None})
        return [self._document(row, keys) for row in rows]

    def _document(self, row: t.Task, keys: dict[int, str]) -> dict[str, Any]:
        parent = keys.get(row.parent_id) if row.parent_id is not None else None
        return {
            "id": row.key,
            "name": row.name,
            "parent": parent,
            "position": row.position,
            **row.spec,
        }

    def filters(self, params: dict[str, str]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if "q" in params:
            conditions.append(func.lower(t.Task.name).contains(params["q"].lower()))
        if "parent" in params:
            parent = params["parent"]
            if parent == "":
                conditions.append(t.Task.parent_id.is_(None))
            else:
                conditions.append(
                    t.Task.parent_id.in_(select(t.Task.id).where(t.Task.key == parent))
                )
        return conditions

    def member_may_change(self, changed: set[str]) -> bool:
        return changed <= PROGRESS_FIELDS | {"id", "version"}

    def task_id_of(self, row: t.Task) -> int | None:
        return row.id

    def write(self, session: Session, project: t.Project | None, row: t.Task, spec: Any) -> None:
        assert project is not None
        item: TaskItem = spec
        if row.id is not None and item.id != row.key:
            raise Invalid(
                "a task's id cannot change; create a new task instead", code="id_immutable"
            )
        parent = self._parent(session, project, row, item.parent)
        row.key, row.name = item.id, item.name
        row.parent_id = parent.id if parent is not None else None
        if item.position is not None:
            row.position = item.position
        elif row.id is None:
            last = session.scalar(
                select(func.max(t.Task.position)).where(
                    t.Task.project_id == project.id, t.Task.parent_id == row.parent_id
                )
            )
            row.position = 0 if last is None else last + 1
        own = spec_document(item)
        row.spec = {k: v for k, v in own.items() if k not in {"id", "name", "parent", "position"}}

    def _parent(
        self, session: Session, project: t.Project, row: t.Task, key: str | None
    ) -> t.Task | None:
        """The parent row a task's document names, checked: in the project, and not the task
        itself or one of its descendants. A stored task that keeps its parent needs neither
        check (its tree was whole and only a new parent can close a loop), so an update that
        leaves ``parent`` alone reads only the parent row it already has in the session."""
        if not key:
            return None
        if row.id is not None and row.parent_id is not None:
            current = _parent_row(session, row.parent_id)
            if current is not None and current.key == key:
                return current
        parent = _task(session, project, key, "parent")
        ancestor: t.Task | None = parent
        while ancestor is not None:
            if row.id is not None and ancestor.id == row.id:
                raise Invalid("a task cannot be inside itself", code="invalid_parent")
            ancestor = session.get(t.Task, ancestor.parent_id) if ancestor.parent_id else None
        return parent

    def before_delete(self, session: Session, row: t.Task) -> None:
        """Risks and correlations name tasks by id: forget the deleted one there too."""
        for risk in session.scalars(select(t.Risk).where(t.Risk.project_id == row.project_id)):
            tasks = risk.spec.get("tasks", [])
            if row.key in tasks:
                risk.spec = {**risk.spec, "tasks": [k for k in tasks if k != row.key]}
        project = session.get(t.Project, row.project_id)
        if project is not None and project.spec.get("correlations"):
            kept = [c for c in project.spec["correlations"] if row.key not in c.get("tasks", [])]
            project.spec = {**project.spec, "correlations": kept}


class DependencyKind(ItemKind):
    entity = "dependency"
    table = t.Dependency
    schema = DependencyItem
    ident = "id"
    sortable = {"position": t.Dependency.position, "id": t.Dependency.id}  # noqa: RUF012
    default_sort = "id"

    filters = _by_task(t.Dependency)

    def document(self, session: Session, row: t.Dependency) -> dict[str, Any]:
        return self.documents(session, [row])[0]

    def documents(self, session: Session, rows: list[t.Dependency]) -> list[dict[str, Any]]:
        keys = _task_keys(session, {r.task_id for r in rows} | {r.predecessor_id for r in rows})
        return [
            {
                "id": row.id,
                "task": keys.get(row.task_id, ""),
                "predecessor": keys.get(row.predecessor_id, ""),
                "type": row.type,
                "lag": number_or_text(row.lag),
            }
            for row in rows
        ]

    def write(
        self, session: Session, project: t.Project | None, row: t.Dependency, spec: Any
    ) -> None:
        assert project is not None
        item: DependencyItem = spec
        task = _task(session, project, item.task, "task")
        predecessor = _task(session, project, item.predecessor, "predecessor")
        if task.id == predecessor.id:
            raise Invalid("a task cannot wait for itself", code="dependency_cycle")
        if _reaches(session, project, start=task.id, goal=predecessor.id, skip=row.id):
            raise Invalid(
                f"'{item.task}' already comes before '{item.predecessor}': this link would make "
                "a loop",
                code="dependency_cycle",
            )
        row.task_id, row.predecessor_id = task.id, predecessor.id
        row.type, row.lag = item.type, str(item.lag)


def _reaches(
    session: Session, project: t.Project, *, start: int, goal: int, skip: int | None
) -> bool:
    """Whether ``goal`` already waits, through links, for ``start`` (so start -> goal loops)."""
    successors: dict[int, list[int]] = {}
    for link_id, task_id, predecessor_id in session.execute(
        select(t.Dependency.id, t.Dependency.task_id, t.Dependency.predecessor_id).where(
            t.Dependency.project_id == project.id
        )
    ):
        if link_id != skip:
            successors.setdefault(predecessor_id, []).append(task_id)
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in successors.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


class AssignmentKind(ItemKind):
    entity = "assignment"
    table = t.Assignment
    schema = AssignmentItem
    ident = "id"
    sortable = {"position": t.Assignment.position, "id": t.Assignment.id}  # noqa: RUF012
    default_sort = "id"

    filters = _by_task(t.Assignment)

    def document(self, session: Session, row: t.Assignment) -> dict[str, Any]:
        return self.documents(session, [row])[0]

    def documents(self, session: Session, rows: list[t.Assignment]) -> list[dict[str, Any]]:
        tasks = _task_keys(session, {r.task_id for r in rows})
        resources = _resource_keys(session, {r.resource_id for r in rows})
        return [
            {
                "id": row.id,
                "task": tasks.get(row.task_id, ""),
                "resource": resources.get(row.resource_id),
                "units": number_or_text(row.units),
            }
            for row in rows
        ]

    def write(
        self, session: Session, project: t.Project | None, row: t.Assignment, spec: Any
    ) -> None:
        assert project is not None
        item: AssignmentItem = spec
        task = _task(session, project, item.task, "task")
        resource = _resource(session, item.resource)
        _join_team(session, project, resource)
        row.task_id, row.resource_id, row.units = task.id, resource.id, str(item.units)


class RiskKind(ItemKind):
    entity = "risk"
    table = t.Risk
    schema = RiskSpec
    ident = "key"
    sortable = {"position": t.Risk.position, "id": t.Risk.key}  # noqa: RUF012

    def document(self, session: Session, row: t.Risk) -> dict[str, Any]:
        return {"id": row.key, **row.spec}

    def write(self, session: Session, project: t.Project | None, row: t.Risk, spec: Any) -> None:
        assert project is not None
        item: RiskSpec = spec
        if row.id is not None and item.id != row.key:
            raise Invalid("a risk's id cannot change", code="id_immutable")
        for key in item.tasks:
            _task(session, project, key, "tasks")
        row.key = item.id
        row.spec = {k: v for k, v in spec_document(item).items() if k != "id"}


class ActualKind(ItemKind):
    entity = "actual"
    table = t.Actual
    schema = ActualSpec
    ident = "id"
    sortable = {"date": t.Actual.day, "position": t.Actual.position, "id": t.Actual.id}  # noqa: RUF012
    default_sort = "date"

    filters = _by_task(t.Actual)

    def document(self, session: Session, row: t.Actual) -> dict[str, Any]:
        return self.documents(session, [row])[0]

    def documents(self, session: Session, rows: list[t.Actual]) -> list[dict[str, Any]]:
        tasks = _task_keys(session, {r.task_id for r in rows})
        resources = _resource_keys(session, {r.resource_id for r in rows if r.resource_id})
        return [
            {
                "id": row.id,
                "task": tasks.get(row.task_id, ""),
                "date": row.day.isoformat(),
                **({"resource": resources[row.resource_id]} if row.resource_id else {}),
                **row.spec,
            }
            for row in rows
        ]

    def member_may_change(self, changed: set[str]) -> bool:
        return True  # their own bookings, on their own tasks

    def task_id_of(self, row: t.Actual) -> int | None:
        return row.task_id

    def write(self, session: Session, project: t.Project | None, row: t.Actual, spec: Any) -> None:
        assert project is not None
        item: ActualSpec = spec
        task = _task(session, project, item.task, "task")
        resource = _resource(session, item.resource) if item.resource else None
        if resource is not None:
            _join_team(session, project, resource)
        row.task_id, row.day = task.id, item.date
        row.resource_id = resource.id if resource is not None else None
        row.spec = {
            k: v for k, v in spec_document(item).items() if k not in {"task", "date", "resource"}
        }


TASKS, DEPENDENCIES, ASSIGNMENTS = TaskKind(), DependencyKind(), AssignmentKind()
RISKS, ACTUALS = RiskKind(), ActualKind()
