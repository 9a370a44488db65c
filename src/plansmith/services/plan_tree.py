"""Changing the shape of a plan from its page: new tasks, and a task's place in the tree
(indent, outdent, up, down).

A tree change can change what a task is: a task that gets its first subtask becomes a summary
(its dates come from below, so it gives up its duration, and the people doing its work now do
the subtask's), and a summary that loses its last one becomes a task again. Each change is
checked like every edit on the page (:func:`plansmith.services.plan_edit.checked`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.durations import DurationError, parse_duration
from plansmith.errors import Invalid
from plansmith.services.access import Action, require
from plansmith.services.item_kinds import ASSIGNMENTS, TASKS
from plansmith.services.items import check_version, create_item, delete_item, update_item
from plansmith.services.plan_edit import (
    checked,
    children,
    hours_per_day,
    problem,
    refused,
    task_row,
)
from plansmith.services.plan_view import PlanView
from plansmith.storage import tables as t

SHAPE = ("duration", "effort", "milestone", "estimate", "distribution")  # leaves' keys only
NEW_SUMMARY_DURATION = "1d"  # what a summary that loses its last subtask becomes
Move = Literal["indent", "outdent", "up", "down"]


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
        problems.append(problem("name", "invalid_value", "a task needs a name (500 at most)"))
    try:
        parse_duration(duration, hours_per_day=hours_per_day(project))
    except DurationError as exc:
        problems.append(problem("duration", "invalid_duration", str(exc)))
    if problems:
        raise refused(problems)
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
    if [kid for kid in children(session, project, row.id) if kid.id != child.id]:
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
    siblings = children(session, project, row.parent_id)
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
            kids = children(session, project, above.id)
            _place(session, user, project, row, [*kids, row], version, parent=above)
            _make_summary(session, user, project, above, row)
        else:
            parent = session.get(t.Task, row.parent_id) if row.parent_id else None
            if parent is None:
                raise Invalid(f"'{key}' is already at the top level", code="invalid_move")
            level = [r for r in children(session, project, parent.parent_id) if r is not row]
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
