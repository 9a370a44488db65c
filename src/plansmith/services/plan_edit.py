"""Changing a stored plan from its page: a task's fields, links and assignments in one form,
and the checked path every change on the page takes (:func:`checked`; new tasks and moves in
the tree are in :mod:`plan_tree`, dragged dates in :mod:`plan_dates`).

Every change is made with the item services, so the page keeps the API's rules (role checks,
the plan schema, If-Match versions, the audit log). Then the plan is scheduled once, inside a
savepoint: a change that would leave the plan unschedulable (a duration it cannot read, a task
that would be a summary with a duration) is rolled back and refused with the plan's own
diagnostics, each moved onto the form field it is about; a change that stands returns the view
of the new schedule, so the page shows it without scheduling again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.durations import DurationError, parse_duration
from plansmith.errors import Invalid, NotFound
from plansmith.io.plan_schema import PlanSpec, TaskSpec
from plansmith.services.access import Action, require
from plansmith.services.item_kinds import ASSIGNMENTS, DEPENDENCIES, TASKS
from plansmith.services.items import check_version, create_item, delete_item, update_item
from plansmith.services.plan_cache import plan_key, remember, schedule_document, scheduled
from plansmith.services.plan_view import PlanView, view_of
from plansmith.storage import tables as t
from plansmith.storage.plans import stored_document

# A task document's keys -> the form field that edits them (where a diagnostic is shown).
FIELDS = {
    "name": "name",
    "duration": "duration",
    "effort": "duration",
    "milestone": "duration",
    "estimate": "duration",
    "after": "after",
    "depends": "after",
    "assign": "resources",
    "progress": "progress",
    "actual_start": "progress",
    "start_no_earlier_than": "start",
    "must_start_on": "start",
}
_IDS = re.compile(r"[\s,;]+")
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class TaskChange:
    """A task's row form; None leaves that field as it is."""

    name: str | None = None
    duration: str | None = None  # the duration, or the effort on an effort task
    after: str | None = None  # predecessor ids, comma-separated
    resources: str | None = None  # resource ids, comma-separated
    progress: str | None = None  # percent complete
    start: str | None = None  # start no earlier than (a must-start-on date if it has one)


def problem(field: str, code: str, message: str) -> Diagnostic:
    return error(code, message, None, (field,))


def refused(problems: list[Diagnostic]) -> Invalid:
    return Invalid(problems[0].message, code="invalid", diagnostics=problems)


def task_row(session: Session, project: t.Project, key: str) -> t.Task:
    row = session.scalar(select(t.Task).where(t.Task.project_id == project.id, t.Task.key == key))
    if row is None:
        raise NotFound(f"no task '{key}' here", code="not_found")
    return row


def children(session: Session, project: t.Project, parent_id: int | None) -> list[t.Task]:
    query = select(t.Task).where(t.Task.project_id == project.id, t.Task.parent_id == parent_id)
    return list(session.scalars(query.order_by(t.Task.position, t.Task.id)))


def hours_per_day(project: t.Project) -> float:
    return float(project.spec.get("project", {}).get("hours_per_day", 8))


def checked(
    session: Session,
    user: t.User,
    project: t.Project,
    change: Callable[[], None],
    key: str,
    plan_after: Callable[[], tuple[dict[str, Any], PlanSpec] | None] = lambda: None,
    before: PlanView | None = None,
) -> PlanView:
    """Make the change in a savepoint and keep it only if the plan still schedules.

    ``plan_after`` may give the changed plan (its document and spec) without reading it all
    back (a dragged bar changes one task's fields); None reads it back. The new schedule is
    kept for the plan's new revision once the transaction commits, so the next page load
    reuses it. ``before``, the caller's view of the plan before the change, lends its rows to
    the tasks that did not move when ``plan_after`` gave the plan (one task's fields changed)."""
    with session.begin_nested():
        change()
        session.flush()
        after = plan_after()
        if after is not None:
            plan = schedule_document(project, *after)
        else:
            plan = schedule_document(project, stored_document(session, project))
        if not plan.outcome.ok:
            errors = [d for d in plan.outcome.diagnostics if d.is_error]
            raise Invalid(
                f"the plan would have errors: {errors[0].message}" if errors else "not scheduled",
                code="invalid_plan",
                diagnostics=[_on_field(plan.spec, d, key) for d in errors],
            )
    remember(session, plan_key(session, project), plan)
    return view_of(session, user, project, plan, before if after is not None else None, key)


def _on_field(spec: PlanSpec, diagnostic: Diagnostic, key: str) -> Diagnostic:
    """A diagnostic about task ``key`` with the form field as its path; others unchanged."""
    tasks: list[TaskSpec] | None = spec.tasks
    task: TaskSpec | None = None
    i, path = 0, diagnostic.path
    while i + 1 < len(path) and path[i] in ("tasks", "children") and isinstance(path[i + 1], int):
        index = int(path[i + 1])
        if tasks is None or index >= len(tasks):
            return diagnostic
        task, tasks, i = tasks[index], tasks[index].children, i + 2
    about = task.id if task is not None else diagnostic.subject
    name = path[i] if i < len(path) and isinstance(path[i], str) else None
    if about in (key, f"task:{key}") and name in FIELDS:
        return replace(diagnostic, path=(FIELDS[name],))
    return diagnostic


# Editing a task's row ------------------------------------------------------------------------


def edit_task(
    session: Session,
    user: t.User,
    project: t.Project,
    key: str,
    change: TaskChange,
    version: int | None,
) -> PlanView:
    require(session, user, project.id, Action.UPDATE_PROGRESS, exists=True)
    row = task_row(session, project, key)
    check_version(row, version)
    before = TASKS.document(session, row)
    problems: list[Diagnostic] = []
    patch = _task_patch(before, change, hours_per_day(project), problems)
    links = _ids(change.after, "after", problems)
    people = _ids(change.resources, "resources", problems)
    if problems:
        raise refused(problems)
    if patch.get("progress") and not before.get("actual_start"):
        patch["actual_start"] = _scheduled_start(session, project, key)  # work has begun

    def apply() -> None:
        update_item(session, user, TASKS, project, key, patch, version)
        if links is not None:
            _set_links(session, user, project, row, links)
        if people is not None:
            _set_people(session, user, project, row, people)

    return checked(session, user, project, apply, key)


def _task_patch(
    before: dict[str, Any], change: TaskChange, hours_per_day: float, problems: list[Diagnostic]
) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    if change.name is not None:
        name = change.name.strip()
        if not name or len(name) > 500:
            problems.append(problem("name", "invalid_value", "a task needs a name (500 at most)"))
        elif name != before["name"]:
            patch["name"] = name
    if change.duration is not None:
        text = change.duration.strip()
        field = "effort" if "effort" in before and "duration" not in before else "duration"
        if text != str(before.get(field, "")):
            try:
                parse_duration(text, hours_per_day=hours_per_day)
            except DurationError as exc:
                problems.append(problem("duration", "invalid_duration", str(exc)))
            else:
                patch[field] = text
    if change.progress is not None:
        value = _percent(change.progress, problems)
        if value is not None and value != _percent(str(before.get("progress", 0)), []):
            patch["progress"] = int(value) if value.is_integer() else value
    if change.start is not None:
        field = "must_start_on" if before.get("must_start_on") else "start_no_earlier_than"
        text = change.start.strip()
        if text != str(before.get(field) or ""):
            if text and instant(text) is None:
                message = f"'{text}' is not a date: write it as 2027-03-01 or 2027-03-01T13:00"
                problems.append(problem("start", "invalid_value", message))
            else:
                patch[field] = text or None
    return patch


def _percent(text: str, problems: list[Diagnostic]) -> float | None:
    cleaned = text.strip().removesuffix("%").strip() or "0"
    try:
        value = float(cleaned)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        problems.append(problem("progress", "invalid_value", "progress is a number 0 to 100"))
        return None
    return value


def instant(text: str) -> datetime | None:
    """A day (its first minute) or a minute, as plan files write constraint dates."""
    try:
        return datetime.fromisoformat(text) if "T" in text else midnight(date.fromisoformat(text))
    except ValueError:
        return None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _ids(text: str | None, field: str, problems: list[Diagnostic]) -> list[str] | None:
    if text is None:
        return None
    ids = list(dict.fromkeys(part for part in _IDS.split(text) if part))
    for bad in [i for i in ids if not _ID.match(i)]:
        problems.append(problem(field, "invalid_value", f"'{bad}' is not an id"))
    return ids


def _scheduled_start(session: Session, project: t.Project, key: str) -> str:
    outcome = scheduled(session, project).outcome
    starts = {task["id"]: task["start"] for task in outcome.to_json()["tasks"]}
    return str(starts.get(key) or date.today().isoformat())


def _set_links(
    session: Session, user: t.User, project: t.Project, row: t.Task, wanted: list[str]
) -> None:
    """Links to predecessors no longer listed go; new ones are finish-to-start; those kept
    keep their type and lag."""
    current = list(session.scalars(select(t.Dependency).where(t.Dependency.task_id == row.id)))
    keys = _keys(session, {d.predecessor_id for d in current})
    have = {keys[d.predecessor_id] for d in current}
    for link in current:
        if keys[link.predecessor_id] not in wanted:  # every link to it, whatever its type
            delete_item(session, user, DEPENDENCIES, project, str(link.id), link.version)
    for key in wanted:
        if key not in have:
            body = {"task": row.key, "predecessor": key, "type": "FS"}
            _create(session, user, DEPENDENCIES, project, body, "after")


def _set_people(
    session: Session, user: t.User, project: t.Project, row: t.Task, wanted: list[str]
) -> None:
    current = list(session.scalars(select(t.Assignment).where(t.Assignment.task_id == row.id)))
    query = select(t.Resource.id, t.Resource.key).where(
        t.Resource.id.in_({a.resource_id for a in current})
    )
    keys: dict[int, str] = dict(session.execute(query).all())
    have = {keys[a.resource_id]: a for a in current}
    for key, assignment in have.items():
        if key not in wanted:
            delete_item(session, user, ASSIGNMENTS, project, str(assignment.id), assignment.version)
    for key in wanted:
        if key not in have:
            body = {"task": row.key, "resource": key}
            _create(session, user, ASSIGNMENTS, project, body, "resources")


def _create(
    session: Session, user: t.User, kind: Any, project: t.Project, body: dict[str, Any], field: str
) -> None:
    try:
        create_item(session, user, kind, project, body)
    except Invalid as exc:
        raise refused([problem(field, exc.code, exc.message)]) from None


def _keys(session: Session, ids: set[int]) -> dict[int, str]:
    query = select(t.Task.id, t.Task.key).where(t.Task.id.in_(ids))
    return dict(session.execute(query).all())
