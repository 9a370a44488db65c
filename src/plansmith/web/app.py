"""Mounting the web app on the server: its pages, its static files (the vendored libraries
included), and how its errors look (a page, or the sign-in page when nobody is signed in)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from plansmith.errors import ServiceError
from plansmith.web import (
    analysis_routes,
    comms_routes,
    dashboard_routes,
    import_routes,
    meeting_routes,
    plan_routes,
    portfolio_routes,
    report_routes,
    table_routes_comms,
    table_routes_portfolio,
    table_routes_team,
    team_edit_routes,
    team_routes,
)
from plansmith.web.deps import SignInRequired
from plansmith.web.pages import render, router, sign_in_redirect

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(dashboard_routes.router)  # first: its "/" is the dashboard
    app.include_router(router)
    app.include_router(analysis_routes.router)
    app.include_router(plan_routes.router)
    app.include_router(import_routes.router)
    app.include_router(report_routes.router)
    app.include_router(meeting_routes.router)
    app.include_router(comms_routes.router)
    app.include_router(team_routes.router)
    app.include_router(team_edit_routes.router)  # after: its /team/{section} comes last
    app.include_router(portfolio_routes.router)
    app.include_router(table_routes_team.router)
    app.include_router(table_routes_portfolio.router)
    app.include_router(table_routes_comms.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(exc.next_url)


def error_page(request: Request, exc: ServiceError) -> HTMLResponse:
    """A service's refusal on a page: the same code and message as the API gives, in HTML."""
    context = {"user": None, "project": None, "error": exc}
    return render(request, "error.html", context, status_code=exc.status)
