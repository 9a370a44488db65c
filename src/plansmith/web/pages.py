"""The web app's pages: server-rendered (Jinja2) with htmx for interaction, over the same
services as the API and the CLI.

Each page checks the caller's role through the services it calls, so a page shows only what
that role may see; changes go through forms and htmx requests guarded by the CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from plansmith.errors import ServiceError
from plansmith.services import accounts
from plansmith.services.access import ALLOWED, Action, role_on
from plansmith.services.accounts import SESSION_COOKIE
from plansmith.services.portfolios import find_project
from plansmith.web.deps import (
    CSRF_COOKIE,
    CsrfChecked,
    PageSession,
    PageUser,
    csrf_token,
    database_of,
    settings_of,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page with the CSRF token every form needs; sets the token's cookie on first visit."""
    token = csrf_token(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {**context, "csrf_token": token}, status_code=status_code
    )
    new = getattr(request.state, "new_csrf", None)
    if new is not None:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="strict",
            secure=settings_of(request).production,
        )
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "sign_in.html", {"next": _safe_next(next), "email": "", "error": None})


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def sign_in(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    client = request.client.host if request.client is not None else "unknown"
    settings = settings_of(request)
    try:
        _, token = accounts.sign_in(database_of(request), settings, email, password, client)
    except ServiceError as exc:
        context = {"next": target, "email": email, "error": exc.message, "code": exc.code}
        return render(request, "sign_in.html", context, status_code=exc.status)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **accounts.session_cookie(settings))
    return response


@router.post("/sign-out", dependencies=[CsrfChecked])
def sign_out(request: Request, session: PageSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(session, token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def page_context(session: Any, user: Any, project: Any = None) -> dict[str, Any]:
    """What the layout needs: the user, and on a project page what their role lets them do."""
    context: dict[str, Any] = {"user": user, "project": project}
    if project is not None:
        role = role_on(session, user, project.id)
        allowed = ALLOWED[role] if role is not None else frozenset()
        context["role"] = role.value if role is not None else None
        context["can_edit"] = Action.EDIT_PLAN in allowed
        context["can_read_plan"] = Action.READ_PLAN in allowed
    return context


@router.get("/projects/{key}", response_class=HTMLResponse)
def plan_page(request: Request, key: str, session: PageSession, user: PageUser) -> HTMLResponse:
    from plansmith.services.plan_view import plan_view

    project = find_project(session, user, key, Action.READ_PLAN)
    view = plan_view(session, user, project)
    return render(request, "plan.html", {**page_context(session, user, project), "view": view})


def sign_in_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={quote(next_url)}", status_code=303)


WBS_COLUMNS = (
    "WBS",
    "Id",
    "Task",
    "Duration",
    "Start",
    "Finish",
    "% complete",
    "After",
    "Who",
    "Critical",
    "Milestone",
    "Baseline start",
    "Baseline finish",
)


@router.get("/projects/{key}/tables/wbs.{fmt}")
def wbs_table(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    """The plan page's table, with the schedule's dates, as CSV or XLSX."""
    from plansmith.services.plan_view import plan_view
    from plansmith.web.downloads import Table, download

    project = find_project(session, user, key, Action.READ_PLAN)
    view = plan_view(session, user, project)
    rows = [
        (
            r.wbs,
            r.id,
            r.name,
            r.duration,
            r.start,
            r.finish,
            r.progress,
            ", ".join(r.links or r.predecessors),
            ", ".join(r.assigned or r.resources),
            "yes" if r.critical else "",
            "yes" if r.milestone else "",
            r.baseline_start or "",
            r.baseline_finish or "",
        )
        for r in view.rows
    ]
    return download(Table(f"{key}-wbs", WBS_COLUMNS, rows), fmt)


@router.post("/projects/{key}/status", dependencies=[CsrfChecked])
def record_status(key: str, session: PageSession, user: PageUser) -> Response:
    """Keep earned value at the status date (the money page's history), then show it."""
    from plansmith.services.project_actions import record_status as record

    record(session, user, key)
    return RedirectResponse(f"/projects/{key}/money", status_code=303)
