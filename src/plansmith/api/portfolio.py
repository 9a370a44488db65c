"""Proposals (intake, scoring, pipeline, approval) and technology evaluations (decision matrix,
cost-benefit figures, recommendation, applying it to a project). Who may call what is in
:mod:`plansmith.services.proposals` and :mod:`plansmith.services.evaluations`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel

from plansmith.api.deps import CurrentUser, DbSession, IfMatch
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.api.items import ItemOut, Patch, answered
from plansmith.services import evaluations, proposals

router = APIRouter(tags=["portfolio"], responses=ERROR_RESPONSES)

# Bodies are checked by the services with the file schemas (ProposalSpec, EvaluationSpec,
# ScoringSpec, SystemSpec), so that a problem gets the same stable code as in a file.
Document = Annotated[
    dict[str, Any], Body(description="The document as a proposals, evaluation or plan file says it")
]


class TransitionIn(BaseModel):
    to: Literal["draft", "under_review", "rejected"]


@router.get("/proposal-scoring", response_model=ItemOut)
def read_scoring(response: Response, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return answered(response, proposals.scoring_item(session))


@router.put("/proposal-scoring", response_model=ItemOut)
def replace_scoring(
    body: Document, version: IfMatch, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, proposals.set_scoring(session, user, body, version))


@router.get("/proposals", response_model=list[ItemOut])
def list_proposals(
    session: DbSession, user: CurrentUser, status: str | None = None
) -> list[dict[str, Any]]:
    return proposals.list_proposals(session, status)


@router.post("/proposals", response_model=ItemOut, status_code=201)
def create_proposal(
    body: Document, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, proposals.create_proposal(session, user, body))


@router.get("/proposals/{key}", response_model=ItemOut)
def read_proposal(
    key: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, proposals.get_proposal(session, key))


@router.patch("/proposals/{key}", response_model=ItemOut)
def update_proposal(
    key: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, proposals.update_proposal(session, user, key, patch, version))


@router.delete("/proposals/{key}", status_code=204)
def delete_proposal(key: str, version: IfMatch, session: DbSession, user: CurrentUser) -> Response:
    proposals.delete_proposal(session, user, key, version)
    return Response(status_code=204)


@router.post("/proposals/{key}/transition", response_model=ItemOut)
def move_proposal(
    key: str,
    body: TransitionIn,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, proposals.transition(session, user, key, body.to, version))


@router.post("/proposals/{key}/approve", response_model=ItemOut)
def approve_proposal(
    key: str,
    body: Document,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    """Approve a proposal under review: makes the project (``project``, ``name``, ``start``,
    ``portfolio``, ``currency``, all optional) with the estimated cost as a budget line."""
    return answered(response, proposals.approve(session, user, key, body, version))


# Evaluations ---------------------------------------------------------------------------------


@router.get("/evaluations", response_model=list[ItemOut])
def list_evaluations(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return evaluations.list_evaluations(session)


@router.post("/evaluations", response_model=ItemOut, status_code=201)
def create_evaluation(
    body: Document, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, evaluations.create_evaluation(session, user, body))


@router.get("/evaluations/{key}", response_model=ItemOut)
def read_evaluation(
    key: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, evaluations.get_evaluation(session, key))


@router.patch("/evaluations/{key}", response_model=ItemOut)
def update_evaluation(
    key: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, evaluations.update_evaluation(session, user, key, patch, version))


@router.delete("/evaluations/{key}", status_code=204)
def delete_evaluation(
    key: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    evaluations.delete_evaluation(session, user, key, version)
    return Response(status_code=204)


@router.get("/evaluations/{key}/analysis")
def evaluation_analysis(key: str, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The decision matrix (scores, weighted score, rank), TCO, NPV and payback per option."""
    return evaluations.analysis(session, key)


@router.put("/evaluations/{key}/recommendation", response_model=ItemOut)
def recommend(
    key: str,
    body: Document,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, evaluations.recommend(session, user, key, body, version))


@router.post("/projects/{project}/evaluations/{key}/apply")
def apply_evaluation(
    project: str, key: str, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Budget lines from the recommended option's costs, and its system into the inventory."""
    return evaluations.apply(session, user, project, key)
