"""The audit log: who changed which field of what, when, from what to what.

Changes are recorded field by field from the before and after documents of a thing, so the log
says exactly what an edit did whatever face made it; creations and deletions are one entry each
with the whole document.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plansmith.services.access import Action, require
from plansmith.storage import tables as t
from plansmith.storage.plans import now


def record_changes(
    session: Session,
    user: t.User | None,
    project: t.Project | None,
    entity: str,
    entity_id: int,
    key: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    stamp = now()
    common = {
        "at": stamp,
        "user_id": user.id if user is not None else None,
        "project_id": project.id if project is not None else None,
        "entity": entity,
        "entity_id": entity_id,
        "entity_key": key,
    }
    if not before:
        session.add(t.AuditEntry(**common, action="create", field=None, old=None, new=after))
        return
    if not after:
        session.add(t.AuditEntry(**common, action="delete", field=None, old=before, new=None))
        return
    for field in sorted(set(before) | set(after)):
        if before.get(field) != after.get(field):
            session.add(
                t.AuditEntry(
                    **common,
                    action="update",
                    field=field,
                    old=before.get(field),
                    new=after.get(field),
                )
            )


def entry_document(entry: t.AuditEntry, emails: dict[int, str]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "user": emails.get(entry.user_id) if entry.user_id is not None else None,
        "entity": entry.entity,
        "key": entry.entity_key,
        "action": entry.action,
        "field": entry.field,
        "old": entry.old,
        "new": entry.new,
    }


def project_history(
    session: Session,
    user: t.User,
    project: t.Project,
    *,
    entity: str | None = None,
    key: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A project's changes, newest first; ``entity`` and ``key`` narrow it to one thing."""
    require(session, user, project.id, Action.READ_PLAN, exists=True)
    query = select(t.AuditEntry).where(t.AuditEntry.project_id == project.id)
    if entity is not None:
        query = query.where(t.AuditEntry.entity == entity)
    if key is not None:
        query = query.where(t.AuditEntry.entity_key == key)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    limit = max(1, min(limit, 500))
    rows = list(
        session.scalars(
            query.order_by(t.AuditEntry.at.desc(), t.AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    ids = {row.user_id for row in rows if row.user_id is not None}
    emails = dict(session.execute(select(t.User.id, t.User.email).where(t.User.id.in_(ids))).all())
    return [entry_document(row, emails) for row in rows], total
