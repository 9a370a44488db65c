"""Task tables (CSV, XLSX) uploaded to the API: a preview of how a table will be read, and its
import as a new project.

Both take a multipart form: ``file`` (the table; its name's suffix says CSV or XLSX) and,
optionally, ``mapping`` (a JSON object of header to field), ``project_name`` and ``start``
(YYYY-MM-DD). The body is read as a stream and refused as soon as it passes the upload limit,
as a plan file's upload is, before any of it is parsed. Anyone signed in may preview and
import, as anyone may create a project; whoever imports becomes the new project's owner.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from plansmith.api.deps import AppSettings, CurrentUser, DbSession
from plansmith.api.errors import ERROR_RESPONSES
from plansmith.domain.diagnostics import Diagnostic
from plansmith.errors import Invalid, TooLarge
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.services.access import Role, grant
from plansmith.services.task_import import (
    TableImport,
    TableOptions,
    import_task_table,
    read_task_table_bytes,
    unreadable_table,
)

router = APIRouter(tags=["import"], responses=ERROR_RESPONSES)
MAX_FIELD_BYTES = 64 * 1024  # the mapping and names; the file itself is limited by the setting
FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "CSV or XLSX"},
                "mapping": {
                    "type": "string",
                    "description": 'JSON object of header to field: {"Title": "name"}',
                },
                "project_name": {"type": "string"},
                "start": {"type": "string", "format": "date"},
            },
        }
    }
}


class ColumnOut(BaseModel):
    column: int
    header: str
    field: str
    how: str


class RowOut(BaseModel):
    row: int
    level: int
    task_id: str | None
    values: dict[str, str]
    problems: list[dict[str, Any]]


class TablePreview(BaseModel):
    """The table as it will be imported: ``ok`` when it would import without errors."""

    filename: str
    ok: bool
    columns: list[ColumnOut]
    rows: list[RowOut]
    diagnostics: list[dict[str, Any]]
    plan: dict[str, Any] | None


class ImportedTable(BaseModel):
    id: str
    name: str


@dataclass(frozen=True)
class _Upload:
    data: bytes
    filename: str
    options: TableOptions


@router.post(
    "/projects/import/table/preview",
    response_model=TablePreview,
    openapi_extra={"requestBody": {"required": True, "content": FORM}},
)
async def preview_table(
    request: Request, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """How the uploaded table will be read: each column's field, each row as mapped with its
    problems, and the plan it gives; nothing is stored."""
    upload = await _upload(request, settings.upload_limit_bytes)
    result = await run_in_threadpool(
        read_task_table_bytes, upload.data, upload.filename, upload.options
    )
    unreadable = unreadable_table(result)
    if unreadable is not None:
        raise unreadable
    return preview_json(result)


@router.post(
    "/projects/import/table",
    response_model=ImportedTable,
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": FORM}},
)
async def import_table(
    request: Request,
    settings: AppSettings,
    session: DbSession,
    user: CurrentUser,
    portfolio: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, str]:
    """The uploaded table as a new project (422 ``invalid_plan`` with every problem located by
    row and column when it has errors); whoever imports it becomes its owner."""
    upload = await _upload(request, settings.upload_limit_bytes)
    row = await run_in_threadpool(
        import_task_table, session, upload.data, upload.filename, upload.options, portfolio
    )
    grant(session, row.id, user.id, Role.OWNER)
    return {"id": row.key, "name": row.name}


def _json(diagnostics: tuple[Diagnostic, ...]) -> list[dict[str, Any]]:
    """The CLI's diagnostic JSON; in a table, a location's line is the spreadsheet's row."""
    return [diagnostic_to_json(d) for d in diagnostics]


def preview_json(result: TableImport) -> dict[str, Any]:
    table = result.table
    return {
        "filename": table.filename,
        "ok": result.ok,
        "columns": [vars(column) for column in table.columns],
        "rows": [
            {
                "row": row.row,
                "level": row.level,
                "task_id": row.task_id,
                "values": dict(row.values),
                "problems": _json(row.problems),
            }
            for row in table.rows
        ],
        "diagnostics": _json(result.diagnostics),
        "plan": table.document if result.ok else None,
    }


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the upload is larger than the {limit // 1024} KiB limit")
        yield chunk


async def _upload(request: Request, limit: int) -> _Upload:
    """The form's fields, the body refused past ``limit`` bytes while it streams in."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("send the table as multipart/form-data with a 'file' field", "invalid_upload")
    parser = MultiPartParser(
        request.headers,
        _limited(request, limit),
        max_files=1,
        max_fields=10,
        max_part_size=MAX_FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid(f"the upload cannot be read: {exc.message}", "invalid_upload") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("the form has no 'file' field with the table", "invalid_upload")
        return _Upload(await upload.read(), upload.filename or "upload.csv", _options(form))
    finally:
        await form.close()


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _options(form: FormData) -> TableOptions:
    mapping: dict[str | int, str] = {}
    written = _text(form, "mapping")
    if written is not None:
        try:
            parsed = json.loads(written)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise Invalid(
                'mapping must be a JSON object of header to field: {"Title": "name"}',
                "invalid_mapping",
            )
        mapping.update(parsed)
    start = _text(form, "start")
    try:
        first = date.fromisoformat(start) if start is not None else None
    except ValueError:
        raise Invalid(f"start: '{start}' is not a date: write YYYY-MM-DD", "invalid_date") from None
    return TableOptions(mapping, _text(form, "project_name"), first)
