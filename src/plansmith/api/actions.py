"""Actions on a stored project that return the CLI's JSON (schedule, level, simulate, evm),
baselines, and the plan as YAML in and out."""

from __future__ import annotations

import io
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.api.deps import AppSettings, CurrentUser, DbSession
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.errors import Invalid, TooLarge
from plansmith.io.schema_types import FIRST_YEAR, LAST_YEAR
from plansmith.scheduling.leveling import LevelingOptions, LevelMode
from plansmith.services import project_actions as actions
from plansmith.services.access import Action, Role, grant
from plansmith.services.mspdi import export_mspdi_bytes, import_mspdi_upload, read_mspdi_upload
from plansmith.services.portfolios import find_project
from plansmith.services.projects import export_plan_text, import_plan_text

router = APIRouter(tags=["actions"], responses=ERROR_RESPONSES)
StatusDate = Annotated[date | None, Query(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31))]
YAML = "application/yaml"
XML = "application/xml"


class Document(BaseModel):
    """The CLI's ``--format json`` document for the same command."""

    model_config = {"extra": "allow"}


class LevelChoice(StrEnum):
    FAST = "fast"
    OPTIMAL = "optimal"


class LevelRequest(BaseModel):
    mode: LevelChoice = LevelChoice.FAST
    time_limit: float = Field(1.0, gt=0, le=60)
    schedules: int | None = Field(None, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    within_float: bool = False


class SimulateRequest(BaseModel):
    iterations: int = Field(1000, ge=1, le=actions.MAX_ITERATIONS)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    latin: bool = False


class BaselineRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
    replace: bool = False


class BaselineOut(BaseModel):
    name: str
    saved_at: str
    start: str | None
    finish: str | None
    cost: str | None


class ImportedProject(BaseModel):
    id: str
    name: str


class FidelityReport(BaseModel):
    """What an MS Project XML file gave: each field's fate, and the date comparison."""

    model_config = {"extra": "allow"}

    file: str
    ok: bool
    summary: dict[str, int]
    fields: list[dict[str, Any]]
    dates: dict[str, Any]
    diagnostics: list[dict[str, Any]]


class ImportedMspdi(ImportedProject):
    fidelity: FidelityReport


class ExportFormat(StrEnum):
    YAML = "yaml"
    MSPDI = "mspdi"


@router.post("/projects/{project}/schedule", response_model=Document)
def schedule(project: str, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Critical-path schedule of the stored plan (``plansmith schedule --format json``)."""
    return actions.schedule(session, user, project)


@router.post("/projects/{project}/level", response_model=Document)
def level(
    project: str, body: LevelRequest, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Resource-leveled schedule (``plansmith schedule --level``), with delay reasons."""
    options = LevelingOptions(
        mode=LevelMode(body.mode.value),
        time_limit=body.time_limit,
        schedules=body.schedules,
        seed=body.seed,
        within_float=body.within_float,
        one_core=True,  # the other core serves other requests
    )
    return actions.level(session, user, project, options)


@router.post("/projects/{project}/simulate", response_model=Document)
def simulate(
    project: str, body: SimulateRequest, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    """Monte Carlo schedule risk (``plansmith simulate --format json``)."""
    options = SimulationOptions(
        iterations=body.iterations, seed=body.seed, latin=body.latin, workers=1
    )
    return actions.simulate(session, user, project, options)


@router.get("/projects/{project}/evm", response_model=Document)
def evm(
    project: str,
    session: DbSession,
    user: CurrentUser,
    status_date: StatusDate = None,
    baseline: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Earned value and earned schedule (``plansmith evm --format json``)."""
    return actions.evm(session, user, project, status_date, baseline)


@router.get("/projects/{project}/status-history", response_model=list[Document])
def status_history(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Earned value recorded at each status date, oldest first."""
    row = find_project(session, user, project, Action.READ_REPORTS)
    return actions.status_history(session, row)


@router.post("/projects/{project}/status-history", response_model=Document, status_code=201)
def record_status(
    project: str, session: DbSession, user: CurrentUser, status_date: StatusDate = None
) -> dict[str, Any]:
    """Keep earned value as it stands at the plan's status date, or ``status_date``
    (``plansmith evm --record``)."""
    return actions.record_status(session, user, project, status_date)


@router.get("/projects/{project}/baselines", response_model=list[BaselineOut])
def list_baselines(project: str, session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return actions.list_baselines(session, user, project)


@router.post("/projects/{project}/baselines", response_model=BaselineOut, status_code=201)
def save_baseline(
    project: str, body: BaselineRequest, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return actions.save_baseline(session, user, project, body.name, replace=body.replace)


@router.get("/projects/{project}/baselines/{name}", response_model=Document)
def read_baseline(project: str, name: str, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return actions.get_baseline(session, user, project, name)


@router.delete("/projects/{project}/baselines/{name}", status_code=204)
def delete_baseline(project: str, name: str, session: DbSession, user: CurrentUser) -> Response:
    actions.delete_baseline(session, user, project, name)
    return Response(status_code=204)


@router.get(
    "/projects/{project}/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                YAML: {"schema": {"type": "object"}},
                XML: {"schema": {"type": "string"}},
            }
        }
    },
)
def export(
    project: str,
    session: DbSession,
    user: CurrentUser,
    export_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.YAML,
) -> Response:
    """The stored plan as a plan file (importing it gives the same project back), or as MS
    Project XML with the schedule's dates (``format=mspdi``)."""
    find_project(session, user, project, Action.READ_PLAN)
    if export_format is ExportFormat.MSPDI:
        data, _ = export_mspdi_bytes(session, project)
        disposition = f'attachment; filename="{project}.xml"'
        return Response(data, media_type=XML, headers={"Content-Disposition": disposition})
    return Response(export_plan_text(session, project), media_type=YAML)


@router.post(
    "/projects/import",
    response_model=ImportedProject,
    status_code=201,
    openapi_extra={
        "requestBody": {"required": True, "content": {YAML: {"schema": {"type": "string"}}}}
    },
)
async def import_(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    user: CurrentUser,
    portfolio: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, str]:
    """A plan file (YAML) as a new project; whoever imports it becomes its owner."""
    text = await _limited_text(request, settings.upload_limit_bytes)
    row = import_plan_text(session, text, "upload.yaml", portfolio, pool_files=False)
    grant(session, row.id, user.id, Role.OWNER)
    return {"id": row.key, "name": row.name}


_MSPDI_BODY = {"requestBody": {"required": True, "content": {XML: {"schema": {"type": "string"}}}}}


@router.post(
    "/projects/import/mspdi",
    response_model=ImportedMspdi,
    status_code=201,
    openapi_extra=_MSPDI_BODY,
)
async def import_mspdi(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    user: CurrentUser,
    portfolio: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """MS Project XML as a new project, with the fidelity report; the importer owns it."""
    data = await _limited_body(request, settings.upload_limit_bytes)
    row, outcome = import_mspdi_upload(session, data, "upload.xml", portfolio)
    grant(session, row.id, user.id, Role.OWNER)
    return {"id": row.key, "name": row.name, "fidelity": outcome.report_json()}


@router.post("/mspdi/preview", response_model=FidelityReport, openapi_extra=_MSPDI_BODY)
async def preview_mspdi(request: Request, settings: AppSettings, user: CurrentUser) -> Any:
    """What importing this MS Project XML would give, stored nowhere: the fidelity report,
    the date comparison and every problem."""
    data = await _limited_body(request, settings.upload_limit_bytes)
    return read_mspdi_upload(io.BytesIO(data), "upload.xml").report_json()


async def _limited_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the upload is larger than the {limit // 1024} KiB limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def _limited_text(request: Request, limit: int) -> str:
    """The body as UTF-8 text, refused as soon as it passes ``limit`` bytes."""
    data = await _limited_body(request, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the plan is not UTF-8 text", code="invalid_encoding") from None
