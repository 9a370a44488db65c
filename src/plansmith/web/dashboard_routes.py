"""The portfolio dashboard: every visible project's health with the rule that set it, the
table's downloads, and the form that starts a new project."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from plansmith.errors import Invalid, ServiceError
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.services.dashboard import (
    HEALTH_RULES,
    PORTFOLIO_COLUMNS,
    portfolio_overview,
    portfolio_rows,
)
from plansmith.services.portfolios import ProjectItem, create_project, list_portfolios
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.downloads import Table, download
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)

NEW_PROJECT_FIELDS = ("id", "name", "start", "portfolio")


def _dashboard(
    request: Request,
    session: Session,
    user: t.User,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        **page_context(session, user),
        "overview": portfolio_overview(session, user),
        "health_rules": HEALTH_RULES,
        "portfolios": list_portfolios(session, user),
        "form": form or {"id": "", "name": "", "start": date.today().isoformat(), "portfolio": ""},
        "errors": errors or {},
    }
    return render(request, "dashboard.html", context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    return _dashboard(request, session, user)


@router.get("/tables/portfolio.{fmt}")
def portfolio_table(fmt: str, session: PageSession, user: PageUser) -> Response:
    rows = portfolio_rows(portfolio_overview(session, user))
    return download(Table("portfolio", PORTFOLIO_COLUMNS, rows), fmt)


def _png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _icon_pixel(x: int, y: int) -> tuple[int, int, int, int]:
    """Three Gantt bars, staggered, on a dark square: Plansmith's icon."""
    bars = ((7, 4, 16), (15, 10, 24), (23, 16, 28))  # (row, first column, last column)
    for row, first, last in bars:
        if row <= y < row + 4 and first <= x < last:
            return (255, 255, 255, 255)
    return (23, 73, 130, 255)


FAVICON = _png(32, _icon_pixel)


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every page; an answer keeps their consoles free of 404s."""
    return Response(FAVICON, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


def field_errors(exc: ServiceError, fields: tuple[str, ...]) -> dict[str, str]:
    """A refusal's messages by form field: each diagnostic's path names its field; what names
    none goes to ``""`` (shown above the form)."""
    errors: dict[str, str] = {}
    for diagnostic in exc.diagnostics:
        top = str(diagnostic.path[0]) if diagnostic.path else ""
        name = top if top in fields else ""
        errors.setdefault(name, diagnostic.message.removeprefix(f"{top}: "))
    if not errors:
        errors[_field_of_code(exc.code)] = exc.message
    return errors


def _problems(body: dict[str, Any]) -> dict[str, str]:
    try:
        ProjectItem.model_validate(body)
    except ValidationError as exc:
        return field_errors(Invalid("", diagnostics=pydantic_diagnostics(exc)), NEW_PROJECT_FIELDS)
    return {}


def _field_of_code(code: str) -> str:
    return {"project_exists": "id", "unknown_portfolio": "portfolio"}.get(code, "")


@router.post("/projects", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def new_project(request: Request, session: PageSession, user: PageUser) -> Response:
    data = await request.form()
    form = {name: str(data.get(name, "")).strip() for name in NEW_PROJECT_FIELDS}
    body: dict[str, Any] = {**form, "portfolio": form["portfolio"] or None}
    if not form["name"]:  # the plan format allows an empty name; a new project's form does not
        errors = {"name": "a project needs a name", **_problems({**body, "name": "-"})}
        return _dashboard(request, session, user, form, errors, status_code=422)
    try:
        item = create_project(session, user, body)
    except ServiceError as exc:  # refused before anything was written
        errors = field_errors(exc, NEW_PROJECT_FIELDS)
        return _dashboard(request, session, user, form, errors, status_code=exc.status)
    return RedirectResponse(f"/projects/{item.document['id']}", status_code=303)
