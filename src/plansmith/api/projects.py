"""Portfolios, projects, members and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from plansmith.api.deps import CurrentUser, DbSession, IfMatch
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.api.items import ItemOut, ItemPage, Limit, Offset, Patch, answered
from plansmith.services import audit, portfolios
from plansmith.services.access import Action
from plansmith.services.items import Item
from plansmith.services.portfolios import PortfolioItem, ProjectItem

router = APIRouter(tags=["projects"], responses=ERROR_RESPONSES)


class Member(BaseModel):
    user_id: int
    email: str
    name: str
    role: str


class MemberIn(BaseModel):
    email: str = Field(max_length=320)
    role: str = Field(description="owner, manager, member, viewer or stakeholder")


class HistoryPage(BaseModel):
    items: list[dict[str, Any]]
    total: int


@router.get("/portfolios", response_model=list[ItemOut])
def list_portfolios(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return portfolios.list_portfolios(session, user)


@router.post("/portfolios", response_model=ItemOut, status_code=201)
def create_portfolio(
    body: PortfolioItem, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    document = body.model_dump(mode="json")
    return answered(response, portfolios.create_portfolio(session, user, document))


@router.get("/portfolios/{key}", response_model=ItemOut)
def read_portfolio(
    key: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row = portfolios.get_portfolio(session, key)
    return answered(response, Item(portfolios.portfolio_document(row), row.version))


@router.patch("/portfolios/{key}", response_model=ItemOut)
def update_portfolio(
    key: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, portfolios.update_portfolio(session, user, key, patch, version))


@router.delete("/portfolios/{key}", status_code=204)
def delete_portfolio(key: str, version: IfMatch, session: DbSession, user: CurrentUser) -> Response:
    portfolios.delete_portfolio(session, user, key, version)
    return Response(status_code=204)


@router.get("/projects", response_model=ItemPage)
def list_projects(
    session: DbSession,
    user: CurrentUser,
    portfolio: str | None = None,
    q: str | None = None,
    sort: str = "id",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    page = portfolios.list_projects(
        session, user, portfolio=portfolio, q=q, sort=sort, limit=limit, offset=offset
    )
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}


@router.post("/projects", response_model=ItemOut, status_code=201)
def create_project(
    body: ProjectItem, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    document = body.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return answered(response, portfolios.create_project(session, user, document))


@router.get("/projects/{project}", response_model=ItemOut)
def read_project(
    project: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    row = portfolios.find_project(session, user, project, Action.READ_REPORTS)
    return answered(response, Item(portfolios.project_document(session, row), row.version))


@router.patch("/projects/{project}", response_model=ItemOut)
def update_project(
    project: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return answered(response, portfolios.update_project(session, user, project, patch, version))


@router.delete("/projects/{project}", status_code=204)
def delete_project(
    project: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    portfolios.delete_project(session, user, project, version)
    return Response(status_code=204)


@router.get("/projects/{project}/members", response_model=list[Member])
def list_members(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return portfolios.list_members(session, user, project)


@router.put("/projects/{project}/members", response_model=Member)
def set_member(
    project: str, body: MemberIn, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return portfolios.set_member(session, user, project, body.email, body.role)


@router.delete("/projects/{project}/members/{user_id}", status_code=204)
def remove_member(
    project: str,
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    session: DbSession,
    user: CurrentUser,
) -> Response:
    portfolios.remove_member(session, user, project, user_id)
    return Response(status_code=204)


@router.get("/projects/{project}/history", response_model=HistoryPage)
def history(
    project: str,
    session: DbSession,
    user: CurrentUser,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    key: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every change to the project, newest first; ``entity=task&key=T1`` for one task's."""
    row = portfolios.find_project(session, user, project, Action.READ_PLAN)
    entries, total = audit.project_history(
        session, user, row, entity=entity, key=key, limit=limit, offset=offset
    )
    return {"items": entries, "total": total}
