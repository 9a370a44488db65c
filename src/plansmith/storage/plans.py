"""A plan in the database: storing a checked :class:`PlanSpec` as rows, and reading it back.

Rows keep each thing's plan-file fields in ``spec`` (as :func:`spec_document` writes them), so
reading back is putting the documents together again and validating them with the same schema
as a file. Calendars and resources live in the shared pool: a plan's calendar or resource with
a key the pool already has is the same thing if it says the same, and a conflict otherwise
(two projects may not disagree about one person's calendar).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.io.calendar_schema import CalendarSpec
from plansmith.io.plan_schema import (
    PlanSpec,
    PoolSpec,
    ProjectSpec,
    ResourceSpec,
    TaskSpec,
)
from plansmith.io.plan_writer import spec_document
from plansmith.io.team_schema import TEAM_SECTIONS
from plansmith.storage import tables as t

# Task fields that are rows of their own (or the row's columns), not part of the task's spec.
TASK_ROW_FIELDS = frozenset({"id", "name", "children", "after", "depends", "assign"})
PROJECT_ROW_FIELDS = frozenset({"id", "name", "start"})
# Plan-level sections kept whole in the project's ``spec`` (the team's: docs/team.md).
PLAN_LISTS = ("holidays", "correlations", "budget", "expenses", *TEAM_SECTIONS, "systems")


class PlanConflict(Exception):
    """The plan cannot be stored as it is; ``diagnostics`` say why, with stable codes."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def now() -> datetime:
    return datetime.now(UTC)


def task_spec_document(task: TaskSpec) -> dict[str, Any]:
    return spec_document(task, TASK_ROW_FIELDS)


def project_spec_document(plan: PlanSpec) -> dict[str, Any]:
    doc = spec_document(plan.project)
    project = {k: v for k, v in doc.items() if k not in PROJECT_ROW_FIELDS}
    whole = spec_document(plan, frozenset(PlanSpec.model_fields) - set(PLAN_LISTS))
    return {"project": project, **{key: whole[key] for key in PLAN_LISTS if key in whole}}


def store_plan(
    session: Session,
    plan: PlanSpec,
    pool: PoolSpec | None = None,
    portfolio: t.Portfolio | None = None,
) -> t.Project:
    """Add the plan as a new project; raises :class:`PlanConflict` (nothing is written by the
    caller's transaction then) when its key is taken or it disagrees with the pool."""
    if session.scalar(select(t.Project.id).where(t.Project.key == plan.project.id)) is not None:
        raise PlanConflict(
            [
                error(
                    "project_exists",
                    f"a project with id '{plan.project.id}' is already stored",
                    plan.project.id,
                    ("project", "id"),
                )
            ]
        )
    stamp = now()
    project = t.Project(
        key=plan.project.id,
        name=plan.project.name,
        start=plan.project.start,
        spec=project_spec_document(plan),
        portfolio_id=portfolio.id if portfolio is not None else None,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(project)
    session.flush()
    shared = pool or PoolSpec()
    calendars = _pool_calendars(session, {**shared.calendars, **plan.calendars})
    for position, key in enumerate(calendars):
        session.add(
            t.ProjectCalendar(
                project_id=project.id, calendar_id=calendars[key].id, position=position
            )
        )
    resources = _pool_resources(session, [*shared.resources, *plan.resources], calendars)
    for position, row in enumerate(resources.values()):
        session.add(t.ProjectResource(project_id=project.id, resource_id=row.id, position=position))
    tasks = _store_tasks(session, project, plan.tasks)
    _store_links(session, project, plan.tasks, tasks, resources)
    for position, risk in enumerate(plan.risks):
        doc = spec_document(risk)
        session.add(
            t.Risk(project_id=project.id, key=risk.id, position=position, spec=_without(doc, "id"))
        )
    for position, actual in enumerate(plan.actuals):
        doc = spec_document(actual)
        session.add(
            t.Actual(
                project_id=project.id,
                task_id=tasks[actual.task],
                resource_id=resources[actual.resource].id if actual.resource else None,
                day=actual.date,
                position=position,
                spec=_without(doc, "task", "resource", "date"),
            )
        )
    session.flush()
    return project


def _without(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in keys}


def _conflict(kind: str, key: str) -> PlanConflict:
    return PlanConflict(
        [
            error(
                "pool_conflict",
                f"the shared pool already has a {kind} '{key}' that differs from this plan's; "
                f"give it another id or make them the same",
                key,
                (f"{kind}s", key),
            )
        ]
    )


def _pool_calendars(session: Session, specs: dict[str, CalendarSpec]) -> dict[str, t.Calendar]:
    rows: dict[str, t.Calendar] = {}
    for key, spec in specs.items():
        doc = spec_document(spec)
        row = session.scalar(select(t.Calendar).where(t.Calendar.key == key))
        if row is None:
            row = t.Calendar(key=key, name=spec.name, spec=_without(doc, "name"))
            session.add(row)
            session.flush()
        elif {**row.spec, **({"name": row.name} if row.name else {})} != doc:
            raise _conflict("calendar", key)
        rows[key] = row
    return rows


def _pool_resources(
    session: Session, specs: Iterable[ResourceSpec], calendars: dict[str, t.Calendar]
) -> dict[str, t.Resource]:
    """The plan's resources as pool rows: the pool's own where it has them (one query for all),
    new rows (one flush for all) where it does not."""
    wanted = list(specs)
    keys = [spec.id for spec in wanted]
    pool = {
        row.key: row for row in session.scalars(select(t.Resource).where(t.Resource.key.in_(keys)))
    }
    rows: dict[str, t.Resource] = {}
    for spec in wanted:
        doc = spec_document(spec)
        row = pool.get(spec.id) or rows.get(spec.id)
        if row is None:
            calendar = calendars.get(spec.calendar) if spec.calendar else None
            if spec.calendar and calendar is None:
                calendar = session.scalar(select(t.Calendar).where(t.Calendar.key == spec.calendar))
            row = t.Resource(
                key=spec.id,
                name=spec.name or "",
                kind=spec.kind,
                capacity=spec.capacity,
                calendar_id=calendar.id if calendar is not None else None,
                spec=_without(doc, "id"),
            )
            session.add(row)
        elif resource_document(row) != doc:
            raise _conflict("resource", spec.id)
        rows[spec.id] = row
    session.flush()
    return rows


def resource_document(row: t.Resource) -> dict[str, Any]:
    return {"id": row.key, **row.spec}


def _store_tasks(session: Session, project: t.Project, specs: list[TaskSpec]) -> dict[str, int]:
    """Task ids by key, inserted one outline level at a time so that each level knows its
    parents' ids. See :func:`_insert_many` for how the rows go in; the ids come back with
    their keys (unique in a project), so the rows' order does not matter."""
    ids: dict[str, int] = {}
    level: list[tuple[TaskSpec, int | None, int]] = [
        (spec, None, position) for position, spec in enumerate(specs)
    ]
    while level:
        rows = [
            {
                "project_id": project.id,
                "parent_id": parent,
                "key": spec.id,
                "position": position,
                "name": spec.name,
                "spec": task_spec_document(spec),
                "version": 1,
            }
            for spec, parent, position in level
        ]
        table = _table(t.Task)
        ids.update(_insert_many(session, insert(table).returning(table.c.key, table.c.id), rows))
        level = [
            (kid, ids[spec.id], position)
            for spec, _, _ in level
            for position, kid in enumerate(spec.children or [])
        ]
    return ids


def _store_links(
    session: Session,
    project: t.Project,
    specs: list[TaskSpec],
    tasks: dict[str, int],
    resources: dict[str, t.Resource],
) -> None:
    """Dependencies and assignments, each in a few statements (see :func:`_insert_many`)."""
    links: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    for spec in _walk(specs):
        task = tasks[spec.id]
        pairs = [(key, "FS", "0") for key in spec.after] + [
            (d.task, d.type, str(d.lag)) for d in spec.depends
        ]
        links.extend(
            {
                "project_id": project.id,
                "task_id": task,
                "predecessor_id": tasks[key],
                "type": kind,
                "lag": lag,
                "position": position,
                "version": 1,
            }
            for position, (key, kind, lag) in enumerate(pairs)
        )
        assignments.extend(
            {
                "project_id": project.id,
                "task_id": task,
                "resource_id": resources[assign.resource].id,
                "units": str(assign.units),
                "position": position,
                "version": 1,
            }
            for position, assign in enumerate(spec.assign)
        )
    for table, rows in ((_table(t.Dependency), links), (_table(t.Assignment), assignments)):
        if rows:
            _insert_many(session, insert(table).returning(table.c.id), rows)


def _table(model: type[t.Base]) -> Table:
    return cast(Table, model.__table__)


def _insert_many(session: Session, statement: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Many rows through SQLAlchemy Core, as multi-row INSERT ... VALUES statements.

    With RETURNING (and without asking for the rows' order) SQLAlchemy sends a thousand rows a
    statement ("insertmanyvalues"); a plain executemany runs one statement a row, and SQLite
    sets up the plan-revision trigger again for each statement: 18 microseconds a row, most of
    the time it took to store a 20,000-task import. Core rather than the ORM's bulk insert,
    whose own bookkeeping per row cost more than the database did."""
    return list(session.connection().execute(statement, rows).all())


def _walk(specs: list[TaskSpec]) -> Iterable[TaskSpec]:
    for spec in specs:
        yield spec
        yield from _walk(spec.children or [])


# Reading back ------------------------------------------------------------------------------


def stored_document(session: Session, project: t.Project) -> dict[str, Any]:
    """The stored project as a plan document (what its export writes)."""
    pid = project.id
    calendars = list(
        session.execute(
            select(t.Calendar)
            .join(t.ProjectCalendar, t.ProjectCalendar.calendar_id == t.Calendar.id)
            .where(t.ProjectCalendar.project_id == pid)
            .order_by(t.ProjectCalendar.position)
        ).scalars()
    )
    resources = list(
        session.execute(
            select(t.Resource)
            .join(t.ProjectResource, t.ProjectResource.resource_id == t.Resource.id)
            .where(t.ProjectResource.project_id == pid)
            .order_by(t.ProjectResource.position)
        ).scalars()
    )
    # Plain rows, not ORM objects: a 5,000-task plan is some 18,000 rows, and building an
    # object for each was most of the time it took to read a plan back.
    tasks = session.execute(
        select(t.Task.id, t.Task.parent_id, t.Task.key, t.Task.name, t.Task.spec)
        .where(t.Task.project_id == pid)
        .order_by(t.Task.position, t.Task.id)
    ).all()
    key_of = {row.id: row.key for row in tasks}
    links: dict[int, list[Any]] = defaultdict(list)
    for dep in session.execute(
        select(
            t.Dependency.task_id, t.Dependency.predecessor_id, t.Dependency.type, t.Dependency.lag
        )
        .where(t.Dependency.project_id == pid)
        .order_by(t.Dependency.position, t.Dependency.id)
    ):
        links[dep.task_id].append(dep)
    resource_key = {row.id: row.key for row in resources}  # assigning links to the team
    assigned: dict[int, list[Any]] = defaultdict(list)
    for assignment in session.execute(
        select(t.Assignment.task_id, t.Assignment.resource_id, t.Assignment.units)
        .where(t.Assignment.project_id == pid)
        .order_by(t.Assignment.position, t.Assignment.id)
    ):
        assigned[assignment.task_id].append(assignment)
    children: dict[int | None, list[Any]] = defaultdict(list)
    for row in tasks:
        children[row.parent_id].append(row)

    def task_doc(row: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": row.key, "name": row.name}
        kids = children.get(row.id)
        if kids:
            doc["children"] = [task_doc(kid) for kid in kids]
        plain = [key_of[d.predecessor_id] for d in links[row.id] if _plain(d)]
        typed = [
            {
                "task": key_of[d.predecessor_id],
                "type": d.type,
                **({"lag": number_or_text(d.lag)} if d.lag else {}),
            }
            for d in links[row.id]
            if not _plain(d)
        ]
        if plain:
            doc["after"] = plain
        if typed:
            doc["depends"] = typed
        if assigned[row.id]:
            doc["assign"] = [
                {"resource": resource_key[a.resource_id], "units": number_or_text(a.units)}
                for a in assigned[row.id]
            ]
        return {**doc, **row.spec}

    doc: dict[str, Any] = {
        "project": {
            "id": project.key,
            "name": project.name,
            "start": project.start.isoformat(),
            **project.spec.get("project", {}),
        }
    }
    calendars = [*calendars, *_referenced_calendars(session, project, resources, tasks, calendars)]
    calendar_docs = {
        row.key: {**({"name": row.name} if row.name else {}), **row.spec} for row in calendars
    }
    if calendar_docs:
        doc["calendars"] = calendar_docs
    if "holidays" in project.spec:
        doc["holidays"] = project.spec["holidays"]
    resource_docs = [resource_document(row) for row in resources]
    if resource_docs:
        doc["resources"] = resource_docs
    doc["tasks"] = [task_doc(row) for row in children[None]]
    risks = session.execute(
        select(t.Risk).where(t.Risk.project_id == pid).order_by(t.Risk.position, t.Risk.id)
    ).scalars()
    risk_docs = [{"id": row.key, **row.spec} for row in risks]
    if risk_docs:
        doc["risks"] = risk_docs
    for key in ("correlations", "budget", "expenses", *TEAM_SECTIONS, "systems"):
        if key in project.spec:
            doc[key] = project.spec[key]
    actual_docs = [
        {
            "task": key_of[row.task_id],
            "date": row.day.isoformat(),
            **({"resource": resource_key[row.resource_id]} if row.resource_id else {}),
            **row.spec,
        }
        for row in session.execute(
            select(t.Actual).where(t.Actual.project_id == pid).order_by(t.Actual.position)
        ).scalars()
    ]
    if actual_docs:
        doc["actuals"] = actual_docs
    return doc


def with_task_row(document: dict[str, Any], row: t.Task) -> dict[str, Any]:
    """``document`` (as :func:`stored_document` wrote it) with one task's name and fields as
    its row has them now, its place, links and assignments as they were: what reading the plan
    back gives after a change to that row alone, without reading the other rows. Copies what it
    changes, so ``document`` itself is never altered."""

    def replaced(tasks: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        for i, task in enumerate(tasks):
            if task["id"] == row.key:
                kept = {k: v for k, v in task.items() if k in TASK_ROW_FIELDS}
                return [*tasks[:i], {**kept, "name": row.name, **row.spec}, *tasks[i + 1 :]]
            below = replaced(task.get("children") or [])
            if below is not None:
                return [*tasks[:i], {**task, "children": below}, *tasks[i + 1 :]]
        return None

    tasks = replaced(document.get("tasks") or [])
    if tasks is None:
        raise KeyError(row.key)
    return {**document, "tasks": tasks}


def _referenced_calendars(
    session: Session,
    project: t.Project,
    resources: list[t.Resource],
    tasks: Sequence[Any],
    declared: list[t.Calendar],
) -> list[t.Calendar]:
    """Pool calendars the plan uses without declaring them (a resource booked from the pool,
    a task or the project set to a pool calendar through the API), so the plan stands alone."""
    used = {r.spec.get("calendar") for r in resources} | {row.spec.get("calendar") for row in tasks}
    used.add(project.spec.get("project", {}).get("calendar"))
    missing = used - {row.key for row in declared} - {None}
    if not missing:
        return []
    return list(
        session.scalars(
            select(t.Calendar).where(t.Calendar.key.in_(missing)).order_by(t.Calendar.key)
        )
    )


def _plain(dep: Any) -> bool:
    return dep.type == "FS" and dep.lag in {"0", ""}


def number_or_text(text: str) -> int | float | str:
    """Units and lags are kept as the plan wrote them: a number, or text with a unit."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def plan_spec(session: Session, project: t.Project) -> PlanSpec:
    return PlanSpec.model_validate(stored_document(session, project))


def project_spec(project: t.Project) -> ProjectSpec:
    return ProjectSpec.model_validate(
        {
            "id": project.key,
            "name": project.name,
            "start": project.start.isoformat(),
            **project.spec.get("project", {}),
        }
    )
