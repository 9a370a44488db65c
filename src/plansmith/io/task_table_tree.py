"""The rows of a task table as the plan format's task tree.

Each row's cells are read for their fields (a cell that cannot be read is reported on its row
and column, and left out); the outline level comes from a level column, an outline number
(WBS) column, or the indentation of the names; predecessors name rows by an ID column or by
their position (the first task is 1, as MS Project numbers them); resources named in
assignments are created; ids are readable slugs of the names. A summary row's duration and
dates are left out, since the plan rolls them up from its children, as MS Project does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning
from plansmith.io.table_source import RawTable, at
from plansmith.io.task_table_columns import IGNORE, ColumnMapping
from plansmith.io.task_table_values import (
    Booking,
    CellProblem,
    CellValue,
    Link,
    cell_text,
    is_empty,
    is_zero,
    read_bool,
    read_date,
    read_duration,
    read_percent,
    read_predecessors,
    read_resources,
    read_whole,
    slug,
    wbs_depth,
    weekdays,
)

# The plan format's rule for ids (see docs/plan-format.md, "Ids").
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_DATES = ("start", "finish", "actual_start", "actual_finish", "deadline")


@dataclass(frozen=True)
class TableOptions:
    """How to read a table: ``mapping`` (header or 1-based column number -> field) overrides
    the recognised headers; ``project_name`` and ``start`` override what the table says."""

    mapping: Mapping[str | int, str] = field(default_factory=dict)
    project_name: str | None = None
    start: date | None = None


@dataclass(frozen=True)
class RowPreview:
    """One row as it will be imported: its cells by field, and its problems."""

    row: int
    level: int
    task_id: str | None
    values: Mapping[str, str]
    problems: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class BuiltTable:
    """What the rows gave: previews, the document (None when the table has errors that stop
    it being built), the problems, and where each task and resource came from."""

    rows: tuple[RowPreview, ...]
    document: dict[str, Any] | None
    diagnostics: tuple[Diagnostic, ...]
    task_rows: Mapping[DocPath, int]
    resource_rows: Mapping[int, int]
    task_ids: Mapping[str, int]


@dataclass
class _Row:
    number: int  # as the spreadsheet shows it
    position: int  # MS Project's ID: the first row under the header is 1
    cells: dict[str, CellValue]
    level: int = 1
    name: str = ""
    ref: str | None = None
    task_id: str = ""
    parsed: dict[str, Any] = field(default_factory=dict)
    children: list[_Row] = field(default_factory=list)
    links: list[tuple[_Row, Link]] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


class TableBuilder:
    def __init__(
        self,
        raw: RawTable,
        columns: tuple[ColumnMapping, ...],
        options: TableOptions,
        fallback_start: date,
        diagnostics: list[Diagnostic],
    ) -> None:
        self.raw = raw
        self.columns = columns
        self.options = options
        self.fallback_start = fallback_start
        self.diagnostics = diagnostics
        self.column = {c.field: c.column for c in columns if c.field != IGNORE}
        self.rows: list[_Row] = []
        self.project_row: _Row | None = None
        self.task_rows: dict[DocPath, int] = {}
        self.resources: dict[str, tuple[str, str, int]] = {}  # name -> (id, name, first row)

    def _problem(
        self, row: _Row, column_field: str, code: str, message: str, *, is_error: bool = True
    ) -> None:
        make = error if is_error else warning
        where = at(self.raw.filename, row.number, self.column.get(column_field, 1))
        row.problems.append(make(code, message, f"row:{row.number}").at(where))

    def build(self) -> BuiltTable:
        for number, cells in self.raw.rows:
            values = {
                c.field: cells[c.column - 1]
                for c in self.columns
                if c.field != IGNORE and not is_empty(cells[c.column - 1], c.field)
            }
            if values:
                self.rows.append(_Row(number, number - self.raw.header_row, values))
        document = None
        if not any(d.is_error for d in self.diagnostics):
            if not self.rows:
                self.diagnostics.append(
                    error("empty_table", "the table has a header but no tasks", "table").at(
                        at(self.raw.filename, self.raw.header_row)
                    )
                )
            else:
                document = self._document()
        rows = tuple(
            RowPreview(
                row.number,
                row.level if row is not self.project_row else 0,
                row.task_id or None,
                {name: cell_text(value) for name, value in row.cells.items()},
                tuple(row.problems),
            )
            for row in self.rows
        )
        everything = (*self.diagnostics, *(d for row in self.rows for d in row.problems))
        resource_rows = {k: first for k, (_, _, first) in enumerate(self.resources.values())}
        task_ids = {row.task_id: row.number for row in self.rows if row.task_id}
        return BuiltTable(rows, document, everything, self.task_rows, resource_rows, task_ids)

    # Reading ------------------------------------------------------------------------------

    def _document(self) -> dict[str, Any]:
        for row in self.rows:
            self._read(row)
        self._levels()
        tasks = [row for row in self.rows if row is not self.project_row]
        self._ids(tasks)
        self._links(tasks)
        roots = self._tree(tasks)
        start = self._project_start()
        documents = [self._task(row, ("tasks", k), start) for k, row in enumerate(roots)]
        name = self.options.project_name or (
            self.project_row.name if self.project_row is not None else ""
        )
        name = name or Path(self.raw.filename).stem
        project = {"id": slug(name, "project"), "name": name, "start": start.isoformat()}
        resources = [{"id": rid, "name": rname} for rid, rname, _ in self.resources.values()]
        document: dict[str, Any] = {"project": project}
        if resources:
            document["resources"] = resources
        document["tasks"] = documents
        return document

    def _read(self, row: _Row) -> None:
        """Every cell of the row read for its field; a cell that cannot be read is reported
        and left out."""
        readers = {
            "duration": read_duration,
            "effort": read_duration,
            "milestone": read_bool,
            "progress": read_percent,
            "priority": lambda v: read_whole(v, "priority", 1, 1000),
            "level": lambda v: read_whole(v, "outline level", 0, 100),
            "wbs": wbs_depth,
            "resources": read_resources,
            **dict.fromkeys(_DATES, read_date),
        }
        raw_name = row.cells.get("name")
        row.name = cell_text(raw_name).strip()
        if isinstance(raw_name, str) and "level" not in self.column and "wbs" not in self.column:
            text = raw_name.expandtabs(4)
            row.parsed["indent"] = len(text) - len(text.lstrip(" "))
        if "id" in row.cells:
            row.ref = cell_text(row.cells["id"]).strip()
        if "notes" in row.cells:
            row.parsed["notes"] = cell_text(row.cells["notes"]).strip()
        for name, value in row.cells.items():
            reader = readers.get(name)
            if reader is None:
                continue
            try:
                row.parsed[name] = reader(value)
            except CellProblem as exc:
                self._problem(row, name, "invalid_row_value", f"{name}: {exc}")

    def _levels(self) -> None:
        """Each row's outline level (1 = top), checked to go down one level at a time. A
        first row at level 0 (MS Project's project summary task) names the project."""
        indents = sorted({r.parsed["indent"] for r in self.rows if r.parsed.get("indent")})
        unit = indents[0] if indents else 1
        previous = 0
        for k, row in enumerate(self.rows):
            given = row.parsed.get("level", row.parsed.get("wbs"))
            level = given if given is not None else row.parsed.get("indent", 0) // unit + 1
            source = "level" if "level" in row.parsed else "wbs"
            if level == 0 and k == 0:
                self.project_row = row
                continue
            if level == 0:
                self._problem(
                    row,
                    source,
                    "invalid_outline",
                    "only the first row can be the project (outline level 0)",
                )
                level = 1
            if level > previous + 1:
                where = "at the top" if previous == 0 else f"under a level-{previous} row"
                self._problem(
                    row,
                    source if given is not None else "name",
                    "invalid_outline",
                    f"outline level {level} {where}: a task can be at most one level below "
                    "the row above it",
                )
                level = previous + 1
            row.level = previous = level

    def _ids(self, tasks: list[_Row]) -> None:
        """Text ids from an id column are kept; the other tasks get slugs of their names."""
        used: dict[str, _Row] = {}
        for row in tasks:
            if row.ref is None or row.ref.isdigit():
                continue
            if not _ID.match(row.ref):
                self._problem(
                    row,
                    "id",
                    "invalid_row_value",
                    f"id: '{row.ref}' is not an id: use letters, digits, '_', '-' and '.'",
                )
            elif row.ref in used:
                self._problem(
                    row,
                    "id",
                    "duplicate_id",
                    f"id '{row.ref}' is also on row {used[row.ref].number}",
                )
            else:
                row.task_id = row.ref
                used[row.ref] = row
        for row in tasks:
            if not row.name:
                self._problem(row, "name", "missing_task_name", "the row has values but no name")
            if row.task_id:
                continue
            base = slug(row.name) if row.name else f"row-{row.number}"
            candidate, n = base, 1
            while candidate in used:
                n += 1
                candidate = f"{base}-{n}"
            row.task_id = candidate
            used[candidate] = row

    def _links(self, tasks: list[_Row]) -> None:
        """Predecessors name an ID column's values, else row positions, else task ids."""
        refs: dict[str, _Row] = {}
        for row in tasks:
            key = row.ref if "id" in self.column else str(row.position)
            if key:
                refs.setdefault(key, row)
        for row in tasks:
            refs.setdefault(row.task_id, row)
        for row in tasks:
            if "predecessors" not in row.cells:
                continue
            try:
                links = read_predecessors(row.cells["predecessors"], refs)
            except CellProblem as exc:
                self._problem(row, "predecessors", "invalid_row_value", f"predecessors: {exc}")
                continue
            for link in links:
                target = refs.get(link.ref.removesuffix(".0"))
                if target is None:
                    by = "ID" if "id" in self.column else "task number (row position)"
                    self._problem(
                        row,
                        "predecessors",
                        "unknown_predecessor",
                        f"predecessor '{link.ref}' matches no {by} in the table",
                    )
                else:
                    row.links.append((target, link))

    def _tree(self, tasks: list[_Row]) -> list[_Row]:
        roots: list[_Row] = []
        stack: list[_Row] = []
        for row in tasks:
            del stack[row.level - 1 :]
            (stack[-1].children if stack else roots).append(row)
            stack.append(row)
        return roots

    def _project_start(self) -> date:
        if self.options.start is not None:
            return self.options.start
        starts = [row.parsed["start"] for row in self.rows if "start" in row.parsed]
        return min(starts, default=self.fallback_start)

    # Writing ------------------------------------------------------------------------------

    def _task(
        self, row: _Row, path: DocPath, project_start: date, linked: bool = False
    ) -> dict[str, Any]:
        """``linked``: a summary above the row has predecessors, which place the row."""
        self.task_rows[path] = row.number
        task: dict[str, Any] = {"id": row.task_id, "name": row.name or f"(row {row.number})"}
        if row.children:
            for name in ("resources", "milestone"):
                if row.parsed.get(name):
                    self._problem(
                        row,
                        name,
                        "ignored_on_summary",
                        f"{name}: row {row.number} is a summary task (rows are indented under "
                        "it), whose dates come from them; its "
                        f"{name} is left out",
                        is_error=False,
                    )
            task["children"] = [
                self._task(kid, (*path, "children", k), project_start, linked or bool(row.links))
                for k, kid in enumerate(row.children)
            ]
        else:
            self._leaf(row, task, project_start, linked or bool(row.links))
        after = [
            target.task_id for target, link in row.links if (link.type, link.lag) == ("FS", None)
        ]
        depends = [
            {"task": target.task_id, "type": link.type, **({"lag": link.lag} if link.lag else {})}
            for target, link in row.links
            if (link.type, link.lag) != ("FS", None)
        ]
        if after:
            task["after"] = after
        if depends:
            task["depends"] = depends
        for name in ("deadline",):
            if name in row.parsed:
                task[name] = row.parsed[name].isoformat()
        for name in ("priority", "notes"):
            if row.parsed.get(name):
                task[name] = row.parsed[name]
        return task

    def _leaf(self, row: _Row, task: dict[str, Any], project_start: date, linked: bool) -> None:
        parsed = row.parsed
        duration = parsed.get("duration")
        start, finish = parsed.get("start"), parsed.get("finish")
        if parsed.get("milestone") or (duration is not None and is_zero(duration)):
            task["milestone"] = True
        elif duration is not None:
            task["duration"] = duration
        elif "effort" in parsed:
            task["effort"] = parsed["effort"]
        elif start is not None and finish is not None:
            if finish < start:
                self._problem(row, "finish", "invalid_row_value", "finish: before the start")
            else:
                task["duration"] = f"{weekdays(start, finish)}d"
        progress = parsed.get("progress") or 0
        actual_start = parsed.get("actual_start") or (start if progress else None)
        actual_finish = parsed.get("actual_finish") or (finish if progress >= 100 else None)
        if progress:
            task["progress"] = int(progress) if float(progress).is_integer() else progress
        if actual_start is not None and not task.get("milestone"):
            task["actual_start"] = actual_start.isoformat()
        if actual_finish is not None:
            task["actual_finish"] = actual_finish.isoformat()
        if start is not None and not linked and actual_start is None and start > project_start:
            task["start_no_earlier_than"] = start.isoformat()
        bookings: list[Booking] = parsed.get("resources", [])
        if bookings:
            task["assign"] = [self._assignment(row, booking) for booking in bookings]

    def _assignment(self, row: _Row, booking: Booking) -> str | dict[str, Any]:
        key = booking.name.casefold()
        if key not in self.resources:
            taken = {rid for rid, _, _ in self.resources.values()}
            base = slug(booking.name, "resource")
            candidate, n = base, 1
            while candidate in taken:
                n += 1
                candidate = f"{base}-{n}"
            self.resources[key] = (candidate, booking.name, row.number)
        resource = self.resources[key][0]
        return resource if booking.units == 1 else {"resource": resource, "units": booking.units}
