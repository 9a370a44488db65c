"""Errors at the API boundary: every 4xx is ``{code, message, diagnostics}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from plansmith.domain.diagnostics import Diagnostic
from plansmith.errors import ServiceError
from plansmith.io.schedule_json import diagnostic_to_json


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    diagnostics: list[dict[str, Any]] = []


def error_response(
    status: int, code: str, message: str, diagnostics: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body = {"code": code, "message": message, "diagnostics": diagnostics or []}
    return JSONResponse(body, status_code=status)


def _diagnostics(items: tuple[Diagnostic, ...]) -> list[dict[str, Any]]:
    """The CLI's diagnostic JSON plus the document path, which a form uses to put the message
    next to its field."""
    return [{**diagnostic_to_json(d), "path": list(d.path or ())} for d in items]


def service_error_response(exc: ServiceError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, _diagnostics(exc.diagnostics))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return service_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems: list[dict[str, Any]] = [
            {
                "code": "invalid_value" if problem.get("type") != "missing" else "missing_key",
                "severity": "error",
                "message": str(problem.get("msg", "")),
                "path": [str(p) for p in problem.get("loc", ())],
            }
            for problem in exc.errors()
        ]
        first = str(problems[0]["message"]) if problems else "the request is not valid"
        return error_response(422, "invalid", first, problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "not_signed_in"}
        return error_response(
            exc.status_code, codes.get(exc.status_code, "bad_request"), str(exc.detail)
        )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "The body cannot be read (not JSON, or not UTF-8)"),
        (401, "Not signed in"),
        (403, "Your role does not allow this"),
        (404, "Not found, or not visible to you"),
        (409, "Conflicts with what is stored (a stale version, a duplicate)"),
        (422, "The content is not valid"),
        (428, "If-Match is required"),
        (413, "The upload is over the size limit"),
        (429, "Too many failed sign-ins"),
    )
}
