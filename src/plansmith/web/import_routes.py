"""The Import page: a file from another tool becomes a new project, after a preview.

The user uploads a task table (CSV or XLSX) or MS Project XML. For a table they see each
column's field as a select they can change and each row as it will be read with its problems
next to it; for MS Project XML, the fidelity report (each field's fate) and whether our
schedule gives the file's dates. They create the project once the preview is clean. The page
keeps the file in its file field and sends it again with every preview (htmx), so nothing is
stored between requests; the selects apply only to the file they were made for (its digest
travels with them). What a file becomes depends on its kind (:data:`READERS`, by suffix), so
another format brings its own reader and template.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from plansmith.errors import Invalid, ServiceError, TooLarge
from plansmith.io.mspdi.mpxj import MPXJ_SUFFIXES
from plansmith.io.task_table_columns import FIELDS, IGNORE, column_letter, detected_field
from plansmith.services.access import Action, Role, grant
from plansmith.services.mspdi import (
    MspdiOutcome,
    export_mspdi_bytes,
    read_mspdi_plan,
    read_mspdi_upload,
    store_mspdi,
)
from plansmith.services.portfolios import find_project, list_portfolios
from plansmith.services.projects import export_plan_text
from plansmith.services.task_import import (
    TABLE_SUFFIXES,
    TableImport,
    TableOptions,
    import_task_table,
    read_task_table_bytes,
    unreadable_table,
)
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser, settings_of
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)
ACCEPT = ",".join((*TABLE_SUFFIXES, ".xml", *MPXJ_SUFFIXES))
MAX_FIELDS = 2000  # two per column of the mapping, and a few more


@dataclass
class ImportForm:
    """The page's form as sent: the file and what the user set."""

    data: bytes = b""
    filename: str = ""
    project_name: str = ""
    start: str = ""
    portfolio: str = ""
    chosen: dict[str | int, str] = field(default_factory=dict)  # column -> field, as changed

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:32] if self.data else ""


@dataclass(frozen=True)
class Preview:
    """What a file reads as, for the template: ``kind`` picks its part of the page."""

    kind: str
    digest: str
    result: TableImport | MspdiOutcome
    problem: ServiceError | None = None


async def _limit(request: Request) -> AsyncIterator[None]:
    """Refuses an upload whose declared size is over the limit before the form is parsed (a
    body sent in chunks is measured once read), and closes the form's temporary file however
    the request ends, a refused CSRF token included."""
    limit = settings_of(request).upload_limit_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the file is larger than the {limit // 1024} KiB upload limit")
    try:
        yield
    finally:
        await request.close()


UploadLimited = Depends(_limit)


async def _form(request: Request) -> ImportForm:
    data = await request.form(max_files=1, max_fields=MAX_FIELDS)
    form = ImportForm(
        project_name=_text(data, "project_name"),
        start=_text(data, "start"),
        portfolio=_text(data, "portfolio"),
    )
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        form.data = await upload.read()
        form.filename = Path(upload.filename).name
        limit = settings_of(request).upload_limit_bytes
        if len(form.data) > limit:
            raise TooLarge(f"the file is larger than the {limit // 1024} KiB upload limit")
    if form.digest and _text(data, "table_digest") == form.digest:
        form.chosen = _changed(data)
    return form


def _changed(data: FormData) -> dict[str | int, str]:
    """The selects the user changed from what the headers gave, by column number."""
    chosen: dict[str | int, str] = {}
    for key, value in data.multi_items():
        number = key.removeprefix("column-")
        changed = isinstance(value, str) and value != _text(data, f"auto-{number}")
        if key != number and number.isdigit() and changed:
            chosen[int(number)] = str(value)
    return chosen


def _text(data: FormData, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _options(form: ImportForm) -> TableOptions:
    try:
        start = date.fromisoformat(form.start) if form.start else None
    except ValueError:
        raise Invalid(f"'{form.start}' is not a date", code="invalid_date") from None
    return TableOptions(form.chosen, form.project_name or None, start)


def _table(form: ImportForm) -> Preview:
    result = read_task_table_bytes(form.data, form.filename, _options(form))
    return Preview("table", form.digest, result, unreadable_table(result))


def _mspdi(form: ImportForm) -> Preview:
    """MS Project XML (or a file MPXJ converts to it): its fidelity report and date check,
    and its problems."""
    if Path(form.filename).suffix.lower() in MPXJ_SUFFIXES:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / form.filename
            path.write_bytes(form.data)
            outcome = read_mspdi_plan(path)
    else:
        outcome = read_mspdi_upload(io.BytesIO(form.data), form.filename)
    problem = None
    if not outcome.ok:
        errors = sum(1 for d in outcome.diagnostics if d.is_error)
        problem = Invalid(
            f"{form.filename}: the file gives a plan with {errors} error(s)",
            code="invalid_plan",
            diagnostics=outcome.diagnostics,
        )
    return Preview("mspdi", form.digest, outcome, problem)


# The file's suffix -> how the page reads it.
READERS: dict[str, Callable[[ImportForm], Preview]] = {
    **dict.fromkeys(TABLE_SUFFIXES, _table),
    **dict.fromkeys((".xml", *MPXJ_SUFFIXES), _mspdi),
}


def _preview(form: ImportForm) -> Preview:
    if not form.data:
        raise Invalid("choose a file to import", code="invalid_upload")
    reader = READERS.get(Path(form.filename).suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise Invalid(
            f"{form.filename}: cannot import this kind of file ({known})", "invalid_upload"
        )
    return reader(form)


def _columns(preview: Preview) -> list[dict[str, Any]]:
    """Each column with its field and the field its header alone gives (sent back, so only
    a select the user changed counts as their mapping)."""
    if not isinstance(preview.result, TableImport):
        return []
    return [
        {
            "letter": column_letter(c.column),
            **vars(c),
            "auto": detected_field(c.header) or IGNORE,
        }
        for c in preview.result.table.columns
    ]


def _page(
    request: Request,
    session: Session,
    user: t.User,
    form: ImportForm,
    preview: Preview | None = None,
    problem: ServiceError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        **page_context(session, user),
        "form": form,
        "preview": preview,
        "columns": _columns(preview) if preview is not None else [],
        "fields": FIELDS,
        "problem": problem or (preview.problem if preview is not None else None),
        "accept": ACCEPT,
        "portfolios": list_portfolios(session, user),
    }
    partial = request.headers.get("hx-request") == "true"
    template = "import_preview.html" if partial else "import.html"
    return render(request, template, context, status_code=status_code)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    return _page(request, session, user, ImportForm())


@router.post(
    "/import/preview", response_class=HTMLResponse, dependencies=[UploadLimited, CsrfChecked]
)
async def preview(request: Request, session: PageSession, user: PageUser) -> HTMLResponse:
    """The file as it will be read (the page's preview part for htmx, else the whole page)."""
    form = await _form(request)
    try:
        shown = _preview(form)
    except ServiceError as exc:
        return _page(request, session, user, form, problem=exc, status_code=exc.status)
    status = shown.problem.status if shown.problem is not None else 200
    return _page(request, session, user, form, shown, status_code=status)


@router.post("/import", response_class=HTMLResponse, dependencies=[UploadLimited, CsrfChecked])
async def create(request: Request, session: PageSession, user: PageUser) -> Response:
    """The project, created; a file with problems comes back as the preview, with them."""
    form = await _form(request)
    try:
        shown = _preview(form)
        if shown.problem is None and shown.kind in ("table", "mspdi"):
            with session.begin_nested():  # a refusal leaves nothing behind (a new portfolio)
                project = _created(form, shown, session)
                grant(session, project.id, user.id, Role.OWNER)
            target = f"/projects/{project.key}"
            if request.headers.get("hx-request") == "true":
                return Response(status_code=204, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
    except ServiceError as exc:
        preview_now = _safe_preview(form)
        return _page(request, session, user, form, preview_now, exc, status_code=exc.status)
    status = shown.problem.status if shown.problem is not None else 422
    return _page(request, session, user, form, shown, status_code=status)


def _created(form: ImportForm, shown: Preview, session: Session) -> t.Project:
    portfolio = form.portfolio or None
    if isinstance(shown.result, MspdiOutcome):
        return store_mspdi(session, shown.result, portfolio)
    return import_task_table(session, form.data, form.filename, _options(form), portfolio)


def _safe_preview(form: ImportForm) -> Preview | None:
    try:
        return _preview(form)
    except ServiceError:
        return None


@router.get("/projects/{key}/export.yaml")
def export_yaml(key: str, session: PageSession, user: PageUser) -> Response:
    """The plan file: what ``plansmith export`` writes."""
    find_project(session, user, key, Action.READ_PLAN)
    disposition = f'attachment; filename="{key}.yaml"'
    return Response(
        export_plan_text(session, key),
        media_type="application/yaml",
        headers={"Content-Disposition": disposition},
    )


@router.get("/projects/{key}/export.xml")
def export_mspdi(key: str, session: PageSession, user: PageUser) -> Response:
    """MS Project XML with our schedule's dates and the project's baselines."""
    find_project(session, user, key, Action.READ_PLAN)
    data, _ = export_mspdi_bytes(session, key)
    disposition = f'attachment; filename="{key}.xml"'
    return Response(
        data, media_type="application/xml", headers={"Content-Disposition": disposition}
    )
