"""The Stakeholders page (the register and the power/interest grid) and the Communication page
(the communication plan and the delivery log), and the public unsubscribe page.

Forms post as plain HTML forms with the CSRF token: a change that stands redirects back to its
page (303), a refused one shows the page again (422 or 409) with each message next to its
field. Reading needs ``read_plan``; the forms are shown, and accepted, only for ``edit_plan``
(the services check, whatever the page shows).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from plansmith.analytics.cadence import Cadence
from plansmith.errors import ServiceError
from plansmith.reports.render import ReportFormat
from plansmith.services import comms_plan, delivery_log, stakeholders
from plansmith.services.access import Action
from plansmith.services.comms_plan import WEEKDAYS, ReportKind
from plansmith.services.portfolios import find_project
from plansmith.services.stakeholders import Channel
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
PERSON_FIELDS = stakeholders.FIELDS
ENTRY_FIELDS = (*comms_plan.FIELDS, "recipients")
NUMBERS = ("interest", "influence", "day", "hour")


def _problems(exc: ServiceError, fields: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Messages by form field (a diagnostic's path starts with it) and one for the form."""
    by_field: dict[str, str] = {}
    rest = []
    for d in exc.diagnostics:
        name = d.path[0] if d.path else None
        if isinstance(name, str) and name in fields:
            by_field.setdefault(name, d.message)
        else:
            rest.append(d.message)
    return by_field, "; ".join(rest) if by_field else exc.message


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {
        k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"
    }
    for name in NUMBERS:
        if name in values and values[name].lstrip("-").isdigit():
            values[name] = int(values[name])  # anything else: the schema says so by its field
    picked = form.getlist("recipients")
    values["recipients"] = [int(v) for v in picked if isinstance(v, str) and v.isdigit()]
    return values


def _version(values: dict[str, Any]) -> int | None:
    text = str(values.pop("version", ""))
    return int(text) if text.isdigit() else None


# Stakeholders ---------------------------------------------------------------------------------


def _stakeholders_page(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    *,
    edit: int | None = None,
    submitted: dict[str, Any] | None = None,
    error: ServiceError | None = None,
) -> HTMLResponse:
    context = page_context(session, user, project)
    people = stakeholders.list_stakeholders(session, user, project.key)
    editing = next((p for p in people if p["id"] == edit), None)
    errors, message = _problems(error, PERSON_FIELDS) if error is not None else ({}, "")
    if submitted is not None:
        form = submitted
    else:
        form = editing or {"interest": 3, "influence": 3, "channel": "email"}
    version = None
    if editing is not None:
        version = stakeholders.get_stakeholder(session, user, project.key, editing["id"]).version
    context.update(
        active="stakeholders",
        people=people,
        grid=stakeholders.power_interest_grid(session, user, project.key),
        editing=editing,
        version=version,
        form=form,
        errors=errors,
        message=message,
        channels=[c.value for c in Channel],
    )
    status = error.status if error is not None else 200
    return render(request, "stakeholders.html", context, status_code=status)


@router.get("/projects/{key}/stakeholders", response_class=HTMLResponse)
def stakeholders_page(
    request: Request, key: str, session: PageSession, user: PageUser, edit: int | None = None
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _stakeholders_page(request, session, user, project, edit=edit)


@router.post("/projects/{key}/stakeholders", dependencies=[CsrfChecked])
async def save_stakeholder(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    """A new stakeholder, or (with ``id`` and ``version``) a change to one."""
    project = find_project(session, user, key, Action.READ_PLAN)
    values = await _form(request)
    values.pop("recipients", None)
    ident = str(values.pop("id", ""))
    version = _version(values)
    body = {k: v for k, v in values.items() if k in PERSON_FIELDS}
    edit = int(ident) if ident.isdigit() else None
    try:
        with session.begin_nested():
            if edit is None:
                stakeholders.create_stakeholder(session, user, key, body)
            else:
                stakeholders.update_stakeholder(session, user, key, edit, body, version)
    except ServiceError as exc:
        return _stakeholders_page(
            request, session, user, project, edit=edit, submitted=body, error=exc
        )
    return RedirectResponse(f"/projects/{key}/stakeholders", status_code=303)


@router.post("/projects/{key}/stakeholders/{ident}/delete", dependencies=[CsrfChecked])
async def remove_stakeholder(
    request: Request, key: str, ident: int, session: PageSession, user: PageUser
) -> Response:
    values = await _form(request)
    stakeholders.delete_stakeholder(session, user, key, ident, _version(values))
    return RedirectResponse(f"/projects/{key}/stakeholders", status_code=303)


# The communication plan -------------------------------------------------------------------------

LOG_SHOWN = 50  # the delivery log's latest entries on the page (and in its download)


def when_sent(entry: dict[str, Any]) -> str:
    """An entry's schedule in words, as the plan's table (and its download) shows it."""
    cadence, hour = entry["cadence"], f", {entry.get('hour', 0):02d}:00"
    if cadence == "weekly":
        return f"every {entry['weekday']}{hour}"
    if cadence == "biweekly":
        return f"every other {entry['weekday']}{hour}"
    if cadence == "monthly":
        return f"monthly on day {entry['day']}{hour}"
    return "at each milestone"


def plan_entries(
    session: Session, user: t.User, key: str, people: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The plan's entries with their recipients' names and schedule in words."""
    names = {p["id"]: p["name"] for p in people}
    return [
        {
            **e,
            "names": ", ".join(names[i] for i in e["recipients"] if i in names),
            "when": when_sent(e),
        }
        for e in comms_plan.list_entries(session, user, key)
    ]


def _communication_page(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    *,
    edit: int | None = None,
    submitted: dict[str, Any] | None = None,
    error: ServiceError | None = None,
    notice: str = "",
) -> HTMLResponse:
    context = page_context(session, user, project)
    people = stakeholders.list_stakeholders(session, user, project.key)
    entries = plan_entries(session, user, project.key, people)
    editing = next((e for e in entries if e["id"] == edit), None)
    errors, message = _problems(error, ENTRY_FIELDS) if error is not None else ({}, "")
    default = {"report": "status", "format": "pdf", "cadence": "weekly", "weekday": "mon"}
    form = submitted if submitted is not None else editing or {**default, "hour": 8, "day": 1}
    version = None
    if editing is not None:
        version = comms_plan.get_entry(session, user, project.key, editing["id"]).version
    log, total = delivery_log.list_deliveries(session, user, project.key, limit=LOG_SHOWN)
    context.update(
        active="communication",
        entries=entries,
        people=[p for p in people if p["email"]],
        editing=editing,
        version=version,
        form=form,
        errors=errors,
        message=message,
        notice=notice,
        log=log,
        log_total=total,
        reports=[k.value for k in ReportKind],
        formats=[f.value for f in ReportFormat],
        cadences=[c.value for c in Cadence],
        weekdays=WEEKDAYS,
    )
    status = error.status if error is not None else 200
    return render(request, "communication.html", context, status_code=status)


@router.get("/projects/{key}/communication", response_class=HTMLResponse)
def communication_page(
    request: Request,
    key: str,
    session: PageSession,
    user: PageUser,
    edit: int | None = None,
    sent: int | None = None,
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    notice = f"{sent} e-mail{'s' if sent != 1 else ''} queued." if sent is not None else ""
    return _communication_page(request, session, user, project, edit=edit, notice=notice)


@router.post("/projects/{key}/communication", dependencies=[CsrfChecked])
async def save_entry(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    values = await _form(request)
    ident = str(values.pop("id", ""))
    version = _version(values)
    body = {k: v for k, v in values.items() if k in ENTRY_FIELDS and v != ""}
    body["active"] = values.get("active") == "1"
    edit = int(ident) if ident.isdigit() else None
    try:
        with session.begin_nested():
            if edit is None:
                comms_plan.create_entry(session, user, key, body)
            else:
                comms_plan.update_entry(session, user, key, edit, body, version)
    except ServiceError as exc:
        return _communication_page(
            request, session, user, project, edit=edit, submitted=body, error=exc
        )
    return RedirectResponse(f"/projects/{key}/communication", status_code=303)


@router.post("/projects/{key}/communication/{ident}/delete", dependencies=[CsrfChecked])
async def remove_entry(
    request: Request, key: str, ident: int, session: PageSession, user: PageUser
) -> Response:
    values = await _form(request)
    comms_plan.delete_entry(session, user, key, ident, _version(values))
    return RedirectResponse(f"/projects/{key}/communication", status_code=303)


@router.post("/projects/{key}/communication/{ident}/send", dependencies=[CsrfChecked])
def send_entry(key: str, ident: int, session: PageSession, user: PageUser) -> Response:
    """Queued now; the delivery job sends them on its next run (within a minute)."""
    queued = delivery_log.send_now(session, user, key, ident)
    return RedirectResponse(f"/projects/{key}/communication?sent={len(queued)}", status_code=303)


# Unsubscribing (public) ---------------------------------------------------------------------------


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str, session: PageSession) -> HTMLResponse:
    """Asks to confirm: mail scanners open links, and must not unsubscribe anyone."""
    about = delivery_log.describe_token(session, token)
    context = {"user": None, "project": None, "about": about, "token": token, "done": False}
    return render(request, "unsubscribe.html", context)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def unsubscribe_confirmed(request: Request, token: str, session: PageSession) -> HTMLResponse:
    about = delivery_log.unsubscribe(session, token)
    context = {"user": None, "project": None, "about": about, "token": token, "done": True}
    return render(request, "unsubscribe.html", context)
