"""The FastAPI application: routers under ``/api/v1``, OpenAPI at ``/api/openapi.json``, and
one place that turns service errors into ``{code, message, diagnostics}``."""

from __future__ import annotations

from fastapi import FastAPI

from plansmith.api import actions, auth, comms, feeds, meetings, projects, reports, table_import
from plansmith.api import inventory as inventory_api
from plansmith.api import portfolio as portfolio_api
from plansmith.api import team as team_api
from plansmith.api.errors import install_error_handlers
from plansmith.api.items import item_router
from plansmith.api.task_list_fast import TaskListFastPath
from plansmith.api.task_update_fast import TaskUpdateFastPath
from plansmith.config import Settings
from plansmith.io.money_schema import ActualSpec
from plansmith.io.plan_schema import ResourceSpec
from plansmith.io.risk_schema import RiskSpec
from plansmith.services.item_kinds import (
    ACTUALS,
    ASSIGNMENTS,
    DEPENDENCIES,
    RISKS,
    TASKS,
    AssignmentItem,
    DependencyItem,
    TaskItem,
)
from plansmith.services.pool_kinds import CALENDARS, RESOURCES, CalendarItem
from plansmith.storage.database import Database


def build_app(settings: Settings, database: Database | None = None) -> FastAPI:
    app = FastAPI(
        title="Plansmith",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database or Database.connect(settings.database_url)

    install_error_handlers(app)
    # The hottest read, answered before the router when it can be (see task_list_fast).
    app.add_middleware(TaskListFastPath)
    # The hottest write, likewise (see task_update_fast).
    app.add_middleware(TaskUpdateFastPath)

    @app.get("/api/v1/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(actions.router, prefix="/api/v1")  # before /projects/{project}
    app.include_router(table_import.router, prefix="/api/v1")
    app.include_router(reports.router, prefix="/api/v1")
    app.include_router(projects.router, prefix="/api/v1")
    app.include_router(meetings.router, prefix="/api/v1")
    app.include_router(feeds.router, prefix="/api/v1")
    app.include_router(comms.router, prefix="/api/v1")
    app.include_router(team_api.router, prefix="/api/v1")
    app.include_router(portfolio_api.router, prefix="/api/v1")
    app.include_router(inventory_api.router, prefix="/api/v1")
    for kind, plural, schema in (
        (TASKS, "tasks", TaskItem),
        (DEPENDENCIES, "dependencies", DependencyItem),
        (ASSIGNMENTS, "assignments", AssignmentItem),
        (RISKS, "risks", RiskSpec),
        (ACTUALS, "actuals", ActualSpec),
        (CALENDARS, "calendars", CalendarItem),
        (RESOURCES, "resources", ResourceSpec),
    ):
        app.include_router(item_router(kind, plural, schema), prefix="/api/v1")

    return app
