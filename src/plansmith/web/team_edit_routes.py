"""The Team page's editors for deliverables, certifications, training and skill levels
(docs/web.md, "Team"): what the RACI grid and sign-offs in :mod:`team_routes` already had.

Every change goes through the service the API uses, so it is checked, versioned and audited
the same way: deliverables through ``team.save_deliverable`` and ``delete_deliverable``,
certifications and training through ``team.replace_section`` (the whole list with one entry
added, changed or left out, under the project's version, so an entry's place in the list is a
safe name for it), and a skill level through the shared pool's ``items.update_item`` on the
person's resource (skill levels live there, under the resource's own version). A refusal is
shown next to the field its diagnostic names, with its code; one that names no field (a stale
version, say) next to the form's button. Without JavaScript a form posts and the page comes
back whole; with htmx the editable part of the page is redrawn, so every other form on it
carries the new version too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.errors import Invalid, NotFound, ServiceError
from plansmith.services import items, team
from plansmith.services.access import Action
from plansmith.services.pool_kinds import RESOURCES
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import render
from plansmith.web.team_routes import Form, _attempt, _context, _form, _page, _version

router = APIRouter(include_in_schema=False)
P = "/projects/{key}/team"
DELIVERABLE_FIELDS = ("id", "name", "acceptance", "owner", "milestone", "status")
CERTIFICATION_FIELDS = ("resource", "name", "issued", "expires")
TRAINING_FIELDS = ("resource", "course", "start", "end", "cost")
SKILL_FIELDS = ("person", "skill", "level")
# A check across fields (a course ending before it starts) names the entry, not a field:
# it is said at the later date, which is the one to change.
LAST_DATE = {"certification": "expires", "training": "end"}
MISSING = re.compile(r"missing required key '(\w+)'")


def _field_of(d: Diagnostic, fields: tuple[str, ...], fallback: str | None) -> str | None:
    """The form field a diagnostic is about: the last name in its path that the form has
    (a missing key is named in its message, its path being the entry's)."""
    if d.code == "missing_key" and (found := MISSING.search(d.message)):
        return found.group(1) if found.group(1) in fields else None
    named = [part for part in d.path if isinstance(part, str) and part in fields]
    if named:
        return named[-1]
    if d.code == "invalid_value" and d.path and isinstance(d.path[-1], int):
        return fallback
    return None


def _refusal(
    exc: ServiceError, where: str, form: Form, fields: tuple[str, ...], fallback: str | None
) -> dict[str, Any]:
    """What the page shows about a refused change: its code and message, and by field the
    message and code of each diagnostic that names one (the rest at the form)."""
    first = exc.diagnostics[0] if exc.diagnostics else None
    by_field: dict[str, str] = {}
    codes: dict[str, str] = {}
    for d in exc.diagnostics:
        name = _field_of(d, fields, fallback)
        if name is not None and name not in by_field:
            by_field[name], codes[name] = d.message, d.code
    return {
        "where": where,
        "code": first.code if first is not None else exc.code,
        "message": first.message if first is not None else exc.message,
        "fields": by_field,
        "codes": codes,
        "form": form,
        "status": exc.status,
    }


def _missing(field: str, message: str) -> Invalid:
    """A required field left empty, said at that field (the schema would say it at the entry)."""
    missing = error("missing_key", message, None, (field,))
    return Invalid(missing.message, diagnostics=(missing,))


def _answer(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    change: Callable[[], object],
    refusal: Callable[[ServiceError], dict[str, Any]],
    anchor: str,
    refused: ServiceError | None = None,
) -> Response:
    """Try the change (unless already refused) and answer: the page again (a redirect to the
    section when saved, the whole page with the refusal when not) or, for htmx, the editable
    part with the same."""
    if refused is None:
        refused = _attempt(session, change)
    failed = refusal(refused) if refused is not None else None
    if request.headers.get("hx-request") != "true":
        if failed is None:
            return RedirectResponse(f"/projects/{project.key}/team#{anchor}", status_code=303)
        return _page(request, session, user, project, failed)
    context = _context(session, user, project, failed=failed)
    status = failed["status"] if failed else 200
    return render(request, "team_editable.html", context, status_code=status)


# Deliverables ------------------------------------------------------------------------------


def _deliverable(form: Form, ident: str) -> dict[str, Any]:
    """The deliverable's document from its form: acceptance criteria one per line, empty
    owner and milestone left out."""
    document: dict[str, Any] = {"id": ident, "name": form.get("name", "")}
    criteria = [line.strip() for line in form.get("acceptance", "").splitlines()]
    document["acceptance"] = [line for line in criteria if line]
    for name in ("owner", "milestone"):
        if form.get(name):
            document[name] = form[name]
    document["status"] = form.get("status") or "planned"
    return document


async def _save_deliverable(
    request: Request, key: str, ident: str | None, session: Session, user: t.User
) -> Response:
    form = _form(await request.form())
    project = find_project(session, user, key, Action.EDIT_PLAN)
    where = f"deliverable:{ident}" if ident is not None else "deliverable:new"
    name = ident if ident is not None else form.get("id", "")
    refused: ServiceError | None = None
    if not name:
        refused = _missing("id", "give the deliverable an id")
    elif not form.get("name"):
        refused = _missing("name", "give the deliverable a name")
    elif ident is None and any(d.get("id") == name for d in project.spec.get("deliverables", [])):
        taken = error("duplicate_id", f"id '{name}' is used twice", name, ("id",))
        refused = Invalid(taken.message, code=taken.code, diagnostics=(taken,))
    document = _deliverable(form, name)
    return _answer(
        request,
        session,
        user,
        project,
        lambda: team.save_deliverable(session, user, key, document, _version(form)),
        lambda exc: _refusal(exc, where, form, DELIVERABLE_FIELDS, None),
        f"deliverable-{name}" if ident is not None else "deliverables",
        refused,
    )


@router.post(f"{P}/deliverables", dependencies=[CsrfChecked])
async def add_deliverable(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    """A new deliverable; an id already used is refused (saving would replace that one)."""
    return await _save_deliverable(request, key, None, session, user)


@router.post(f"{P}/deliverables/{{ident}}", dependencies=[CsrfChecked])
async def edit_deliverable(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    """A deliverable's name, criteria, owner, milestone and status; its sign-offs are kept."""
    return await _save_deliverable(request, key, ident, session, user)


@router.post(f"{P}/deliverables/{{ident}}/delete", dependencies=[CsrfChecked])
async def delete_deliverable(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    """The deliverable and its RACI row (the service removes both)."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.EDIT_PLAN)
    return _answer(
        request,
        session,
        user,
        project,
        lambda: team.delete_deliverable(session, user, key, ident, _version(form)),
        lambda exc: _refusal(exc, f"deliverable:{ident}", form, DELIVERABLE_FIELDS, None),
        "deliverables",
    )


# Skills ------------------------------------------------------------------------------------


def _skill_change(
    session: Session, user: t.User, person: str, skill: str, level: int | None, version: int | None
) -> None:
    """Set (or, with no level, remove) one skill in the person's pool resource: names alone
    become level 1 each, as the plan reads them, so the skills become a mapping."""
    held = items.get_item(session, user, RESOURCES, None, person).document.get("skills") or {}
    levels = dict.fromkeys(held, 1) if isinstance(held, list) else dict(held)
    same = [name for name in levels if name.lower() == skill.lower()]  # compared without case
    for name in same:
        del levels[name]
    if level is not None:
        levels[skill] = level
    elif not same:
        raise Invalid(f"'{person}' has no skill '{skill}'", code="not_found")
    items.update_item(session, user, RESOURCES, None, person, {"skills": levels}, version)


async def _save_skill(
    request: Request, key: str, remove: bool, session: Session, user: t.User
) -> Response:
    form = _form(await request.form())
    project = find_project(session, user, key, Action.EDIT_PLAN)
    view = team.team_view(session, user, key)
    people = {p["id"]: p["levels"] for p in view.get("skills", {}).get("people", [])}
    person, skill, text = form.get("person", ""), form.get("skill", ""), form.get("level", "")
    held = remove and skill in people.get(person, {})
    # A refused removal is said at its cell; a cell the matrix lacks, at the set form.
    where = f"skill:remove:{person}:{skill}" if held else "skill:set"
    level = int(text) if text.isdigit() else None
    # The set form carries every person's version (the person is chosen in it); a cell's
    # remove form the one of its person.
    version = _version({"version": form.get(f"version-{person}", form.get("version", ""))})
    refused: ServiceError | None = None
    if person not in people:
        refused = _missing("person", "choose a person of this plan")
    elif not skill:
        refused = _missing("skill", "name the skill")
    elif not remove and (level is None or not 1 <= level <= 5):
        bad = error("invalid_value", "a level is a whole number from 1 to 5", None, ("level",))
        refused = Invalid(bad.message, diagnostics=(bad,))
    return _answer(
        request,
        session,
        user,
        project,
        lambda: _skill_change(session, user, person, skill, None if remove else level, version),
        lambda exc: _refusal(exc, where, form, SKILL_FIELDS, None),
        "skills",
        refused,
    )


@router.post(f"{P}/skills/set", dependencies=[CsrfChecked])
async def set_skill(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    """A person's level (1 to 5) in a skill, new or changed."""
    return await _save_skill(request, key, False, session, user)


@router.post(f"{P}/skills/remove", dependencies=[CsrfChecked])
async def remove_skill(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    return await _save_skill(request, key, True, session, user)


# Certifications and training -----------------------------------------------------------------


def _entry(form: Form, fields: tuple[str, ...], old: dict[str, Any]) -> Any:
    """An entry from its form: what the form has, over what the form does not show (a
    course's skill and level stay as they were)."""
    entry = {k: v for k, v in old.items() if k not in fields}
    entry.update({k: form[k] for k in fields if form.get(k)})
    return entry


async def _save_entry(
    request: Request,
    key: str,
    section: str,
    index: int | None,
    delete: bool,
    session: Session,
    user: t.User,
) -> Response:
    """Add (index None), change or delete one entry of ``certifications`` or ``training``."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.EDIT_PLAN)
    kind = "certification" if section == "certifications" else "training"
    fields = CERTIFICATION_FIELDS if kind == "certification" else TRAINING_FIELDS
    current = list(project.spec.get(section, []))
    where = f"{kind}:{index}" if index is not None else f"{kind}:new"
    refused: ServiceError | None = None
    if index is not None and not 0 <= index < len(current):
        refused = Invalid(f"no such {kind} here; reload the page", code="not_found")
        where, updated = f"{kind}:new", current  # no row to say it at: the add form's
    elif delete and index is not None:
        updated = current[:index] + current[index + 1 :]
    else:
        entry = _entry(form, fields, current[index] if index is not None else {})
        updated = [*current]
        if index is None:
            updated.append(entry)
        else:
            updated[index] = entry
    return _answer(
        request,
        session,
        user,
        project,
        lambda: team.replace_section(session, user, key, section, updated or None, _version(form)),
        lambda exc: _refusal(exc, where, form, fields, LAST_DATE[kind]),
        section,
        refused,
    )


def _index(text: str) -> int:
    """An entry's place from the URL; anything else is a place no list has."""
    return int(text) if text.isdigit() else -1


@router.post(f"{P}/{{section}}", dependencies=[CsrfChecked])
async def add_entry(
    request: Request, key: str, section: str, session: PageSession, user: PageUser
) -> Response:
    """A new certification or course, at the end of its list."""
    return await _save_entry(request, key, _section(section), None, False, session, user)


@router.post(f"{P}/{{section}}/{{n}}", dependencies=[CsrfChecked])
async def edit_entry(
    request: Request, key: str, section: str, n: str, session: PageSession, user: PageUser
) -> Response:
    """The ``n``-th certification or course (the place the page read it at)."""
    return await _save_entry(request, key, _section(section), _index(n), False, session, user)


@router.post(f"{P}/{{section}}/{{n}}/delete", dependencies=[CsrfChecked])
async def delete_entry(
    request: Request, key: str, section: str, n: str, session: PageSession, user: PageUser
) -> Response:
    return await _save_entry(request, key, _section(section), _index(n), True, session, user)


def _section(name: str) -> str:
    """Only the two lists these routes edit; any other name is no page."""
    if name not in ("certifications", "training"):
        raise NotFound(f"no team section '{name}' to edit here", code="not_found")
    return name
