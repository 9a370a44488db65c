"""The ASGI entry point: ``uvicorn --factory plansmith.asgi:create_app`` (what ``plansmith serve``
runs). Settings come from the environment, so every worker process builds the same app.

The API and the web app are independent faces; this is the one place that puts them on one
server, and that sends a service's refusal to the right face (JSON under /api, a page
elsewhere).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response

from plansmith.api.app import build_app
from plansmith.api.errors import service_error_response
from plansmith.config import Settings, load_settings
from plansmith.errors import ServiceError
from plansmith.storage.database import Database
from plansmith.web.app import error_page, install_web


def compose(settings: Settings, database: Database | None = None) -> FastAPI:
    app = build_app(settings, database)
    install_web(app)
    # A 2,000-task plan page is about 1 MB of HTML and 90 KB compressed.
    app.add_middleware(GZipMiddleware, minimum_size=2048)

    async def refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        if request.url.path.startswith("/api/"):
            return service_error_response(exc)
        return error_page(request, exc)

    app.add_exception_handler(ServiceError, refusal)
    return app


def create_app() -> FastAPI:
    app = compose(load_settings())
    _with_scheduler(app)
    # What start-up built lives as long as the process: moved out of the collector's sight, so
    # each full collection (frequent while a large plan is read back) skips it.
    gc.collect()
    gc.freeze()
    # Reading back and scheduling a large plan allocates hundreds of thousands of objects that
    # die young; at CPython's default thresholds (700, 10, 10) that sets off full collections
    # that also walk every plan in the plan cache. Fewer, larger young collections cost less.
    gc.set_threshold(50_000, 20, 100)
    return app


def _with_scheduler(app: FastAPI) -> None:
    """The delivery job's scheduler lives as long as this worker process serves (when e-mail
    is configured; see services.scheduler for why every worker may run it)."""
    from plansmith.services.scheduler import start_in_process

    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:
        scheduler = start_in_process(served.state.database, served.state.settings)
        try:
            async with serve(served) as state:
                yield state
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    app.router.lifespan_context = lifespan
