"""The Meetings page of a project: meeting series and their next dates, a meeting's agenda,
attendees and minutes, the decision log with each decision's history, action items with "make
task", and the user's private calendar feed URLs.

Every form posts with the CSRF token and goes through the meeting services, which check the
role (members record, managers arrange; docs/meetings.md). A refused form is shown again with
each message next to its field; the change runs in a savepoint, so a refusal half-way (a task
made, its assignment refused) leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.errors import ServiceError
from plansmith.services import (
    calendar_feeds,
    meeting_ics,
    meeting_log,
    meeting_occurrences,
    meetings,
)
from plansmith.services.access import ALLOWED, Action, role_on
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
Form = dict[str, str]


def _form(raw: Any) -> Form:
    return {k: str(v) for k, v in raw.items() if k != "csrf_token"}


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _errors(exc: ServiceError) -> dict[str, str]:
    """Each message by the field it is about ("" for the form as a whole)."""
    out: dict[str, str] = {}
    for d in exc.diagnostics:
        field = str(d.path[0]) if d.path else ""
        out.setdefault(field, d.message)
    out.setdefault("", exc.message)
    return out


def _attempt(session: Session, change: Callable[[], object]) -> ServiceError | None:
    try:
        with session.begin_nested():
            change()
    except ServiceError as exc:
        return exc
    return None


def _version(form: Form) -> int | None:
    text = form.get("version", "")
    return int(text) if text.isdigit() else None


def _page(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    *,
    failed: str = "",
    errors: dict[str, str] | None = None,
    submitted: Form | None = None,
    new_feed: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    role = role_on(session, user, project.id)
    allowed = ALLOWED[role] if role is not None else frozenset()
    series = series_with_dates(session, user, project)
    team = session.scalars(
        select(t.Resource.key)
        .join(t.ProjectResource, t.ProjectResource.resource_id == t.Resource.id)
        .where(t.ProjectResource.project_id == project.id)
        .order_by(t.Resource.key)
    )
    context = {
        **page_context(session, user, project),
        "can_record": Action.RECORD_MEETINGS in allowed,
        "series": series,
        "decisions": meeting_log.list_decisions(session, user, project),
        "actions": meeting_log.list_actions(session, user, project),
        "team": list(team),
        "feeds": [
            f
            for f in calendar_feeds.list_feeds(session, user)
            if f["project"] in (None, project.key) and not f["revoked_at"]
        ],
        "new_feed": new_feed,
        "failed": failed,
        "errors": errors or {},
        "submitted": submitted or {},
        "kinds": meetings.KINDS,
        "statuses": meeting_log.STATUSES,
    }
    return render(request, "meetings.html", context, status_code=status_code)


NEXT_DATES = 6  # each series' dates the page lists (and its download holds)


def series_with_dates(session: Session, user: t.User, project: t.Project) -> list[dict[str, Any]]:
    """Every series with its next dates (recorded and cancelled ones among them)."""
    series = meetings.list_series(session, user, project)
    for item in series:
        item["dates"] = meeting_occurrences.list_occurrences(
            session, user, project, item["id"], count=NEXT_DATES
        )
    return series


def _done(key: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/projects/{key}/meetings#{anchor}", status_code=303)


@router.get("/projects/{key}/meetings", response_class=HTMLResponse)
def meetings_page(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _page(request, session, user, project)


async def _submit(
    request: Request,
    key: str,
    session: Session,
    user: t.User,
    name: str,
    change: Callable[[t.Project, Form], object],
) -> Response:
    """Run one form's change; on a refusal show the page again with the messages."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    failed = _attempt(session, lambda: change(project, form))
    if failed is None:
        return _done(key, name)
    return _page(
        request,
        session,
        user,
        project,
        failed=name,
        errors=_errors(failed),
        submitted=form,
        status_code=failed.status,
    )


@router.post("/projects/{key}/meetings/series", dependencies=[CsrfChecked])
async def add_series(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    def change(project: t.Project, form: Form) -> object:
        body: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
        body["attendees"] = _lines(form.get("attendees", ""))
        return meetings.create_series(session, user, project, body)

    return await _submit(request, key, session, user, "new-series", change)


@router.post("/projects/{key}/meetings/series/{series}/delete", dependencies=[CsrfChecked])
async def delete_series(
    request: Request, key: str, series: str, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        meetings.delete_series(session, user, project, series, _version(form))
        return None

    return await _submit(request, key, session, user, "series", change)


@router.post("/projects/{key}/meetings/series/{series}/record", dependencies=[CsrfChecked])
async def record_meeting(
    request: Request, key: str, series: str, session: PageSession, user: PageUser
) -> Response:
    """Record one of the series' dates (from its "Record" button): then edit its minutes."""
    form = _form(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    made: list[int] = []

    def change() -> None:
        body = {"start": form["start"]} if form.get("start") else {}
        made.append(
            meeting_occurrences.schedule_occurrence(session, user, project, series, body).id
        )

    failed = _attempt(session, change)
    if failed is not None:
        return _page(
            request, session, user, project, failed="series", errors=_errors(failed),
            status_code=failed.status,
        )  # fmt: skip
    return RedirectResponse(f"/projects/{key}/meetings/occurrences/{made[0]}", status_code=303)


@router.get("/projects/{key}/meetings/occurrences/{ident}", response_class=HTMLResponse)
def occurrence_page(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _occurrence(request, session, user, project, ident)


def _occurrence(
    request: Request,
    session: Session,
    user: t.User,
    project: t.Project,
    ident: str,
    errors: dict[str, str] | None = None,
    submitted: Form | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row, series = meeting_occurrences.get_occurrence(session, user, project, ident)
    role = role_on(session, user, project.id)
    context = {
        **page_context(session, user, project),
        "can_record": role is not None and Action.RECORD_MEETINGS in ALLOWED[role],
        "meeting": {
            **meeting_occurrences.occurrence_document(session, row, series),
            "version": row.version,
        },
        "errors": errors or {},
        "submitted": submitted or {},
    }
    return render(request, "meeting_occurrence.html", context, status_code=status_code)


@router.post("/projects/{key}/meetings/occurrences/{ident}", dependencies=[CsrfChecked])
async def save_occurrence(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    form = _form(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    patch: dict[str, Any] = {
        "start": form.get("start") or None,
        "location": form.get("location", ""),
        "agenda": form.get("agenda", ""),
        "minutes": form.get("minutes", ""),
        "attendees": _lines(form.get("attendees", "")),
        "cancelled": form.get("cancelled") == "on",
    }
    failed = _attempt(
        session,
        lambda: meeting_occurrences.update_occurrence(
            session, user, project, ident, patch, _version(form)
        ),
    )
    if failed is None:
        return RedirectResponse(f"/projects/{key}/meetings/occurrences/{ident}", status_code=303)
    return _occurrence(request, session, user, project, ident, _errors(failed), form, failed.status)


def _ics(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=meeting_ics.ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
    )


@router.get("/projects/{key}/meetings/occurrences/{ident}/invite.ics")
def occurrence_invitation(key: str, ident: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    data = meeting_ics.occurrence_invitation(session, user, project, ident)
    return _ics(data, f"meeting-{ident}")


@router.get("/projects/{key}/meetings/series/{series}/invite.ics")
def series_invitation(key: str, series: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    return _ics(meeting_ics.series_invitation(session, user, project, series), series)


# The decision log -----------------------------------------------------------------------------


@router.post("/projects/{key}/meetings/decisions", dependencies=[CsrfChecked])
async def add_decision(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        body: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
        return meeting_log.create_decision(session, user, project, body)

    return await _submit(request, key, session, user, "new-decision", change)


@router.post("/projects/{key}/meetings/decisions/{ident}", dependencies=[CsrfChecked])
async def change_decision(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        patch = {"status": form.get("status", "")}
        return meeting_log.update_decision(session, user, project, ident, patch, _version(form))

    return await _submit(request, key, session, user, "decisions", change)


@router.get("/projects/{key}/meetings/decisions/{ident}/history", response_class=HTMLResponse)
def decision_history(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> HTMLResponse:
    project = find_project(session, user, key, Action.READ_PLAN)
    entries = [
        {**e, "text": history_line(e)}
        for e in meeting_log.decision_history(session, user, project, ident)
    ]
    context = {"entries": entries, "project": project, "decision": ident}
    return render(request, "decision_history.html", context)


def history_line(entry: dict[str, Any]) -> str:
    """A decision's change in words (the history fragment and its download)."""
    if entry["action"] == "update":
        return f"{entry['field']}: {entry['old']} → {entry['new']}"
    return f"{entry['action']}d"


# Action items ---------------------------------------------------------------------------------


@router.post("/projects/{key}/meetings/actions", dependencies=[CsrfChecked])
async def add_action(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    def change(project: t.Project, form: Form) -> object:
        body: dict[str, Any] = {k: v for k, v in form.items() if v != ""}
        return meeting_log.create_action(session, user, project, body)

    return await _submit(request, key, session, user, "new-action", change)


@router.post("/projects/{key}/meetings/actions/{ident}/done", dependencies=[CsrfChecked])
async def action_done(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        patch = {"done": form.get("done") == "true"}
        return meeting_log.update_action(session, user, project, ident, patch, _version(form))

    return await _submit(request, key, session, user, "actions", change)


@router.post("/projects/{key}/meetings/actions/{ident}/make-task", dependencies=[CsrfChecked])
async def action_task(
    request: Request, key: str, ident: str, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        options = {"duration": form["duration"]} if form.get("duration") else {}
        return meeting_log.make_task(session, user, project, ident, options, _version(form))

    return await _submit(request, key, session, user, "actions", change)


# Calendar feeds -------------------------------------------------------------------------------


@router.post("/projects/{key}/meetings/feeds", dependencies=[CsrfChecked])
async def add_feed(request: Request, key: str, session: PageSession, user: PageUser) -> Response:
    form = _form(await request.form())
    project = find_project(session, user, key, Action.READ_PLAN)
    body = {"project": key} if form.get("scope") == "project" else {}
    made: list[str] = []
    failed = _attempt(
        session, lambda: made.append(calendar_feeds.create_feed(session, user, body)[1])
    )
    if failed is not None:
        return _page(
            request, session, user, project, failed="feeds", errors=_errors(failed),
            status_code=failed.status,
        )  # fmt: skip
    url = str(request.url_for("calendar_feed", token=made[0]))
    return _page(request, session, user, project, new_feed=url)


@router.post("/projects/{key}/meetings/feeds/{feed_id}/revoke", dependencies=[CsrfChecked])
async def revoke_feed(
    request: Request, key: str, feed_id: int, session: PageSession, user: PageUser
) -> Response:
    def change(project: t.Project, form: Form) -> object:
        calendar_feeds.revoke_feed(session, user, feed_id)
        return None

    return await _submit(request, key, session, user, "feeds", change)
