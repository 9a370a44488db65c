"""The Team page of a project (the RACI grid, deliverables with sign-off and history, the
skills matrix, certifications, training and skill gaps) and the Workload page across the
projects the user may read (docs/team.md, docs/web.md).

Every change goes through :mod:`plansmith.services.team`, which checks the role and the
project's version and refuses a change that would make a team error; the refusal's code and
message are shown next to the cell or field they are about. A RACI cell saves on its own (htmx,
when the cell loses focus or Enter is pressed) and the answer redraws the editable part of the
page, so every form on it carries the project's new version; without JavaScript the same form
posts and the page comes back whole. Changes run in a savepoint, so a refusal leaves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import error
from plansmith.errors import Invalid, ServiceError
from plansmith.services import items, plan_cache, team, workload
from plansmith.services.access import Action
from plansmith.services.pool_kinds import RESOURCES
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
Form = dict[str, str]
SIGN_OFF_FIELDS = ("by", "date", "decision", "note")


def _form(raw: Any) -> Form:
    return {k: str(v).strip() for k, v in raw.items() if k != "csrf_token"}


def _version(form: Form) -> int | None:
    text = form.get("version", "")
    return int(text) if text.isdigit() else None


def _refusal(exc: ServiceError, where: str, form: Form) -> dict[str, Any]:
    """What the page shows about a refused change: its code (the first diagnostic's, which
    names the rule, else the service's), its message, and messages by form field."""
    first = exc.diagnostics[0] if exc.diagnostics else None
    fields: dict[str, str] = {}
    for d in exc.diagnostics:
        name = d.path[0] if d.path else None
        if isinstance(name, str) and name in SIGN_OFF_FIELDS:
            fields.setdefault(name, d.message)
    return {
        "where": where,
        "code": first.code if first is not None else exc.code,
        "message": first.message if first is not None else exc.message,
        "fields": fields,
        "form": form,
        "status": exc.status,
    }


def _attempt(session: Session, change: Callable[[], object]) -> ServiceError | None:
    try:
        with session.begin_nested():
            change()
    except ServiceError as exc:
        return exc
    return None


def _history_line(entry: dict[str, Any]) -> str:
    """One audit entry in words; a sign-off says who decided what, on which day."""
    if entry["action"] != "update":
        return f"{entry['action']}d"
    field, old, new = entry["field"], entry["old"], entry["new"]
    if field == "signoffs" and isinstance(new, list) and new:
        last = new[-1] if isinstance(new[-1], dict) else {}
        decision = last.get("decision", "accepted")
        note = f" ({last['note']})" if last.get("note") else ""
        return f"sign-off: {decision} by {last.get('by', '')} on {last.get('date', '')}{note}"
    return f"{field}: {old if old is not None else '—'} → {new if new is not None else '—'}"


def party_names(view: dict[str, Any]) -> dict[str, str]:
    """Each person's and role's name by id, as the page (and its downloads) name them."""
    return {p["id"]: p["name"] for p in view.get("raci", {}).get("parties", [])}


def deliverable_histories(
    session: Session, user: t.User, project: t.Project, view: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Each deliverable's audit entries, oldest first, each with its line in words."""
    return {
        d["id"]: [
            {**e, "text": _history_line(e)}
            for e in team.deliverable_history(session, user, project.key, d["id"])
        ]
        for d in view.get("deliverables", [])
    }


def task_dues(session: Session, project: t.Project) -> dict[str, tuple[str, str]]:
    """Each task's name and scheduled finish day (a deliverable is due at its milestone's)."""
    outcome = plan_cache.scheduled(session, project).outcome
    model, result = outcome.project, outcome.result
    if model is None:
        return {}
    if result is None:
        return {task.id: (task.name, "") for task in model.tasks}
    return {
        task.id: (task.name, f"{result.at(placed.finish):%Y-%m-%d}")
        for task, placed in zip(model.tasks, result.tasks, strict=True)
    }


def _context(
    session: Session,
    user: t.User,
    project: t.Project,
    view: dict[str, Any] | None = None,
    failed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    view = view if view is not None else team.team_view(session, user, project.key)
    if failed and failed["where"].startswith("cell:"):
        grid = view.get("raci", {})
        items = {i["id"] for i in grid.get("items", [])}
        parties = {p["id"] for p in grid.get("parties", [])}
        if failed["form"].get("item") not in items or failed["form"].get("party") not in parties:
            failed = {**failed, "where": "add"}  # no such cell to show it at: the add form's
    by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in view["diagnostics"]:
        by_subject[d.get("subject") or ""].append(d)
    return {
        **page_context(session, user, project),
        "active": "team",
        "view": view,
        "names": party_names(view),
        "checks": by_subject,
        "history": deliverable_histories(session, user, project, view),
        "dues": task_dues(session, project),
        "failed": failed or {},
        "today": date.today().isoformat(),
        "pool_versions": _pool_versions(session, user, view),
    }


def _pool_versions(session: Session, user: t.User, view: dict[str, Any]) -> dict[str, int]:
    """Each person's pool resource version: a skill level is saved in the resource, under its
    own version rather than the project's (team_edit_routes)."""
    people = view.get("skills", {}).get("people", [])
    return {
        p["id"]: items.get_item(session, user, RESOURCES, None, p["id"]).version for p in people
    }


def _page(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    failed: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = _context(session, user, project, failed=failed)
    status = failed["status"] if failed else 200
    return render(request, "team.html", context, status_code=status)


@router.get("/projects/{key}/team", response_class=HTMLResponse)
def team_page(request: Request, key: str, session: PageSession, user: PageUser) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _page(request, session, user, project)


@router.post("/projects/{key}/team/raci", dependencies=[CsrfChecked])
async def save_cell(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    """One cell of the grid (``where=add``: the form that adds a row or a cell)."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    item, party, letters = form.get("item", ""), form.get("party", ""), form.get("letters", "")
    where = "add" if form.get("where") == "add" else f"cell:{item}:{party}"
    if not item or not party:
        refused: ServiceError | None = Invalid("choose an item and a person or role")
    else:
        refused = _attempt(
            session,
            lambda: team.set_raci_cell(session, user, key, item, party, letters, _version(form)),
        )
    failed = _refusal(refused, where, form) if refused is not None else None
    if request.headers.get("hx-request") != "true":
        if failed is None:
            return RedirectResponse(f"/projects/{key}/team#raci", status_code=303)
        return _page(request, session, user, project, failed)
    context = _context(session, user, project, failed=failed)
    status = failed["status"] if failed else 200
    return render(request, "team_editable.html", context, status_code=status)


@router.post("/projects/{key}/team/deliverables/{ident}/sign-off", dependencies=[CsrfChecked])
async def sign_off(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    """A stakeholder's decision, recorded by a manager: who, on which day, accepted or not."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.EDIT_PLAN)
    body = {k: form[k] for k in SIGN_OFF_FIELDS if form.get(k)}
    refused: ServiceError | None
    if not body.get("by"):
        # The schema's missing_key points at the sign-off, not at its field: say it at "by".
        missing = error("missing_key", "name the stakeholder who decided", None, ("by",))
        refused = Invalid(missing.message, diagnostics=(missing,))
    else:
        refused = _attempt(
            session, lambda: team.sign_off(session, user, key, ident, body, _version(form))
        )
    if refused is None:
        return RedirectResponse(f"/projects/{key}/team#deliverable-{ident}", status_code=303)
    return _page(request, session, user, project, _refusal(refused, f"signoff:{ident}", form))


@router.get("/workload", response_class=HTMLResponse)
def workload_page(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    """Hours per person by month across every project the user may read."""
    view = workload.workload(session, user)
    projects, by_project = workload_by_project(view)
    context = {
        **page_context(session, user),
        "active": "workload",
        "view": view,
        "projects": projects,
        "by_project": by_project,
    }
    return render(request, "workload.html", context)


ByProject = list[tuple[dict[str, Any], str, dict[str, float]]]


def workload_by_project(view: dict[str, Any]) -> tuple[list[str], ByProject]:
    """The projects counted, and (person, project, hours by month) for each pair with hours:
    the "By project" table, for the page and its download alike."""
    projects = sorted(
        {key for person in view["people"] for month in person["projects"].values() for key in month}
    )
    rows = [
        (person, key, {m: by[key] for m, by in person["projects"].items() if key in by})
        for person in view["people"]
        for key in projects
    ]
    return projects, [(person, key, hours) for person, key, hours in rows if hours]
