"""Stakeholder communication over the API: the register, the power/interest grid, the
communication plan, "send now", the delivery log, and the public one-click unsubscribe that
report e-mails name in their ``List-Unsubscribe`` header (RFC 8058)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Response
from pydantic import BaseModel, ConfigDict

from plansmith.api.deps import AppDatabase, AppSettings, CurrentUser, DbSession, IfMatch
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.api.items import ItemOut, Limit, Offset, Patch, answered
from plansmith.services import comms_plan, delivery_log, stakeholders
from plansmith.services.comms_plan import EntryIn
from plansmith.services.deliveries import run_deliveries
from plansmith.services.stakeholders import StakeholderIn

router = APIRouter(tags=["communication"], responses=ERROR_RESPONSES)
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
STAKEHOLDERS = "/projects/{project}/stakeholders"
PLAN = "/projects/{project}/communication"


class Listed(BaseModel):
    model_config = ConfigDict(extra="allow")


class GridCellOut(BaseModel):
    quadrant: str
    label: str
    stakeholders: list[Listed]


class DeliveryPage(BaseModel):
    items: list[Listed]
    total: int


class UnsubscribedOut(BaseModel):
    name: str
    title: str
    project: str
    already: bool


# The register ---------------------------------------------------------------------------------


@router.get(STAKEHOLDERS, response_model=list[Listed])
def list_stakeholders(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The register, with each stakeholder's quadrant of the power/interest grid."""
    return stakeholders.list_stakeholders(session, user, project)


@router.post(STAKEHOLDERS, response_model=ItemOut, status_code=201)
def create_stakeholder(
    project: str, body: StakeholderIn, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    document = body.model_dump(mode="json")
    return answered(response, stakeholders.create_stakeholder(session, user, project, document))


@router.get(f"{STAKEHOLDERS}/{{stakeholder_id}}", response_model=ItemOut)
def read_stakeholder(
    project: str, stakeholder_id: RowId, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, stakeholders.get_stakeholder(session, user, project, stakeholder_id))


@router.patch(f"{STAKEHOLDERS}/{{stakeholder_id}}", response_model=ItemOut)
def update_stakeholder(
    project: str,
    stakeholder_id: RowId,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    item = stakeholders.update_stakeholder(session, user, project, stakeholder_id, patch, version)
    return answered(response, item)


@router.delete(f"{STAKEHOLDERS}/{{stakeholder_id}}", status_code=204)
def delete_stakeholder(
    project: str, stakeholder_id: RowId, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    stakeholders.delete_stakeholder(session, user, project, stakeholder_id, version)
    return Response(status_code=204)


@router.get("/projects/{project}/stakeholder-grid", response_model=list[GridCellOut])
def grid(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Mendelow's power/interest grid: keep satisfied, manage closely, monitor, keep informed
    (high influence first; a score of 3 or more out of 5 is high)."""
    return [
        {"quadrant": c.quadrant.value, "label": c.label, "stakeholders": c.stakeholders}
        for c in stakeholders.power_interest_grid(session, user, project)
    ]


# The communication plan -----------------------------------------------------------------------


@router.get(PLAN, response_model=list[Listed])
def list_entries(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Each entry with its recipients' ids and when it is next due (UTC)."""
    return comms_plan.list_entries(session, user, project)


@router.post(PLAN, response_model=ItemOut, status_code=201)
def create_entry(
    project: str, body: EntryIn, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    document = body.model_dump(mode="json")
    return answered(response, comms_plan.create_entry(session, user, project, document))


@router.get(f"{PLAN}/{{entry_id}}", response_model=ItemOut)
def read_entry(
    project: str, entry_id: RowId, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return answered(response, comms_plan.get_entry(session, user, project, entry_id))


@router.patch(f"{PLAN}/{{entry_id}}", response_model=ItemOut)
def update_entry(
    project: str,
    entry_id: RowId,
    patch: Patch,
    version: IfMatch,
    response: Response,
    session: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    item = comms_plan.update_entry(session, user, project, entry_id, patch, version)
    return answered(response, item)


@router.delete(f"{PLAN}/{{entry_id}}", status_code=204)
def delete_entry(
    project: str, entry_id: RowId, version: IfMatch, session: DbSession, user: CurrentUser
) -> Response:
    comms_plan.delete_entry(session, user, project, entry_id, version)
    return Response(status_code=204)


@router.post(f"{PLAN}/{{entry_id}}/send", response_model=list[Listed], status_code=202)
def send_now(
    project: str,
    entry_id: RowId,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    database: AppDatabase,
    background: BackgroundTasks,
) -> list[dict[str, Any]]:
    """Queue the entry's report for every recipient now (202: the deliveries, pending). With
    SMTP configured a run of the delivery job starts after the response; the log shows how
    each went."""
    queued = delivery_log.send_now(session, user, project, entry_id)
    if settings.mail is not None:
        background.add_task(run_deliveries, database, settings)
    return queued


@router.get("/projects/{project}/deliveries", response_model=DeliveryPage)
def deliveries(
    project: str,
    session: DbSession,
    user: CurrentUser,
    entry: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The delivery log, newest first: status (pending, sending, sent, failed), attempts, the
    last failure's reason; ``entry=ID`` for one plan entry's."""
    items, total = delivery_log.list_deliveries(
        session, user, project, entry_id=entry, limit=limit, offset=offset
    )
    return {"items": items, "total": total}


@router.post("/unsubscribe/{token}", response_model=UnsubscribedOut)
def unsubscribe(token: Annotated[str, Path(max_length=200)], session: DbSession) -> dict[str, Any]:
    """Public: the token from a report e-mail takes its recipient off that plan entry (what
    a mail client's one-click unsubscribe posts). Using it again changes nothing."""
    done = delivery_log.unsubscribe(session, token)
    return {
        "name": done.name,
        "title": done.title,
        "project": done.project,
        "already": done.already,
    }
