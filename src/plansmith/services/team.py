"""The team of a stored project: reading its RACI matrix, deliverables, skills, certifications,
training and skill gaps with their checks, and changing them.

The team sections live whole in the project's ``spec`` (as the plan file writes them: see
docs/team.md, "On the server"), so export, import and the backup keep them with no table of
their own. Every change names the project's version (If-Match), is checked against the whole
plan before it is written (a change that makes a team error is refused with its diagnostics;
warnings such as ``raci_no_accountable`` are the point of the grid and are shown, not refused)
and is recorded field by field in the audit log, which is a deliverable's sign-off history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from plansmith.analytics.team_checks import skill_gaps, team_diagnostics
from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.errors import Invalid, NotFound
from plansmith.io.plan_file import LoadedPlan, load_plan_spec
from plansmith.io.plan_schema import PlanSpec
from plansmith.io.plan_writer import spec_document
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.team_schema import SignOffSpec, TeamSections
from plansmith.services import plan_cache
from plansmith.services.access import Action
from plansmith.services.audit import project_history, record_changes
from plansmith.services.items import check_version
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.storage.plans import now, stored_document

EDITABLE = ("roles", "deliverables", "raci", "certifications", "training", "team_rules")


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {**diagnostic_to_json(d), "path": list(d.path)}


def _loaded(session: Session, project: t.Project) -> LoadedPlan:
    return plan_cache.scheduled(session, project).outcome.plan


def team_view(
    session: Session, user: t.User, key: str, today: date | None = None
) -> dict[str, Any]:
    """Everything the Team page and ``GET /team`` show, checks included."""
    project = find_project(session, user, key, Action.READ_PLAN)
    plan = _loaded(session, project)
    spec = plan.spec
    model = plan.project
    if spec is None or model is None:
        return {
            "project": project.key,
            "version": project.version,
            "ok": False,
            "diagnostics": [_diagnostic(d) for d in plan.diagnostics],
        }
    as_of = today or model.status_date or date.today()
    problems = [plan.source.place(d) for d in team_diagnostics(model, as_of)]
    names = {r.id: r.name for r in model.resources}
    tasks = {task.id: task for task in model.tasks}
    deliverables = [spec_document(d) for d in spec.deliverables]
    items = [{"id": d["id"], "name": d["name"], "kind": "deliverable"} for d in deliverables]
    items += [
        {"id": item, "name": tasks[item].name, "kind": "task"}
        for item in spec.raci
        if item in tasks and item not in {d["id"] for d in deliverables}
    ]
    people = [r for r in model.resources if r.kind.value == "person"]
    parties = [{"id": r.id, "name": r.name, "kind": "person"} for r in people]
    parties += [{"id": r.id, "name": r.name, "kind": "role"} for r in model.team.roles]
    levels: dict[str, dict[str, int]] = {}
    for held in model.team.skills:
        mine = levels.setdefault(held.resource, {})
        mine[held.skill] = max(mine.get(held.skill, 0), held.level)
    skills = sorted(
        {held.skill for held in model.team.skills}
        | {need.skill for need in model.team.requirements}
    )
    expiry = {(c.resource, c.name): c.expires for c in model.team.certifications}
    return {
        "project": project.key,
        "version": project.version,
        "ok": True,
        "as_of": as_of.isoformat(),
        "roles": [spec_document(r) for r in spec.roles],
        "deliverables": deliverables,
        "raci": {
            "items": items,
            "parties": parties,
            "cells": {item: dict(row) for item, row in spec.raci.items()},
        },
        "skills": {
            "skills": skills,
            "people": [
                {"id": r.id, "name": names[r.id], "levels": levels.get(r.id, {})} for r in people
            ],
        },
        "certifications": [
            {**spec_document(c), "state": _state(expiry[(c.resource, c.name)], as_of, model)}
            for c in spec.certifications
        ],
        "training": [spec_document(c) for c in spec.training],
        "gaps": [
            {
                "task": gap.requirement.task,
                "skill": gap.requirement.skill,
                "level": gap.requirement.level,
                "assigned": list(gap.assigned),
                "best": gap.best,
                "training": [c.course for c in gap.training],
            }
            for gap in skill_gaps(model)
        ],
        "rules": spec_document(spec.team_rules) if spec.team_rules is not None else {},
        "diagnostics": [_diagnostic(d) for d in problems],
    }


def _state(expires: date | None, as_of: date, model: Any) -> str:
    if expires is None:
        return "valid"
    if expires < as_of:
        return "expired"
    notice = model.team.certification_notice
    return "expiring" if (expires - as_of).days <= notice else "valid"


def replace_section(
    session: Session,
    user: t.User,
    key: str,
    section: str,
    value: Any,
    if_match: int | None,
    *,
    entity: str = "team",
    entity_key: str | None = None,
) -> dict[str, Any]:
    """Set one team section (``value`` as the plan file writes it; None or empty removes it)."""
    if section not in EDITABLE:
        raise NotFound(f"no team section '{section}'", code="not_found")
    project = find_project(session, user, key, Action.EDIT_PLAN)
    check_version(project, if_match)
    try:
        checked = TeamSections.model_validate({section: value} if value is not None else {})
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the {section} are not valid: {problems[0].message}", diagnostics=problems
        ) from None
    new = spec_document(checked).get(section)
    document = stored_document(session, project)
    before = document.get(section)
    if new is None:
        document.pop(section, None)
    else:
        document[section] = new
    _refuse_team_errors(project, document)
    spec = {k: v for k, v in project.spec.items() if k != section}
    project.spec = spec if new is None else {**spec, section: new}
    project.updated_at = now()
    session.flush()
    record_changes(
        session,
        user,
        project,
        entity,
        project.id,
        entity_key or section,
        _keyed(before, entity_key),
        _keyed(new, entity_key),
    )
    return team_view(session, user, key)


def _keyed(value: Any, entity_key: str | None) -> dict[str, Any]:
    """What the audit log compares: one deliverable's document, or the whole section."""
    if entity_key is None:
        return {"value": value} if value is not None else {}
    found = [d for d in value or [] if d.get("id") == entity_key]
    return found[0] if found else {}


def _refuse_team_errors(project: t.Project, document: dict[str, Any]) -> None:
    try:
        spec = PlanSpec.model_validate(document)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the plan is not valid: {problems[0].message}", diagnostics=problems
        ) from None
    plan = load_plan_spec(spec, f"{project.key}.yaml")
    if plan.project is None:
        raise Invalid("the plan is not valid", diagnostics=tuple(plan.diagnostics))
    errors = [d for d in team_diagnostics(plan.project, date.today()) if d.is_error]
    if has_errors(errors):
        raise Invalid(errors[0].message, code=errors[0].code, diagnostics=tuple(errors))


def set_raci_cell(
    session: Session,
    user: t.User,
    key: str,
    item: str,
    party: str,
    letters: str,
    if_match: int | None,
) -> dict[str, Any]:
    """One cell of the grid; empty ``letters`` clears it (and a row left empty goes)."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    raci = {i: dict(row) for i, row in project.spec.get("raci", {}).items()}
    row = raci.setdefault(item, {})
    if letters.strip():
        row[party] = letters
    else:
        row.pop(party, None)
    raci = {i: r for i, r in raci.items() if r}
    return replace_section(session, user, key, "raci", raci or None, if_match)


def save_deliverable(
    session: Session, user: t.User, key: str, document: dict[str, Any], if_match: int | None
) -> dict[str, Any]:
    """Create or replace one deliverable (by its id); sign-offs are kept unless given."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    ident = document.get("id")
    current = list(project.spec.get("deliverables", []))
    old = next((d for d in current if d.get("id") == ident), None)
    if old is not None and "signoffs" not in document and old.get("signoffs"):
        document = {**document, "signoffs": old["signoffs"]}
    updated = [document if d is old else d for d in current] if old else [*current, document]
    return _deliverables(session, user, key, updated, if_match, str(ident))


def delete_deliverable(
    session: Session, user: t.User, key: str, ident: str, if_match: int | None
) -> None:
    """The deliverable and its RACI row go together (a row naming nothing is an error)."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    check_version(project, if_match)
    current = list(project.spec.get("deliverables", []))
    kept = [d for d in current if d.get("id") != ident]
    if len(kept) == len(current):
        raise NotFound(f"no deliverable '{ident}' here", code="not_found")
    raci = {i: r for i, r in project.spec.get("raci", {}).items() if i != ident}
    spec = {k: v for k, v in project.spec.items() if k != "raci"}
    project.spec = {**spec, "raci": raci} if raci else spec
    _deliverables(session, user, key, kept, if_match, ident)


def sign_off(
    session: Session,
    user: t.User,
    key: str,
    ident: str,
    body: dict[str, Any],
    if_match: int | None,
) -> dict[str, Any]:
    """Record a named stakeholder's decision on a deliverable: a new entry in its sign-offs
    (never replacing an older one) and the status it decides; the audit log says who recorded
    it and when."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    try:
        decision = SignOffSpec.model_validate({"date": date.today().isoformat(), **body})
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the sign-off is not valid: {problems[0].message}", diagnostics=problems
        ) from None
    current = list(project.spec.get("deliverables", []))
    old = next((d for d in current if d.get("id") == ident), None)
    if old is None:
        raise NotFound(f"no deliverable '{ident}' here", code="not_found")
    new = {
        **old,
        "status": decision.decision,
        "signoffs": [*old.get("signoffs", []), spec_document(decision)],
    }
    updated = [new if d is old else d for d in current]
    _deliverables(session, user, key, updated, if_match, ident)
    return _deliverable(session, user, key, ident)


def _deliverables(
    session: Session,
    user: t.User,
    key: str,
    value: list[dict[str, Any]],
    if_match: int | None,
    ident: str,
) -> dict[str, Any]:
    return replace_section(
        session,
        user,
        key,
        "deliverables",
        value or None,
        if_match,
        entity="deliverable",
        entity_key=ident,
    )


def _deliverable(session: Session, user: t.User, key: str, ident: str) -> dict[str, Any]:
    view = team_view(session, user, key)
    for d in view.get("deliverables", []):
        if d["id"] == ident:
            return {**d, "version": view["version"]}
    raise NotFound(f"no deliverable '{ident}' here", code="not_found")


def deliverable(session: Session, user: t.User, key: str, ident: str) -> dict[str, Any]:
    return _deliverable(session, user, key, ident)


def deliverable_history(
    session: Session, user: t.User, key: str, ident: str
) -> list[dict[str, Any]]:
    """Every recorded change of the deliverable, sign-offs included, newest first."""
    project = find_project(session, user, key, Action.READ_PLAN)
    entries, _ = project_history(session, user, project, entity="deliverable", key=ident, limit=500)
    return entries
