"""The Proposals page (the pipeline as a board, scoring, intake, decisions), the Evaluations
pages (the decision matrix, editable, with each option's cost-benefit figures and the
recommendation) and a project's Inventory page (systems, checks, renewals, maintenance).

Forms post as plain HTML forms with the CSRF token; a change that stands redirects back to its
page (303), a refused one shows the page again with the service's message. The pipeline's
buttons post with htmx and swap the board in place. What a button offers follows the caller's
rights, but the services decide (see services/proposals.py and services/evaluations.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from plansmith.analytics.scoring import MOVES, Stage
from plansmith.errors import ServiceError
from plansmith.services import evaluations, inventory, proposals
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
STAGES = (Stage.DRAFT, Stage.UNDER_REVIEW, Stage.APPROVED, Stage.REJECTED)
PROPOSAL_NUMBERS = ("cost", "running_cost", "benefit")
WINDOW_DAYS = 60  # how far ahead the Inventory page lists maintenance windows
SYSTEM_FIELDS = (
    "id", "name", "type", "vendor", "version", "environment", "owner", "renewal",
    "renewal_cost", "warranty_end", "end_of_life", "support_contract",
)  # fmt: skip


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {
        k: v.strip()
        for k, v in form.items()
        if isinstance(v, str) and k != "csrf_token" and v.strip()
    }


def _number(text: str) -> Decimal | str:
    """A form's number as a Decimal (the schema reads it), or the text for the schema to
    refuse with its own code."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


# Proposals -------------------------------------------------------------------------------------


def _moves(user: t.User, proposal: dict[str, Any]) -> list[tuple[str, str]]:
    """The buttons this user gets on a card: (target stage, label)."""
    stage = Stage(proposal["status"])
    mine = proposal.get("submitted_by") == user.email
    labels = {
        (Stage.DRAFT, Stage.UNDER_REVIEW): "Submit for review",
        (Stage.UNDER_REVIEW, Stage.DRAFT): "Send back",
        (Stage.UNDER_REVIEW, Stage.REJECTED): "Reject",
        (Stage.REJECTED, Stage.DRAFT): "Rework",
    }
    authors = {(Stage.DRAFT, Stage.UNDER_REVIEW), (Stage.REJECTED, Stage.DRAFT)}
    return [
        (target.value, labels[stage, target])
        for target in sorted(MOVES[stage], key=STAGES.index)
        if (stage, target) in labels and (user.is_admin or (mine and (stage, target) in authors))
    ]


def pipeline(session: Session) -> list[tuple[Stage, list[dict[str, Any]]]]:
    """The board's columns: each stage with its proposals (the page and its download)."""
    listed = proposals.list_proposals(session)
    return [(stage, [p for p in listed if p["status"] == stage.value]) for stage in STAGES]


def _proposals_context(session: Session, user: t.User) -> dict[str, Any]:
    columns = pipeline(session)
    for _, cards in columns:
        for proposal in cards:
            proposal["moves"] = _moves(user, proposal)
    model, _ = proposals.scoring(session)
    return {
        **page_context(session, user),
        "active": "proposals",
        "columns": columns,
        "criteria": model.criteria,
        "scale": model.scale,
        "is_admin": user.is_admin,
    }


def _proposals_page(
    request: Request, session: Session, user: t.User, *, error: ServiceError | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    context = {**_proposals_context(session, user), "error": error, "form": form or {}}
    return render(request, "proposals.html", context, status_code=error.status if error else 200)


@router.get("/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    return _proposals_page(request, session, user)


@router.post("/proposals", dependencies=[CsrfChecked])
async def submit_proposal(request: Request, session: PageSession, user: PageUser) -> Response:
    values = await _form(request)
    scores = {k[6:]: _number(v) for k, v in values.items() if k.startswith("score-")}
    body: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith("score-")}
    body.update({k: _number(body[k]) for k in PROPOSAL_NUMBERS if k in body})
    if "years" in body and body["years"].isdigit():
        body["years"] = int(body["years"])
    if "objectives" in body:
        body["objectives"] = [line.strip() for line in body["objectives"].splitlines() if line]
    body["scores"] = scores
    try:
        with session.begin_nested():
            proposals.create_proposal(session, user, body)
    except ServiceError as exc:
        return _proposals_page(request, session, user, error=exc, form=values)
    return RedirectResponse("/proposals", status_code=303)


@router.post("/proposals/{key}/move", dependencies=[CsrfChecked])
async def move_proposal(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    """A pipeline button; with htmx the board comes back in place."""
    values = await _form(request)
    version = int(values["version"]) if values.get("version", "").isdigit() else None
    error = None
    try:
        with session.begin_nested():
            if values.get("to") == Stage.APPROVED.value:
                choice: dict[str, Any] = {k: values[k] for k in ("project", "start") if k in values}
                proposals.approve(session, user, key, choice, version)
            else:
                proposals.transition(session, user, key, values.get("to", ""), version)
    except ServiceError as exc:
        error = exc
    if request.headers.get("hx-request"):
        context = {**_proposals_context(session, user), "error": error}
        return render(request, "proposals_board.html", context)
    if error is not None:
        return _proposals_page(request, session, user, error=error)
    return RedirectResponse("/proposals", status_code=303)


# Evaluations -----------------------------------------------------------------------------------


@router.get("/evaluations", response_class=HTMLResponse)
def evaluations_page(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    listed = analysed_evaluations(session)
    context = {**page_context(session, user), "active": "evaluations", "evaluations": listed}
    return render(request, "evaluations.html", context)


def analysed_evaluations(session: Session) -> list[dict[str, Any]]:
    """Every evaluation with its analysis (the list page and its download)."""
    return [
        {**e, "analysis": evaluations.analysis(session, e["id"])}
        for e in evaluations.list_evaluations(session)
    ]


def _evaluation_page(
    request: Request, session: Session, user: t.User, key: str, error: ServiceError | None = None
) -> HTMLResponse:
    item = evaluations.get_evaluation(session, key)
    context = {
        **page_context(session, user),
        "active": "evaluations",
        "evaluation": item.document,
        "version": item.version,
        "analysis": evaluations.analysis(session, key),
        "error": error,
    }
    return render(request, "evaluation.html", context, status_code=error.status if error else 200)


@router.get("/evaluations/{key}", response_class=HTMLResponse)
def evaluation_page(
    request: Request, key: str, session: PageSession, user: PageUser
) -> HTMLResponse:
    return _evaluation_page(request, session, user, key)


@router.post("/evaluations/{key}/matrix", dependencies=[CsrfChecked])
async def save_matrix(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    """The matrix form: ``weight-<criterion>`` and ``score-<option>-<criterion>`` fields."""
    values = await _form(request)
    document = evaluations.get_evaluation(session, key).document
    criteria = [
        {**c, "weight": _number(values.get(f"weight-{c['id']}", str(c["weight"])))}
        for c in document.get("criteria", [])
    ]
    options = []
    for option in document["options"]:
        scores = {
            c["id"]: _number(values[f"score-{option['id']}-{c['id']}"])
            for c in criteria
            if values.get(f"score-{option['id']}-{c['id']}")
        }
        options.append({**option, "scores": scores})
    version = int(values["version"]) if values.get("version", "").isdigit() else None
    return _saved(request, session, user, key, {"criteria": criteria, "options": options}, version)


@router.post("/evaluations/{key}/recommendation", dependencies=[CsrfChecked])
async def save_recommendation(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    values = await _form(request)
    version = int(values.pop("version")) if values.get("version", "").isdigit() else None
    choice = {k: v for k, v in values.items() if k in ("option", "rationale", "decided_by", "date")}
    return _saved(request, session, user, key, {"recommendation": choice}, version)


@router.post("/evaluations/{key}/apply", dependencies=[CsrfChecked])
async def apply_evaluation(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    """The recommended option's budget lines and system into the project named in the form."""
    project = (await _form(request)).get("project", "")
    try:
        with session.begin_nested():
            evaluations.apply(session, user, project, key)
    except ServiceError as exc:
        return _evaluation_page(request, session, user, key, exc)
    return RedirectResponse(f"/projects/{project}/inventory", status_code=303)


def _saved(
    request: Request, session: Session, user: t.User, key: str, patch: dict[str, Any],
    version: int | None,
) -> Response:  # fmt: skip
    try:
        with session.begin_nested():
            evaluations.update_evaluation(session, user, key, patch, version)
    except ServiceError as exc:
        return _evaluation_page(request, session, user, key, exc)
    return RedirectResponse(f"/evaluations/{key}", status_code=303)


# Inventory -------------------------------------------------------------------------------------


def _inventory_page(
    request: Request, session: Session, user: t.User, project: t.Project, *,
    error: ServiceError | None = None, form: dict[str, Any] | None = None, notice: str = "",
) -> HTMLResponse:  # fmt: skip
    context = page_context(session, user, project)
    context.update(
        active="inventory",
        systems=inventory.list_systems(session, user, project.key),
        checks=inventory.checks(session, user, project.key),
        renewals=inventory.renewals(session, user, project.key),  # readers of the plan see money
        windows=windows_ahead(session, user, project.key),
        error=error,
        form=form or {"type": "software"},
        notice=notice,
        version=project.version,
    )
    return render(request, "inventory.html", context, status_code=error.status if error else 200)


def windows_ahead(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    """Maintenance windows and planned updates from today for WINDOW_DAYS (page, download)."""
    today = date.today()
    return inventory.maintenance(session, user, key, today, today + timedelta(WINDOW_DAYS))


@router.get("/projects/{key}/inventory", response_class=HTMLResponse)
def inventory_page(
    request: Request, key: str, session: PageSession, user: PageUser
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _inventory_page(request, session, user, project)


@router.post("/projects/{key}/inventory", dependencies=[CsrfChecked])
async def add_system(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    values = await _form(request)
    body: dict[str, Any] = {k: v for k, v in values.items() if k in SYSTEM_FIELDS}
    if "renewal_cost" in body:
        body["renewal_cost"] = _number(body["renewal_cost"])
    try:
        with session.begin_nested():
            inventory.create_system(session, user, key, body)
    except ServiceError as exc:
        return _inventory_page(request, session, user, project, error=exc, form=values)
    return RedirectResponse(f"/projects/{key}/inventory", status_code=303)


@router.post("/projects/{key}/inventory/renewal-tasks", dependencies=[CsrfChecked])
async def add_renewal_tasks(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    try:
        with session.begin_nested():
            made = inventory.add_renewal_tasks(session, user, key)
    except ServiceError as exc:
        return _inventory_page(request, session, user, project, error=exc)
    names = ", ".join(task["name"] for task in made) or "none needed"
    return _inventory_page(request, session, user, project, notice=f"Tasks added: {names}")
