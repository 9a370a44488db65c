"""Changing a stored plan from its page: a task's fields, links and assignments in one form,
new tasks, a task's place in the tree, and its dates dragged on the Gantt chart.

Every change is made with the item services, so the page keeps the API's rules (role checks,
the plan schema, If-Match versions, the audit log). Then the plan is scheduled once, inside a
savepoint: a change that would leave the plan unschedulable (a duration it cannot read, a task
that would be a summary with a duration) is rolled back and refused with the plan's own
diagnostics, each moved onto the form field it is about; a change that stands returns the view
of the new schedule, so the page shows it without scheduling again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.durations import DurationError, parse_duration
from plansmith.errors import Invalid, NotFound
from plansmith.io.plan_file import load_plan_spec
from plansmith.io.plan_schema import PlanSpec, TaskSpec
from plansmith.services.access import Action, require
from plansmith.services.item_kinds import ASSIGNMENTS, DEPENDENCIES, TASKS
from plansmith.services.items import check_version, create_item, delete_item, update_item
from plansmith.services.plan_view import PlanView, view_of
from plansmith.services.planning import PlanOutcome, schedule_plan
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec

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
SHAPE = ("duration", "effort", "milestone", "estimate", "distribution")  # leaves' keys only
NEW_SUMMARY_DURATION = "1d"  # what a summary that loses its last subtask becomes
Move = Literal["indent", "outdent", "up", "down"]
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


def _problem(field: str, code: str, message: str) -> Diagnostic:
    return error(code, message, None, (field,))


def _refused(problems: list[Diagnostic]) -> Invalid:
    return Invalid(problems[0].message, code="invalid", diagnostics=problems)


def task_row(session: Session, project: t.Project, key: str) -> t.Task:
    row = session.scalar(select(t.Task).where(t.Task.project_id == project.id, t.Task.key == key))
    if row is None:
        raise NotFound(f"no task '{key}' here", code="not_found")
    return row


def _children(session: Session, project: t.Project, parent_id: int | None) -> list[t.Task]:
    query = select(t.Task).where(t.Task.project_id == project.id, t.Task.parent_id == parent_id)
    return list(session.scalars(query.order_by(t.Task.position, t.Task.id)))


def _hours_per_day(project: t.Project) -> float:
    return float(project.spec.get("project", {}).get("hours_per_day", 8))


def schedule(session: Session, project: t.Project) -> tuple[PlanSpec, PlanOutcome]:
    spec = plan_spec(session, project)
    return spec, schedule_plan(load_plan_spec(spec, f"{project.key}.yaml"))


def checked(
    session: Session, user: t.User, project: t.Project, change: Callable[[], None], key: str
) -> PlanView:
    """Make the change in a savepoint and keep it only if the plan still schedules."""
    with session.begin_nested():
        change()
        session.flush()
        spec, outcome = schedule(session, project)
        if not outcome.ok:
            errors = [d for d in outcome.diagnostics if d.is_error]
            raise Invalid(
                f"the plan would have errors: {errors[0].message}" if errors else "not scheduled",
                code="invalid_plan",
                diagnostics=[_on_field(spec, d, key) for d in errors],
            )
    return view_of(session, user, project, spec, outcome)


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
    patch = _task_patch(before, change, _hours_per_day(project), problems)
    links = _ids(change.after, "after", problems)
    people = _ids(change.resources, "resources", problems)
    if problems:
        raise _refused(problems)
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
            problems.append(_problem("name", "invalid_value", "a task needs a name (500 at most)"))
        elif name != before["name"]:
            patch["name"] = name
    if change.duration is not None:
        text = change.duration.strip()
        field = "effort" if "effort" in before and "duration" not in before else "duration"
        if text != str(before.get(field, "")):
            try:
                parse_duration(text, hours_per_day=hours_per_day)
            except DurationError as exc:
                problems.append(_problem("duration", "invalid_duration", str(exc)))
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
                problems.append(_problem("start", "invalid_value", message))
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
        problems.append(_problem("progress", "invalid_value", "progress is a number 0 to 100"))
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
        problems.append(_problem(field, "invalid_value", f"'{bad}' is not an id"))
    return ids


def _scheduled_start(session: Session, project: t.Project, key: str) -> str:
    _, outcome = schedule(session, project)
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
        raise _refused([_problem(field, exc.code, exc.message)]) from None


def _keys(session: Session, ids: set[int]) -> dict[int, str]:
    query = select(t.Task.id, t.Task.key).where(t.Task.id.in_(ids))
    return dict(session.execute(query).all())


# Adding tasks and moving them in the tree -------------------------------------------------------


def add_task(
    session: Session,
    user: t.User,
    project: t.Project,
    name: str,
    duration: str,
    parent: str | None,
) -> tuple[str, PlanView]:
    """A new task at the end of the plan, or the last subtask of ``parent``."""
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    problems: list[Diagnostic] = []
    name, duration = name.strip(), duration.strip()
    if not name or len(name) > 500:
        problems.append(_problem("name", "invalid_value", "a task needs a name (500 at most)"))
    try:
        parse_duration(duration, hours_per_day=_hours_per_day(project))
    except DurationError as exc:
        problems.append(_problem("duration", "invalid_duration", str(exc)))
    if problems:
        raise _refused(problems)
    key = _new_key(session, project, name)

    def apply() -> None:
        body = {"id": key, "name": name, "duration": duration, "parent": parent or None}
        create_item(session, user, TASKS, project, body)
        if parent:
            above = task_row(session, project, parent)
            _make_summary(session, user, project, above, task_row(session, project, key))

    return key, checked(session, user, project, apply, key)


def _new_key(session: Session, project: t.Project, name: str) -> str:
    """An id from the name ("Load tests" -> load-tests), numbered when it is taken."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-") or "task"
    taken = set(
        session.scalars(
            select(t.Task.key).where(t.Task.project_id == project.id, t.Task.key.like(f"{stem}%"))
        )
    )
    key, n = stem, 1
    while key in taken:
        n += 1
        key = f"{stem}-{n}"
    return key


def _make_summary(
    session: Session, user: t.User, project: t.Project, row: t.Task, child: t.Task
) -> None:
    """A leaf getting its first subtask gives up what only leaves have: its dates will come
    from below, and the people doing its work now do the subtask's."""
    if [kid for kid in _children(session, project, row.id) if kid.id != child.id]:
        return
    before = TASKS.document(session, row)
    patch: dict[str, Any] = {key: None for key in SHAPE if key in before}
    if "milestone" in patch:
        patch["milestone"] = False
    if patch:
        update_item(session, user, TASKS, project, row.key, patch, row.version)
    doing = session.execute(
        select(t.Assignment, t.Resource.key)
        .join(t.Resource, t.Resource.id == t.Assignment.resource_id)
        .where(t.Assignment.task_id == row.id)
    ).all()
    query = select(t.Assignment.resource_id).where(t.Assignment.task_id == child.id)
    has = set(session.scalars(query))
    for assignment, resource in doing:
        delete_item(session, user, ASSIGNMENTS, project, str(assignment.id), assignment.version)
        if assignment.resource_id not in has:
            body = {"task": child.key, "resource": resource, "units": assignment.units}
            create_item(session, user, ASSIGNMENTS, project, body)


def move_task(
    session: Session, user: t.User, project: t.Project, key: str, how: Move, version: int | None
) -> PlanView:
    """Indent (under the task above it), outdent (after its parent), or move up or down among
    its siblings. The task's own version is checked first; the siblings renumbered after it
    are read in this transaction, so theirs are current."""
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row = task_row(session, project, key)
    check_version(row, version)
    siblings = _children(session, project, row.parent_id)
    i = siblings.index(row)

    def apply() -> None:
        if how in ("up", "down"):
            j = i - 1 if how == "up" else i + 1
            if not 0 <= j < len(siblings):
                where = "first" if how == "up" else "last"
                raise Invalid(f"'{key}' is already the {where} of its level", code="invalid_move")
            order = list(siblings)
            order[i], order[j] = order[j], order[i]
            _place(session, user, project, row, order, version)
        elif how == "indent":
            if i == 0:
                raise Invalid(
                    f"'{key}' has no task above it at its level to go under", code="invalid_move"
                )
            above = siblings[i - 1]
            kids = _children(session, project, above.id)
            _place(session, user, project, row, [*kids, row], version, parent=above)
            _make_summary(session, user, project, above, row)
        else:
            parent = session.get(t.Task, row.parent_id) if row.parent_id else None
            if parent is None:
                raise Invalid(f"'{key}' is already at the top level", code="invalid_move")
            level = [r for r in _children(session, project, parent.parent_id) if r is not row]
            at = level.index(parent) + 1
            grand = session.get(t.Task, parent.parent_id) if parent.parent_id else None
            order = [*level[:at], row, *level[at:]]
            _place(session, user, project, row, order, version, parent=grand)
            if len(siblings) == 1:  # it was the only subtask: the parent is a task again
                patch = {"duration": NEW_SUMMARY_DURATION}
                update_item(session, user, TASKS, project, parent.key, patch, parent.version)

    return checked(session, user, project, apply, key)


def _place(
    session: Session,
    user: t.User,
    project: t.Project,
    row: t.Task,
    order: list[t.Task],
    version: int | None,
    **parent: t.Task | None,
) -> None:
    """Put ``row`` at its place in ``order`` (under ``parent=`` when given, None for the top
    level), then number the others in that order."""
    patch: dict[str, Any] = {"position": order.index(row)}
    if "parent" in parent:
        above = parent["parent"]
        patch["parent"] = above.key if above is not None else None
    update_item(session, user, TASKS, project, row.key, patch, version)
    for position, other in enumerate(order):
        if other is not row and other.position != position:
            update_item(
                session, user, TASKS, project, other.key, {"position": position}, other.version
            )
