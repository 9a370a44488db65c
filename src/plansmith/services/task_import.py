"""Task tables (CSV, XLSX) into plan files and projects: the use cases behind ``plansmith
convert``, ``plansmith import`` of a table, and the API's and the web page's table import.

A table becomes a plan document (:mod:`plansmith.io.task_table`), and the document is then
checked exactly as ``plansmith check`` checks a plan file: it is written as YAML and read back
by the plan loader, then scheduled, so a converted file and an imported project hold only what
a hand-written plan could, and every plan check applies. The loader's diagnostics point into
the document; they are put back on the table's rows and columns, so the user fixes them in
their spreadsheet. The table's own problems are reported first: a plan is only checked once
its table reads cleanly, as a plan file's references are only checked once its YAML reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic
from plansmith.errors import Conflict, Invalid
from plansmith.io.plan_file import LoadedPlan, load_plan_text
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.io.table_source import (
    TABLE_SUFFIXES,
    RawTable,
    read_table_bytes,
    read_table_file,
)
from plansmith.io.task_table import TableOptions, TaskTable, read_task_table
from plansmith.services.projects import plan_check, store_checked
from plansmith.storage import tables as t
from plansmith.storage.database import Database

__all__ = [
    "TABLE_SUFFIXES",
    "TableImport",
    "TableOptions",
    "import_task_table",
    "import_task_table_file",
    "is_task_table",
    "read_task_table_bytes",
    "read_task_table_path",
    "unreadable_table",
]


@dataclass(frozen=True)
class TableImport:
    """A table read and checked: ``table`` has the mapping, the rows with their problems and
    every diagnostic, located in the table; ``plan`` is the checked plan (None when the table
    itself has errors)."""

    table: TaskTable
    plan: LoadedPlan | None

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.table.diagnostics

    @property
    def ok(self) -> bool:
        return self.plan is not None and self.plan.spec is not None and self.table.ok

    def plan_text(self) -> str:
        """The plan file's YAML, as ``plansmith export`` would write the imported project."""
        assert self.plan is not None, "only an ok import"
        assert self.plan.spec is not None, "only an ok import"
        return plan_yaml(plan_document(self.plan.spec))


def is_task_table(filename: str | Path) -> bool:
    return Path(filename).suffix.lower() in TABLE_SUFFIXES


def next_monday(today: date) -> date:
    """A new plan's start when nothing says otherwise, as ``plansmith new`` chooses it."""
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def read_task_table_bytes(
    data: bytes, filename: str, options: TableOptions, today: date | None = None
) -> TableImport:
    """The table in ``data`` (CSV or XLSX, by ``filename``'s suffix), read and checked."""
    raw, problems = read_table_bytes(data, filename)
    return _checked(raw, problems, filename, options, today)


def read_task_table_path(
    path: str | Path, options: TableOptions, today: date | None = None
) -> TableImport:
    raw, problems = read_table_file(path)
    return _checked(raw, problems, str(path), options, today)


def _checked(
    raw: RawTable | None,
    problems: list[Diagnostic],
    filename: str,
    options: TableOptions,
    today: date | None,
) -> TableImport:
    fallback = next_monday(today or date.today())
    table = read_task_table(raw, problems, options, fallback, filename)
    if table.document is None or not table.ok:
        return TableImport(table, None)
    plan = load_plan_text(plan_yaml(table.document), filename, pool_files=False)
    checked = table.checked(plan_check(plan))
    return TableImport(checked, plan)


def unreadable_table(result: TableImport) -> Invalid | None:
    """A file that is no table at all (unreadable, or empty) has nothing to preview: the
    refusal, coded as its one problem (``table_unreadable``, ``empty_table``)."""
    if result.table.columns or not result.diagnostics:
        return None
    first = result.diagnostics[0]
    return Invalid(
        f"{first.location}: {first.message}", code=first.code, diagnostics=result.diagnostics
    )


def _accepted(result: TableImport) -> LoadedPlan:
    unreadable = unreadable_table(result)
    if unreadable is not None:
        raise unreadable
    if not result.ok or result.plan is None:
        errors = sum(1 for d in result.diagnostics if d.is_error)
        raise Invalid(
            f"{result.table.filename}: the table has {errors} error(s); nothing was imported",
            code="invalid_plan",
            diagnostics=result.diagnostics,
        )
    return result.plan


def _stored(
    session: Session, result: TableImport, plan: LoadedPlan, portfolio_key: str | None
) -> t.Project:
    try:
        return store_checked(session, plan, portfolio_key)
    except Conflict as exc:  # a project or pool id taken: say which row named it
        located = tuple(result.table.locate(d) for d in exc.diagnostics)
        raise Conflict(exc.message, code=exc.code, diagnostics=located) from None


def import_task_table(
    session: Session,
    data: bytes,
    filename: str,
    options: TableOptions,
    portfolio_key: str | None = None,
) -> t.Project:
    """Check the table and store it as a new project, in the caller's transaction; refused
    with :class:`Invalid` (``invalid_plan``) and every located diagnostic when it has errors."""
    result = read_task_table_bytes(data, filename, options)
    return _stored(session, result, _accepted(result), portfolio_key)


def import_task_table_file(
    database: Database,
    path: str | Path,
    options: TableOptions,
    portfolio_key: str | None = None,
) -> t.Project:
    """Check the file, then store it in a transaction of its own (the check, which schedules
    the plan, holds no write lock)."""
    result = read_task_table_path(path, options)
    plan = _accepted(result)
    with database.transaction() as session:
        return _stored(session, result, plan, portfolio_key)
