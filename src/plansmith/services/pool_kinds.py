"""The shared pool's kinds of items: calendars and resources, which every project books.

Not project items: anyone signed in reads the pool, and owners and managers of any project (or
administrators) change it; see :func:`plansmith.services.items._may_edit`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from plansmith.errors import Invalid
from plansmith.io.calendar_schema import CalendarSpec
from plansmith.io.plan_schema import ResourceSpec
from plansmith.io.plan_writer import spec_document
from plansmith.io.schema_types import Id
from plansmith.services.items import ItemKind
from plansmith.storage import tables as t
from plansmith.storage.plans import resource_document


class CalendarItem(CalendarSpec):
    id: Id


class CalendarKind(ItemKind):
    entity = "calendar"
    table = t.Calendar
    schema = CalendarItem
    ident = "key"
    sortable = {"id": t.Calendar.key, "name": t.Calendar.name}  # noqa: RUF012
    default_sort = "id"
    project_scoped = False

    def projects_using(self, session: Session, row: t.Calendar) -> set[int]:
        """Projects that declare it, or book a resource on it."""
        return _projects(
            session,
            select(t.ProjectCalendar.project_id).where(t.ProjectCalendar.calendar_id == row.id),
            select(t.ProjectResource.project_id)
            .join(t.Resource, t.Resource.id == t.ProjectResource.resource_id)
            .where(t.Resource.calendar_id == row.id),
        )

    def document(self, session: Session, row: t.Calendar) -> dict[str, Any]:
        return {"id": row.key, **({"name": row.name} if row.name else {}), **row.spec}

    def write(
        self, session: Session, project: t.Project | None, row: t.Calendar, spec: Any
    ) -> None:
        item: CalendarItem = spec
        if row.id is not None and item.id != row.key:
            raise Invalid("a calendar's id cannot change", code="id_immutable")
        row.key, row.name = item.id, item.name
        row.spec = {k: v for k, v in spec_document(item).items() if k not in {"id", "name"}}


def _projects(session: Session, *queries: Any) -> set[int]:
    found: set[int] = set()
    for query in queries:
        found.update(session.scalars(query))
    return found


class ResourceKind(ItemKind):
    entity = "resource"
    table = t.Resource
    schema = ResourceSpec
    ident = "key"
    sortable = {"id": t.Resource.key, "name": t.Resource.name, "kind": t.Resource.kind}  # noqa: RUF012
    default_sort = "id"
    project_scoped = False

    def projects_using(self, session: Session, row: t.Resource) -> set[int]:
        """Projects with it on their team or booking it."""
        return _projects(
            session,
            select(t.ProjectResource.project_id).where(t.ProjectResource.resource_id == row.id),
            select(t.Assignment.project_id).where(t.Assignment.resource_id == row.id),
        )

    def document(self, session: Session, row: t.Resource) -> dict[str, Any]:
        return resource_document(row)

    def filters(self, params: dict[str, str]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if "kind" in params:
            conditions.append(t.Resource.kind == params["kind"])
        if "q" in params:
            conditions.append(func.lower(t.Resource.name).contains(params["q"].lower()))
        return conditions

    def write(
        self, session: Session, project: t.Project | None, row: t.Resource, spec: Any
    ) -> None:
        item: ResourceSpec = spec
        if row.id is not None and item.id != row.key:
            raise Invalid("a resource's id cannot change", code="id_immutable")
        calendar = None
        if item.calendar:
            calendar = session.scalar(select(t.Calendar).where(t.Calendar.key == item.calendar))
            if calendar is None:
                raise Invalid(f"no calendar '{item.calendar}' in the pool", code="unknown_calendar")
        row.key, row.name, row.kind, row.capacity = (
            item.id,
            item.name or "",
            item.kind,
            item.capacity,
        )
        row.calendar_id = calendar.id if calendar is not None else None
        row.spec = {k: v for k, v in spec_document(item).items() if k != "id"}


CALENDARS, RESOURCES = CalendarKind(), ResourceKind()
