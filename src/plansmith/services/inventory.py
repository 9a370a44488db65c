"""A project's systems inventory on the server: the plan's ``systems:`` section, edited one
system at a time, and what follows from it (checks, renewals, calendar, renew-or-replace tasks).

The systems live in the project's plan (its ``spec``), so an export, a backup and the plan page
carry them, and every change goes through the project's validation and audit log. A system's
version (ETag) is its project's: two people editing systems of one project at once are told,
rather than one silently undoing the other. Reading needs ``read_plan``; renewals, which are
money, ``read_reports``; changing, and adding the renew-or-replace tasks (through the plan item
services, so they are audited and versioned like any task), ``edit_plan``.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.inventory_schema import SystemSpec
from plansmith.io.plan_writer import spec_document
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.services import portfolios
from plansmith.services.access import Action
from plansmith.services.inventory_plan import (
    CalendarEvent,
    calendar_events,
    inventory_checks,
    missing_renewal_work,
    reference_day,
    renewal_task_document,
    upcoming_renewals,
)
from plansmith.services.item_kinds import TASKS
from plansmith.services.items import Item, check_version, create_item
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec

MAX_DAYS = 400  # a calendar request spans at most this many days


def _systems(session: Session, project: t.Project) -> list[dict[str, Any]]:
    """A copy: a list changed in place would look unchanged to SQLAlchemy, and not be saved."""
    systems: list[dict[str, Any]] = portfolios.project_document(session, project).get("systems", [])
    return copy.deepcopy(systems)


def _project(session: Session, user: t.User, key: str, action: Action) -> t.Project:
    return portfolios.find_project(session, user, key, action)


def list_systems(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    return _systems(session, _project(session, user, key, Action.READ_PLAN))


def get_system(session: Session, user: t.User, key: str, system: str) -> Item:
    project = _project(session, user, key, Action.READ_PLAN)
    found = next((s for s in _systems(session, project) if s["id"] == system), None)
    if found is None:
        raise NotFound(f"no system '{system}' in this project", code="not_found")
    return Item(found, project.version)


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    try:
        return spec_document(SystemSpec.model_validate(body))
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the system is not valid: {problems[0].message}", diagnostics=problems
        ) from None


def create_system(session: Session, user: t.User, key: str, body: dict[str, Any]) -> Item:
    project = _project(session, user, key, Action.EDIT_PLAN)
    document = _checked(body)
    systems = _systems(session, project)
    if any(s["id"] == document["id"] for s in systems):
        raise Conflict(f"the project already has a system '{document['id']}'", code="system_exists")
    portfolios.change_plan_lists(session, user, project, {"systems": [*systems, document]})
    return Item(document, project.version)


def update_system(
    session: Session,
    user: t.User,
    key: str,
    system: str,
    patch: dict[str, Any],
    if_match: int | None,
) -> Item:
    project = _project(session, user, key, Action.EDIT_PLAN)
    check_version(project, if_match)
    systems = _systems(session, project)
    index = next((k for k, s in enumerate(systems) if s["id"] == system), None)
    if index is None:
        raise NotFound(f"no system '{system}' in this project", code="not_found")
    if "id" in patch and patch["id"] != system:
        raise Invalid("a system's id cannot change", code="id_immutable")
    merged = {k: v for k, v in {**systems[index], **patch}.items() if v is not None}
    document = _checked(merged)
    systems[index] = document
    portfolios.change_plan_lists(session, user, project, {"systems": systems})
    return Item(document, project.version)


def delete_system(
    session: Session, user: t.User, key: str, system: str, if_match: int | None
) -> None:
    project = _project(session, user, key, Action.EDIT_PLAN)
    check_version(project, if_match)
    systems = _systems(session, project)
    if not any(s["id"] == system for s in systems):
        raise NotFound(f"no system '{system}' in this project", code="not_found")
    remaining = [s for s in systems if s["id"] != system]
    portfolios.change_plan_lists(session, user, project, {"systems": remaining})


def checks(session: Session, user: t.User, key: str, today: date | None = None) -> dict[str, Any]:
    """The inventory's checks as of the status date (or ``today``)."""
    project = _project(session, user, key, Action.READ_PLAN)
    spec = plan_spec(session, project)
    day = reference_day(spec, today)
    return {
        "as_of": day.isoformat(),
        "diagnostics": [
            {**diagnostic_to_json(d), "path": list(d.path)} for d in inventory_checks(spec, day)
        ],
    }


def renewals(
    session: Session, user: t.User, key: str, months: int = 12, today: date | None = None
) -> dict[str, Any]:
    """The renewals falling due in the next ``months``: forecast costs by system."""
    project = _project(session, user, key, Action.READ_REPORTS)
    spec = plan_spec(session, project)
    day = reference_day(spec, today)
    found = upcoming_renewals(spec, day, max(1, min(months, 120)))
    return {
        "as_of": day.isoformat(),
        "currency": spec.project.currency,
        "renewals": [
            {
                "system": r.system,
                "name": r.name,
                "date": r.day.isoformat(),
                "amount": str(r.amount),
                "category": r.category.value,
            }
            for r in found
        ],
        "total": str(sum((r.amount for r in found), Decimal(0))),
    }


def event_document(event: CalendarEvent) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "kind": event.kind,
        "system": event.system,
        "title": event.title,
        "start": event.start.isoformat(timespec="minutes"),
        "end": event.end.isoformat(timespec="minutes") if event.end is not None else None,
        "notes": event.notes,
    }


def maintenance(
    session: Session, user: t.User, key: str, first: date, last: date
) -> list[dict[str, Any]]:
    """Maintenance windows and updates on days ``first`` .. ``last`` (at most 400 days)."""
    project = _project(session, user, key, Action.READ_PLAN)
    if last < first or (last - first).days > MAX_DAYS:
        raise Invalid(f"ask for 0 to {MAX_DAYS} days, 'from' first", code="invalid_range")
    spec = plan_spec(session, project)
    return [event_document(e) for e in calendar_events(spec, first, last)]


def project_events(
    session: Session, project: t.Project, first: date, last: date
) -> list[CalendarEvent]:
    """For calendar feeds, whose caller has checked the feed's rights already."""
    return calendar_events(plan_spec(session, project), first, last)


def add_renewal_tasks(
    session: Session, user: t.User, key: str, today: date | None = None
) -> list[dict[str, Any]]:
    """Add the missing "renew or replace" tasks, each through the task item service."""
    project = _project(session, user, key, Action.EDIT_PLAN)
    spec = plan_spec(session, project)
    names = {s.id: s.name for s in spec.systems}
    created = []
    for work in missing_renewal_work(spec, reference_day(spec, today)):
        body = renewal_task_document(work, names[work.system])
        created.append(create_item(session, user, TASKS, project, body).document)
    return created
