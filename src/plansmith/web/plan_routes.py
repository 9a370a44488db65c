"""The plan page's changes: a task's row form (htmx), new tasks, moves in the tree, and dates
dragged on the Gantt chart.

A change that stands answers with the whole plan body (table and chart data), because one
change reschedules dates everywhere; the view comes from the schedule the change was checked
with, so it costs no second schedule. A dragged bar is the exception: plan.js asks for JSON,
and gets only the rows and bars that changed (see :func:`_changes`). A refused change answers
422 (or 409 for a stale version) with the form again, each message next to its field; other
refusals (403, 404, CSRF) go to the app's error page, which plan.js shows as a message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from plansmith.errors import Conflict, Invalid, ServiceError
from plansmith.services.access import Action
from plansmith.services.plan_dates import change_dates
from plansmith.services.plan_edit import TaskChange, edit_task
from plansmith.services.plan_tree import Move, add_task, move_task
from plansmith.services.plan_view import PlanView, TaskValues, plan_view, task_values
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import TEMPLATES, page_context, render

router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("name", "duration", "start", "after", "resources", "progress")
MOVED = {"indent": "indented", "outdent": "outdented", "up": "moved up", "down": "moved down"}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    value: str
    error: str = ""
    hint: str = ""
    type: str = "text"


def _body(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    view: PlanView,
    message: str = "",
    task: str = "",
) -> HTMLResponse:
    """The plan body in place of whatever asked for it (a row form, the add form), naming the
    task changed (X-Plan-Task), which the page selects."""
    context = {**page_context(session, user, project), "view": view, "message": message}
    response = render(request, "plan_body.html", context)
    response.headers["HX-Retarget"] = "#plan-body"
    response.headers["HX-Reswap"] = "outerHTML"
    if task:
        response.headers["X-Plan-Task"] = task
    return response


def _problems(exc: ServiceError, fields: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Messages by form field (a diagnostic's path names it), and the message for the form as
    a whole: the refusal's own when no field has one, else what no field could take."""
    by_field: dict[str, str] = {}
    rest = []
    for d in exc.diagnostics:
        name = d.path[-1] if d.path else None
        if isinstance(name, str) and name in fields:
            by_field.setdefault(name, d.message)
        else:
            rest.append(d.message)
    return by_field, "; ".join(rest) if by_field else exc.message


def _form_fields(
    values: TaskValues, submitted: dict[str, str], errors: dict[str, str]
) -> list[FormField]:
    def field(name: str, label: str, value: str, **more: str) -> FormField:
        return FormField(name, label, submitted.get(name, value), errors.get(name, ""), **more)

    if values.editable != "plan":
        return [field("progress", "% complete", values.progress, type="number")]
    fields = [field("name", "Name", values.name)]
    if not values.summary and not values.milestone:
        label = "Work (effort)" if values.effort else "Duration"
        fields.append(field("duration", label, values.duration, hint="e.g. 3d, 4h, 90min"))
    label = "Starts on" if values.fixed_start else "Not before"
    fields.append(field("start", label, values.start, hint="YYYY-MM-DD"))
    fields.append(field("after", "After", values.after, hint="task ids, comma-separated"))
    if not values.summary:
        hint = "resource ids, comma-separated"
        fields.append(field("resources", "Who", values.resources, hint=hint))
        fields.append(field("progress", "% complete", values.progress, type="number"))
    return fields


def _row_form(
    request: Request,
    values: TaskValues,
    project: t.Project,
    *,
    submitted: dict[str, str] | None = None,
    error: ServiceError | None = None,
    focus: str = "",
) -> HTMLResponse:
    errors, message = _problems(error, FORM_FIELDS) if error is not None else ({}, "")
    context = {
        "project": project,
        "values": values,
        "fields": _form_fields(values, submitted or {}, errors),
        "message": message,
        "code": error.code if error is not None else "",
        "focus": focus,
    }
    status = error.status if error is not None else 200
    return render(request, "plan_row_form.html", context, status_code=status)


@router.get("/projects/{key}/plan-body", response_class=HTMLResponse)
def plan_body(request: Request, key: str, session: PageSession, user: PageUser) -> HTMLResponse:
    """The body alone: what plan.js asks for to show the plan as stored after a refusal."""
    project = find_project(session, user, key, Action.READ_PLAN)
    return _body(request, session, user, project, plan_view(session, user, project))


@router.get("/projects/{key}/tasks/{task}/edit", response_class=HTMLResponse)
def row_form(
    request: Request, key: str, task: str, session: PageSession, user: PageUser, focus: str = ""
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    values = task_values(session, user, project, task)
    return _row_form(request, values, project, focus=focus if focus in FORM_FIELDS else "")


@router.post("/projects/{key}/tasks/{task}/dates", dependencies=[CsrfChecked])
async def drag_dates(
    request: Request, key: str, task: str, session: PageSession, user: PageUser
) -> Response:
    """A bar dragged on the chart: JSON ``{start, end, version}`` (or the same as a form).
    Answers JSON (a refusal as ``{code, message}``), or for htmx the plan body (a refusal as
    the page's status line)."""
    body: dict[str, Any]
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        body = body if isinstance(body, dict) else {}
    else:
        body = dict(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    try:
        done = change_dates(
            session,
            user,
            project,
            task,
            str(body.get("start", "")),
            str(body.get("end", "")),
            _version(body.get("version")),
        )
    except (Invalid, Conflict) as exc:
        if request.headers.get("hx-request"):
            return _message(request, exc)
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)
    if request.headers.get("hx-request"):
        return _body(request, session, user, project, done.view, done.message, task)
    row = done.view.row(task)
    return JSONResponse(
        {
            "task": task,
            "start": row.start if row else None,
            "finish": row.finish if row else None,
            "duration": row.duration if row else None,
            "version": row.version if row else None,
            "message": done.message,
            "changes": _changes(done.view, done.before, project),
        }
    )


def _changes(view: PlanView, before: PlanView | None, project: t.Project) -> dict[str, Any] | None:
    """What a dragged bar changed, for plan.js to put in place of the old: the rescheduled
    tasks' table rows (rendered by the table's own macro) and chart bars, and the plan's
    dates and diagnostics. A drag usually moves a few tasks of thousands, so this is a small
    fraction of the whole plan body. None when the rows are not the same tasks as before."""
    changed = view.changes_from(before) if before is not None else None
    if changed is None:
        return None
    row = getattr(TEMPLATES.env.get_template("plan_row.html").make_module(), "row")  # noqa: B009
    summary = TEMPLATES.env.get_template("plan_summary.html")
    return {
        "rows": {view.rows[i].id: str(row(view.rows[i])) for i in changed},
        "bars": [view.gantt[i] for i in changed],
        "summary": summary.render(view=view, project=project),
    }


@router.post("/projects/{key}/tasks/{task}/{how}", dependencies=[CsrfChecked])
async def move(
    request: Request, key: str, task: str, how: Move, session: PageSession, user: PageUser
) -> Response:
    form = await request.form()
    project = find_project(session, user, key, Action.READ_PLAN)
    try:
        view = move_task(session, user, project, task, how, _version(form.get("version")))
    except (Invalid, Conflict) as exc:
        return _message(request, exc)
    return _body(request, session, user, project, view, f"'{task}' {MOVED[how]}", task)


@router.post("/projects/{key}/tasks/{task}", dependencies=[CsrfChecked])
async def save_row(
    request: Request, key: str, task: str, session: PageSession, user: PageUser
) -> Response:
    form = await request.form()
    submitted = {name: str(form[name]) for name in FORM_FIELDS if name in form}
    project = find_project(session, user, key, Action.READ_PLAN)
    try:
        view = edit_task(
            session, user, project, task, TaskChange(**submitted), _version(form.get("version"))
        )
    except Invalid as exc:
        values = task_values(session, user, project, task)
        version = _version(form.get("version")) or values.version
        kept = replace(values, version=version)  # nothing was saved: theirs is current
        return _row_form(request, kept, project, submitted=submitted, error=exc)
    except Conflict as exc:  # show the task as it is now, to reapply the change on
        values = task_values(session, user, project, task)
        return _row_form(request, values, project, error=exc)
    return _body(request, session, user, project, view, f"Saved '{task}'", task)


@router.post("/projects/{key}/tasks", dependencies=[CsrfChecked])
async def add(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    form = await request.form()
    name, duration = str(form.get("name", "")), str(form.get("duration", "") or "1d")
    parent = str(form.get("selected", "")) if form.get("child") else ""
    project = find_project(session, user, key, Action.READ_PLAN)
    try:
        new, view = add_task(session, user, project, name, duration, parent or None)
    except (Invalid, Conflict) as exc:
        errors, message = _problems(exc, ("name", "duration"))
        context = {
            "project": project,
            "add": {"name": name, "duration": duration, "child": bool(parent)},
            "errors": errors,
            "message": message,
        }
        response = render(request, "plan_add_form.html", context, status_code=exc.status)
        response.headers["HX-Retarget"] = "#add-task"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return _body(request, session, user, project, view, f"Added '{new}'", new)


def _message(request: Request, exc: ServiceError) -> HTMLResponse:
    response = render(
        request, "plan_message.html", {"error": exc, "message": exc.message}, exc.status
    )
    response.headers["HX-Retarget"] = "#plan-message"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _version(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
