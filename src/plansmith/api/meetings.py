"""Meetings, occurrences (agenda, attendees, minutes), the decision log and action items of a
project, with ETags and If-Match as for plan items; invitations as .ics downloads.

The services check every caller's role (docs/meetings.md says which role may do what).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from plansmith.api.deps import CurrentUser, DbSession, IfMatch, etag
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.api.items import ItemOut
from plansmith.services import meeting_ics, meeting_log, meeting_occurrences, meetings
from plansmith.services.meeting_log import ActionIn, DecisionIn, TaskFromAction
from plansmith.services.meeting_occurrences import OccurrenceIn
from plansmith.services.meetings import SeriesIn
from plansmith.services.portfolios import project_named

router = APIRouter(prefix="/projects/{project}", tags=["meetings"], responses=ERROR_RESPONSES)

Patch = Annotated[
    dict[str, Any], Body(description="Any of the fields; the others keep their values.")
]


def _out(response: Response, document: dict[str, Any], version: int) -> dict[str, Any]:
    response.headers["ETag"] = etag(version)
    return {**document, "version": version}


def _ics(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type=meeting_ics.ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
    )


def _body(model: Any) -> dict[str, Any]:
    document: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)
    return document


# Series ---------------------------------------------------------------------------------------


@router.get("/meetings", summary="List the project's meeting series")
def list_series(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return meetings.list_series(session, user, project_named(session, project))


@router.post("/meetings", response_model=ItemOut, status_code=201, summary="Create a meeting")
def create_series(
    project: str, body: SeriesIn, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row = meetings.create_series(session, user, project_named(session, project), _body(body))
    return _out(response, meetings.series_document(session, row), row.version)


@router.get("/meetings/{key}", response_model=ItemOut, summary="Read a meeting series")
def read_series(
    project: str, key: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row, document = meetings.get_series(session, user, project_named(session, project), key)
    return _out(response, document, row.version)


@router.patch("/meetings/{key}", response_model=ItemOut, summary="Change a meeting series")
def update_series(
    project: str,
    key: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meetings.update_series(session, user, scope, key, patch, version)
    return _out(response, meetings.series_document(session, row), row.version)


@router.delete("/meetings/{key}", status_code=204, summary="Delete a meeting series")
def delete_series(
    project: str, key: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    meetings.delete_series(session, user, project_named(session, project), key, version)
    return Response(status_code=204)


@router.get("/meetings/{key}/invite.ics", summary="The series as an invitation (.ics)")
def series_invitation(project: str, key: str, session: DbSession, user: CurrentUser) -> Response:
    scope = project_named(session, project)
    return _ics(meeting_ics.series_invitation(session, user, scope, key), key)


# Occurrences ----------------------------------------------------------------------------------


@router.get("/meetings/{key}/occurrences", summary="Recorded and coming meetings of a series")
def list_occurrences(
    project: str, key: str, session: DbSession, user: CurrentUser, count: int = 10
) -> list[dict[str, Any]]:
    scope = project_named(session, project)
    return meeting_occurrences.list_occurrences(session, user, scope, key, count=count)


@router.post(
    "/meetings/{key}/occurrences",
    response_model=ItemOut,
    status_code=201,
    summary="Record a meeting of the series (default: its next one)",
)
def create_occurrence(
    project: str,
    key: str,
    body: OccurrenceIn,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_occurrences.schedule_occurrence(session, user, scope, key, _body(body))
    series = meetings.series_named(session, scope, key)
    return _out(
        response, meeting_occurrences.occurrence_document(session, row, series), row.version
    )


@router.get("/occurrences/{occurrence_id}", response_model=ItemOut, summary="Read a meeting")
def read_occurrence(
    project: str, occurrence_id: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    scope = project_named(session, project)
    row, series = meeting_occurrences.get_occurrence(session, user, scope, occurrence_id)
    return _out(
        response, meeting_occurrences.occurrence_document(session, row, series), row.version
    )


@router.patch(
    "/occurrences/{occurrence_id}",
    response_model=ItemOut,
    summary="Change a meeting: time, agenda, attendees, minutes, cancelled",
)
def update_occurrence(
    project: str,
    occurrence_id: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_occurrences.update_occurrence(session, user, scope, occurrence_id, patch, version)
    _, series = meeting_occurrences.occurrence_by_id(session, scope, row.id)
    return _out(
        response, meeting_occurrences.occurrence_document(session, row, series), row.version
    )


@router.delete("/occurrences/{occurrence_id}", status_code=204, summary="Delete a meeting")
def delete_occurrence(
    project: str, occurrence_id: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    scope = project_named(session, project)
    meeting_occurrences.delete_occurrence(session, user, scope, occurrence_id, version)
    return Response(status_code=204)


@router.get("/occurrences/{occurrence_id}/invite.ics", summary="A meeting as an invitation")
def occurrence_invitation(
    project: str, occurrence_id: str, session: DbSession, user: CurrentUser
) -> Response:
    scope = project_named(session, project)
    data = meeting_ics.occurrence_invitation(session, user, scope, occurrence_id)
    return _ics(data, f"meeting-{occurrence_id}")


# Decisions ------------------------------------------------------------------------------------


@router.get("/decisions", summary="The decision log, newest first")
def list_decisions(
    project: str, session: DbSession, user: CurrentUser, status: str | None = None
) -> list[dict[str, Any]]:
    return meeting_log.list_decisions(session, user, project_named(session, project), status)


@router.post("/decisions", response_model=ItemOut, status_code=201, summary="Log a decision")
def create_decision(
    project: str, body: DecisionIn, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_log.create_decision(session, user, scope, _body(body))
    return _out(response, meeting_log.decision_document(row), row.version)


@router.get("/decisions/{decision_id}", response_model=ItemOut, summary="Read a decision")
def read_decision(
    project: str, decision_id: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row = meeting_log.get_decision(session, user, project_named(session, project), decision_id)
    return _out(response, meeting_log.decision_document(row), row.version)


@router.patch("/decisions/{decision_id}", response_model=ItemOut, summary="Change a decision")
def update_decision(
    project: str,
    decision_id: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_log.update_decision(session, user, scope, decision_id, patch, version)
    return _out(response, meeting_log.decision_document(row), row.version)


@router.delete("/decisions/{decision_id}", status_code=204, summary="Delete a decision")
def delete_decision(
    project: str, decision_id: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    scope = project_named(session, project)
    meeting_log.delete_decision(session, user, scope, decision_id, version)
    return Response(status_code=204)


@router.get("/decisions/{decision_id}/history", summary="Every change of a decision")
def decision_history(
    project: str, decision_id: str, session: DbSession, user: CurrentUser
) -> list[dict[str, Any]]:
    scope = project_named(session, project)
    return meeting_log.decision_history(session, user, scope, decision_id)


# Action items ---------------------------------------------------------------------------------


@router.get("/action-items", summary="Action items from meetings")
def list_actions(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return meeting_log.list_actions(session, user, project_named(session, project))


@router.post("/action-items", response_model=ItemOut, status_code=201, summary="Add an action")
def create_action(
    project: str, body: ActionIn, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_log.create_action(session, user, scope, _body(body))
    return _out(response, meeting_log.action_document(session, row), row.version)


@router.get("/action-items/{item_id}", response_model=ItemOut, summary="Read an action item")
def read_action(
    project: str, item_id: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row = meeting_log.get_action(session, user, project_named(session, project), item_id)
    return _out(response, meeting_log.action_document(session, row), row.version)


@router.patch("/action-items/{item_id}", response_model=ItemOut, summary="Change an action")
def update_action(
    project: str,
    item_id: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    scope = project_named(session, project)
    row = meeting_log.update_action(session, user, scope, item_id, patch, version)
    return _out(response, meeting_log.action_document(session, row), row.version)


@router.delete("/action-items/{item_id}", status_code=204, summary="Delete an action item")
def delete_action(
    project: str, item_id: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    meeting_log.delete_action(session, user, project_named(session, project), item_id, version)
    return Response(status_code=204)


@router.post(
    "/action-items/{item_id}/make-task",
    status_code=201,
    summary="Make a plan task of an action item (owner assigned, deadline at the due date)",
)
def make_task(
    project: str,
    item_id: str,
    version: IfMatch,
    session: DbSession,
    user: CurrentUser,
    body: TaskFromAction | None = None,
) -> dict[str, Any]:
    scope = project_named(session, project)
    options = _body(body) if body is not None else {}
    row, task = meeting_log.make_task(session, user, scope, item_id, options, version)
    return {
        "action_item": {**meeting_log.action_document(session, row), "version": row.version},
        "task": {**task.document, "version": task.version},
    }
