"""The decision log and action items of a project's meetings, and making a plan task of an
action item.

Decisions keep their history in the audit log (each changed field, who, when), so the log
shows how a decision went from proposed to decided to superseded without a table of its own.
A task is made through the plan's item services, so it is validated, versioned and audited
exactly like a task added on the plan page.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import error
from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.schema_types import Day, Id, Spec
from plansmith.reports.document import ActionItem as ReportAction
from plansmith.reports.document import Decision as ReportDecision
from plansmith.services import items
from plansmith.services.access import Action, require
from plansmith.services.audit import project_history, record_changes
from plansmith.services.item_kinds import ASSIGNMENTS, TASKS
from plansmith.services.items import check_version
from plansmith.services.meeting_occurrences import occurrence_by_id
from plansmith.services.meetings import validated
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.plans import now

STATUSES = ("proposed", "decided", "superseded")


class DecisionIn(Spec):
    date: Day
    title: str = Field(min_length=1, max_length=300)
    decision: str = Field("", max_length=20_000)
    rationale: str = Field("", max_length=20_000)
    decided_by: str = Field("", max_length=300)
    status: Literal["proposed", "decided", "superseded"] = "proposed"
    meeting: int | None = Field(None, description="the occurrence it was taken in")


class ActionIn(Spec):
    text: str = Field(min_length=1, max_length=5_000)
    owner: str | None = Field(None, description="a resource id of the pool, or a user's e-mail")
    due: Day | None = None
    done: bool = False
    meeting: int | None = None


class TaskFromAction(Spec):
    id: Id | None = None
    duration: str = "1d"
    parent: Id | None = None


def _by_id(session: Session, table: Any, project: t.Project, ident: str | int, what: str) -> Any:
    try:
        number = int(ident)
    except ValueError:
        number = 0
    row = (
        session.scalar(select(table).where(table.project_id == project.id, table.id == number))
        if 0 < number < 2**63
        else None
    )
    if row is None:
        raise NotFound(f"no {what} '{ident}' here")
    return row


def _meeting(session: Session, project: t.Project, number: int | None) -> int | None:
    if number is None:
        return None
    try:
        row, _ = occurrence_by_id(session, project, number)
    except NotFound:
        message = f"no meeting occurrence {number} in this project"
        raise Invalid(
            message,
            code="unknown_meeting",
            diagnostics=[error("unknown_meeting", message, None, ("meeting",))],
        ) from None
    return row.id


# Decisions ----------------------------------------------------------------------------------


def decision_document(row: m.Decision) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.day.isoformat(),
        "title": row.title,
        "decision": row.decision,
        "rationale": row.rationale,
        "decided_by": row.decided_by,
        "status": row.status,
        "meeting": row.occurrence_id,
    }


def list_decisions(
    session: Session, user: t.User, project: t.Project, status: str | None = None
) -> list[dict[str, Any]]:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    query = select(m.Decision).where(m.Decision.project_id == project.id)
    if status:
        query = query.where(m.Decision.status == status)
    rows = session.scalars(query.order_by(m.Decision.day.desc(), m.Decision.id.desc()))
    return [{**decision_document(row), "version": row.version} for row in rows]


def get_decision(session: Session, user: t.User, project: t.Project, ident: str) -> m.Decision:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    row: m.Decision = _by_id(session, m.Decision, project, ident, "decision")
    return row


def _write_decision(session: Session, project: t.Project, row: m.Decision, item: Any) -> None:
    row.day, row.title, row.decision = item.date, item.title, item.decision
    row.rationale, row.decided_by, row.status = item.rationale, item.decided_by, item.status
    row.occurrence_id = _meeting(session, project, item.meeting)


def create_decision(
    session: Session, user: t.User, project: t.Project, body: dict[str, Any]
) -> m.Decision:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    item = validated(DecisionIn, body, "decision")
    row = m.Decision(project_id=project.id)
    _write_decision(session, project, row, item)
    session.add(row)
    session.flush()
    after = decision_document(row)
    record_changes(session, user, project, "decision", row.id, str(row.id), {}, after)
    return row


def update_decision(
    session: Session,
    user: t.User,
    project: t.Project,
    ident: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> m.Decision:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    row: m.Decision = _by_id(session, m.Decision, project, ident, "decision")
    check_version(row, if_match)
    before = decision_document(row)
    merged = {k: v for k, v in {**before, **patch}.items() if k not in {"id", "version"}}
    _write_decision(session, project, row, validated(DecisionIn, merged, "decision"))
    session.flush()
    after = decision_document(row)
    record_changes(session, user, project, "decision", row.id, str(row.id), before, after)
    return row


def delete_decision(
    session: Session, user: t.User, project: t.Project, ident: str, if_match: int | None
) -> None:
    """Only owners and managers take an entry out of the log (a decision that no longer holds
    is marked superseded instead, which keeps it)."""
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row: m.Decision = _by_id(session, m.Decision, project, ident, "decision")
    check_version(row, if_match)
    before = decision_document(row)
    session.delete(row)
    session.flush()
    record_changes(session, user, project, "decision", row.id, str(row.id), before, {})


def decision_history(
    session: Session, user: t.User, project: t.Project, ident: str
) -> list[dict[str, Any]]:
    """Every change of the decision, newest first, from the audit log."""
    row = get_decision(session, user, project, ident)
    entries, _ = project_history(
        session, user, project, entity="decision", key=str(row.id), limit=500
    )
    return entries


# Action items -------------------------------------------------------------------------------


def action_document(session: Session, row: m.ActionItem) -> dict[str, Any]:
    owner: str | None = None
    if row.owner_resource_id is not None:
        owner = session.scalar(select(t.Resource.key).where(t.Resource.id == row.owner_resource_id))
    elif row.owner_user_id is not None:
        owner = session.scalar(select(t.User.email).where(t.User.id == row.owner_user_id))
    task = (
        session.scalar(select(t.Task.key).where(t.Task.id == row.task_id)) if row.task_id else None
    )
    return {
        "id": row.id,
        "text": row.text,
        "owner": owner,
        "due": row.due.isoformat() if row.due else None,
        "done": row.done,
        "meeting": row.occurrence_id,
        "task": task,
    }


def list_actions(session: Session, user: t.User, project: t.Project) -> list[dict[str, Any]]:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    rows = session.scalars(
        select(m.ActionItem)
        .where(m.ActionItem.project_id == project.id)
        .order_by(m.ActionItem.done, m.ActionItem.due, m.ActionItem.id)
    )
    return [{**action_document(session, row), "version": row.version} for row in rows]


def get_action(session: Session, user: t.User, project: t.Project, ident: str) -> m.ActionItem:
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    row: m.ActionItem = _by_id(session, m.ActionItem, project, ident, "action item")
    return row


def _owner(session: Session, owner: str | None) -> tuple[int | None, int | None]:
    """(resource id, user id) of an owner named by a pool resource's id or a user's e-mail."""
    if not owner:
        return None, None
    resource = session.scalar(select(t.Resource.id).where(t.Resource.key == owner))
    if resource is not None:
        return resource, None
    user = session.scalar(select(t.User.id).where(t.User.email == owner.strip()))
    if user is not None:
        return None, user
    message = f"'{owner}' is neither a resource of the pool nor a user's e-mail"
    raise Invalid(
        message,
        code="unknown_owner",
        diagnostics=[error("unknown_owner", message, None, ("owner",))],
    )


def _write_action(session: Session, project: t.Project, row: m.ActionItem, item: Any) -> None:
    row.text, row.due, row.done = item.text, item.due, item.done
    row.owner_resource_id, row.owner_user_id = _owner(session, item.owner)
    row.occurrence_id = _meeting(session, project, item.meeting)


def create_action(
    session: Session, user: t.User, project: t.Project, body: dict[str, Any]
) -> m.ActionItem:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    item = validated(ActionIn, body, "action item")
    row = m.ActionItem(project_id=project.id, created_at=now())
    _write_action(session, project, row, item)
    session.add(row)
    session.flush()
    after = action_document(session, row)
    record_changes(session, user, project, "action_item", row.id, str(row.id), {}, after)
    return row


def update_action(
    session: Session,
    user: t.User,
    project: t.Project,
    ident: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> m.ActionItem:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    row: m.ActionItem = _by_id(session, m.ActionItem, project, ident, "action item")
    check_version(row, if_match)
    before = action_document(session, row)
    merged = {k: v for k, v in {**before, **patch}.items() if k not in {"id", "version", "task"}}
    _write_action(session, project, row, validated(ActionIn, merged, "action item"))
    session.flush()
    after = action_document(session, row)
    record_changes(session, user, project, "action_item", row.id, str(row.id), before, after)
    return row


def delete_action(
    session: Session, user: t.User, project: t.Project, ident: str, if_match: int | None
) -> None:
    require(session, user, project.id, Action.RECORD_MEETINGS, exists=True)
    row: m.ActionItem = _by_id(session, m.ActionItem, project, ident, "action item")
    check_version(row, if_match)
    before = action_document(session, row)
    session.delete(row)
    session.flush()
    record_changes(session, user, project, "action_item", row.id, str(row.id), before, {})


def _owner_resource(session: Session, row: m.ActionItem) -> str:
    """The pool resource that does the task: the owner, or the resource carrying the owning
    user's e-mail (how plans tie people to accounts, see services.access.owns_task)."""
    if row.owner_resource_id is not None:
        key = session.scalar(select(t.Resource.key).where(t.Resource.id == row.owner_resource_id))
        if key is not None:
            return key
    email = session.scalar(select(t.User.email).where(t.User.id == row.owner_user_id))
    if email is not None:
        for key, spec in session.execute(select(t.Resource.key, t.Resource.spec)):
            if str(spec.get("email", "")).strip().lower() == email.strip().lower():
                return str(key)
    raise Invalid(
        "the action item needs an owner who is a resource (or a user whose e-mail a resource "
        "carries) before it can become a task",
        code="owner_not_a_resource",
        diagnostics=[error("owner_not_a_resource", "no resource for the owner", None, ("owner",))],
    )


def make_task(
    session: Session,
    user: t.User,
    project: t.Project,
    ident: str,
    body: dict[str, Any],
    if_match: int | None,
) -> tuple[m.ActionItem, items.Item]:
    """A plan task of the action item: its text as the name, the owner assigned and the due
    date as the task's deadline (the end of that day; missing it is a warning, as for any
    deadline). Needs ``edit_plan``; the item then names its task."""
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row: m.ActionItem = _by_id(session, m.ActionItem, project, ident, "action item")
    check_version(row, if_match)
    if row.task_id is not None:
        raise Conflict("this action item is already a task", code="already_a_task")
    options: TaskFromAction = validated(TaskFromAction, body, "task")
    resource = _owner_resource(session, row)
    key = options.id or _free_key(session, project, f"action-{row.id}")
    name = " ".join(row.text.split())[:500]
    task: dict[str, Any] = {"id": key, "name": name, "duration": options.duration}
    if options.parent:
        task["parent"] = options.parent
    if row.due is not None:
        task["deadline"] = row.due.isoformat()
    made = items.create_item(session, user, TASKS, project, task)
    items.create_item(session, user, ASSIGNMENTS, project, {"task": key, "resource": resource})
    before = action_document(session, row)
    row.task_id = session.scalar(
        select(t.Task.id).where(t.Task.project_id == project.id, t.Task.key == key)
    )
    session.flush()
    after = action_document(session, row)
    record_changes(session, user, project, "action_item", row.id, str(row.id), before, after)
    return row, made


def _free_key(session: Session, project: t.Project, base: str) -> str:
    taken = set(
        session.scalars(
            select(t.Task.key).where(t.Task.project_id == project.id, t.Task.key.like(f"{base}%"))
        )
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


# For status reports -------------------------------------------------------------------------


def report_inputs(
    session: Session, project: t.Project
) -> tuple[list[ReportDecision], list[ReportAction]]:
    """The decisions still needed (proposed ones, oldest first) and the meetings' action
    items, as the status report lays them out."""
    decisions = [
        ReportDecision(title=row.title, owner=row.decided_by, due=row.day, context=row.rationale)
        for row in session.scalars(
            select(m.Decision)
            .where(m.Decision.project_id == project.id, m.Decision.status == "proposed")
            .order_by(m.Decision.day, m.Decision.id)
        )
    ]
    names = _meeting_names(session, project)
    actions = []
    for row in session.scalars(
        select(m.ActionItem).where(m.ActionItem.project_id == project.id).order_by(m.ActionItem.id)
    ):
        document = action_document(session, row)
        actions.append(
            ReportAction(
                title=row.text,
                owner=document["owner"] or "",
                due=row.due,
                done=row.done,
                meeting=names.get(row.occurrence_id, "") if row.occurrence_id else "",
            )
        )
    return decisions, actions


def _meeting_names(session: Session, project: t.Project) -> dict[int, str]:
    query = (
        select(m.MeetingOccurrence.id, m.MeetingSeries.title, m.MeetingOccurrence.starts_at)
        .join(m.MeetingSeries, m.MeetingSeries.id == m.MeetingOccurrence.series_id)
        .where(m.MeetingOccurrence.project_id == project.id)
    )
    return {oid: f"{title} {start:%Y-%m-%d}" for oid, title, start in session.execute(query)}
