"""Routes for the team of a project (docs/team.md): the RACI matrix, deliverables and their
sign-offs, skills, certifications, training, skill gaps; and workload across projects.

Reads need to read the plan; changes need to edit it and send the project's version in
If-Match (the team lives in the project's document, so its ETag is the project's).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from plansmith.api.deps import CurrentUser, DbSession, IfMatch, etag
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.services import team, workload

router = APIRouter(tags=["team"], responses=ERROR_RESPONSES)
P = "/projects/{project}"


class RaciCellIn(BaseModel):
    item: str = Field(min_length=1, max_length=200, description="a deliverable or task id")
    party: str = Field(min_length=1, max_length=200, description="a resource or role id")
    letters: str = Field("", max_length=8, description="R, A, C, I or several; empty clears")


class SignOffIn(BaseModel):
    by: str = Field(min_length=1, max_length=200, description="the stakeholder who decided")
    date: str | None = Field(None, description="the day of the decision (default: today)")
    decision: str = Field("accepted", description="accepted or rejected")
    note: str = Field("", max_length=10_000)


Value = Annotated[Any, Body(description="the section as the plan file writes it")]


def _answer(response: Response, view: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = etag(view["version"])
    return view


def _part(response: Response, view: dict[str, Any], name: str) -> dict[str, Any]:
    response.headers["ETag"] = etag(view["version"])
    return {name: view.get(name), "diagnostics": view["diagnostics"], "version": view["version"]}


@router.get(f"{P}/team", summary="The team: RACI, deliverables, skills, checks")
def read_team(response: Response, session: DbSession, user: CurrentUser, project: str) -> Any:
    return _answer(response, team.team_view(session, user, project))


@router.put(f"{P}/team/{{section}}", summary="Replace one team section")
def put_section(
    response: Response,
    session: DbSession,
    user: CurrentUser,
    project: str,
    section: str,
    version: IfMatch,
    value: Value = None,
) -> Any:
    view = team.replace_section(session, user, project, section, value, version)
    return _answer(response, view)


@router.get(f"{P}/raci", summary="The RACI matrix as a grid, with its checks")
def read_raci(response: Response, session: DbSession, user: CurrentUser, project: str) -> Any:
    return _part(response, team.team_view(session, user, project), "raci")


@router.put(f"{P}/raci/cell", summary="Set or clear one cell of the RACI matrix")
def put_cell(
    response: Response,
    session: DbSession,
    user: CurrentUser,
    project: str,
    cell: RaciCellIn,
    version: IfMatch,
) -> Any:
    view = team.set_raci_cell(session, user, project, cell.item, cell.party, cell.letters, version)
    return _part(response, view, "raci")


@router.get(f"{P}/deliverables", summary="Deliverables with acceptance criteria and sign-offs")
def list_deliverables(
    response: Response, session: DbSession, user: CurrentUser, project: str
) -> Any:
    return _part(response, team.team_view(session, user, project), "deliverables")


@router.get(f"{P}/deliverables/{{key}}", summary="One deliverable")
def read_deliverable(
    response: Response, session: DbSession, user: CurrentUser, project: str, key: str
) -> Any:
    found = team.deliverable(session, user, project, key)
    response.headers["ETag"] = etag(found["version"])
    return found


@router.put(f"{P}/deliverables/{{key}}", summary="Create or replace one deliverable")
def put_deliverable(
    response: Response,
    session: DbSession,
    user: CurrentUser,
    project: str,
    key: str,
    version: IfMatch,
    document: Annotated[dict[str, Any], Body()],
) -> Any:
    team.save_deliverable(session, user, project, {**document, "id": key}, version)
    found = team.deliverable(session, user, project, key)
    response.headers["ETag"] = etag(found["version"])
    return found


@router.delete(f"{P}/deliverables/{{key}}", status_code=204, summary="Delete one deliverable")
def delete_deliverable(
    session: DbSession, user: CurrentUser, project: str, key: str, version: IfMatch
) -> Response:
    team.delete_deliverable(session, user, project, key, version)
    return Response(status_code=204)


@router.post(f"{P}/deliverables/{{key}}/sign-off", summary="Record a stakeholder's sign-off")
def sign_off(
    response: Response,
    session: DbSession,
    user: CurrentUser,
    project: str,
    key: str,
    body: SignOffIn,
    version: IfMatch,
) -> Any:
    document = body.model_dump(exclude_none=True)
    found = team.sign_off(session, user, project, key, document, version)
    response.headers["ETag"] = etag(found["version"])
    return found


@router.get(f"{P}/deliverables/{{key}}/history", summary="A deliverable's recorded changes")
def deliverable_history(session: DbSession, user: CurrentUser, project: str, key: str) -> Any:
    return {"items": team.deliverable_history(session, user, project, key)}


@router.get(f"{P}/skills", summary="The skills matrix: skill x person with a level")
def read_skills(response: Response, session: DbSession, user: CurrentUser, project: str) -> Any:
    return _part(response, team.team_view(session, user, project), "skills")


@router.get(f"{P}/skill-gaps", summary="Skills planned tasks need that no assigned person has")
def read_gaps(response: Response, session: DbSession, user: CurrentUser, project: str) -> Any:
    return _part(response, team.team_view(session, user, project), "gaps")


@router.get(f"{P}/certifications", summary="Certifications with their expiry state")
def read_certifications(
    response: Response, session: DbSession, user: CurrentUser, project: str
) -> Any:
    return _part(response, team.team_view(session, user, project), "certifications")


@router.get(f"{P}/training", summary="The training plan")
def read_training(response: Response, session: DbSession, user: CurrentUser, project: str) -> Any:
    return _part(response, team.team_view(session, user, project), "training")


@router.get("/workload", summary="Hours per person by month across the projects you may read")
def read_workload(session: DbSession, user: CurrentUser) -> Any:
    return workload.workload(session, user)
