"""A project's systems inventory: the systems, their checks, renewals, maintenance calendar,
and the renew-or-replace tasks (see :mod:`plansmith.services.inventory`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from plansmith.api.deps import CurrentUser, DbSession, IfMatch, etag
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.api.items import Patch
from plansmith.api.portfolio import Document
from plansmith.services import inventory
from plansmith.services.items import Item


def _sent(response: Response, item: Item) -> dict[str, Any]:
    """A system's document, its project's version as the ETag only: a system has a ``version``
    of its own (the software's), which the usual ``version`` field would hide."""
    response.headers["ETag"] = etag(item.version)
    return item.document


router = APIRouter(tags=["inventory"], responses=ERROR_RESPONSES)
S = "/projects/{project}/systems"


@router.get(S)
def list_systems(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return inventory.list_systems(session, user, project)


@router.post(S, status_code=201)
def create_system(
    project: str, body: Document, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _sent(response, inventory.create_system(session, user, project, body))


@router.get(f"{S}/checks")
def system_checks(
    project: str, session: DbSession, user: CurrentUser, today: date | None = None
) -> dict[str, Any]:
    return inventory.checks(session, user, project, today)


@router.get(f"{S}/renewals")
def system_renewals(
    project: str,
    session: DbSession,
    user: CurrentUser,
    months: Annotated[int, Query(ge=1, le=120)] = 12,
    today: date | None = None,
) -> dict[str, Any]:
    return inventory.renewals(session, user, project, months, today)


@router.post(f"{S}/renewal-tasks", status_code=201)
def renewal_tasks(
    project: str, session: DbSession, user: CurrentUser, today: date | None = None
) -> dict[str, Any]:
    """Add a "renew or replace" task for each system whose end of life is within a year."""
    return {"created": inventory.add_renewal_tasks(session, user, project, today)}


@router.get("/projects/{project}/maintenance")
def maintenance(
    project: str,
    session: DbSession,
    user: CurrentUser,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> list[dict[str, Any]]:
    """Maintenance windows and planned updates, in the project's wall-clock time."""
    begin = first or date.today()
    return inventory.maintenance(session, user, project, begin, last or begin + timedelta(days=90))


@router.get(f"{S}/{{key}}")
def read_system(
    project: str, key: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _sent(response, inventory.get_system(session, user, project, key))


@router.patch(f"{S}/{{key}}")
def update_system(
    project: str,
    key: str,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return _sent(response, inventory.update_system(session, user, project, key, patch, version))


@router.delete(f"{S}/{{key}}", status_code=204)
def delete_system(
    project: str, key: str, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    inventory.delete_system(session, user, project, key, version)
    return Response(status_code=204)
