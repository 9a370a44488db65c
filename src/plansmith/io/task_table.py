"""A task list from a spreadsheet (CSV or XLSX) as a plan document, with a preview by row.

The table is read by :mod:`table_source`, its columns matched to fields by
:mod:`task_table_columns`, each cell read by :mod:`task_table_values` and the rows made a task
tree by :mod:`task_table_tree`; this module is the whole as one value, :class:`TaskTable`: the
columns' mapping, a preview of every row with its problems, and the plan document.

Nothing here checks the plan itself: the document goes through the plan loader like any plan
file (the service does that), and :meth:`TaskTable.checked` puts the loader's diagnostics,
which point into the document, back on the rows and columns they came from. So the user sees
every problem where they can fix it: in their spreadsheet, by row and column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from plansmith.domain.diagnostics import Diagnostic, DocPath
from plansmith.io.table_source import RawTable, at
from plansmith.io.task_table_columns import ColumnMapping, map_columns
from plansmith.io.task_table_tree import RowPreview, TableBuilder, TableOptions

__all__ = ["RowPreview", "TableOptions", "TaskTable", "read_task_table"]

# A plan key -> the fields whose column a problem with it points at (the first mapped one).
_KEY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "duration": ("duration", "finish", "start"),
    "effort": ("effort",),
    "milestone": ("milestone", "duration"),
    "start_no_earlier_than": ("start",),
    "deadline": ("deadline",),
    "priority": ("priority",),
    "notes": ("notes",),
    "progress": ("progress",),
    "actual_start": ("actual_start", "start"),
    "actual_finish": ("actual_finish", "finish"),
    "after": ("predecessors",),
    "depends": ("predecessors",),
    "assign": ("resources",),
    "id": ("id", "name"),
}


@dataclass(frozen=True)
class TaskTable:
    """The table read: its columns' mapping, its rows, the plan document (None when the
    table could not be read or mapped) and every problem found so far, located."""

    filename: str
    columns: tuple[ColumnMapping, ...]
    rows: tuple[RowPreview, ...]
    document: dict[str, Any] | None
    diagnostics: tuple[Diagnostic, ...]
    task_rows: Mapping[DocPath, int] = field(default_factory=dict)
    resource_rows: Mapping[int, int] = field(default_factory=dict)
    task_ids: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.document is not None and not any(d.is_error for d in self.diagnostics)

    def column_of(self, *fields: str) -> int:
        for name in fields:
            for column in self.columns:
                if column.field == name:
                    return column.column
        return next((c.column for c in self.columns if c.field == "name"), 1)

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic about the document, placed at the row and column it came from."""
        path = diagnostic.path
        row, column = 1, 1
        if path[:1] == ("resources",) and len(path) > 1 and isinstance(path[1], int):
            row = self.resource_rows.get(path[1], 1)
            column = self.column_of("resources")
        elif path[:1] == ("tasks",):
            for end in range(len(path), 0, -1):
                if path[:end] in self.task_rows:
                    row = self.task_rows[path[:end]]
                    key = str(path[end]) if end < len(path) else "name"
                    column = self.column_of(*_KEY_FIELDS.get(key, ("name",)))
                    break
        elif diagnostic.subject and diagnostic.subject.startswith("task:"):
            row = self.task_ids.get(diagnostic.subject.removeprefix("task:"), 1)
            column = self.column_of("name")
        return diagnostic.at(at(self.filename, row, column))

    def checked(self, more: Sequence[Diagnostic]) -> TaskTable:
        """The table with the plan loader's diagnostics placed on its rows."""
        placed = tuple(self.locate(d) for d in more)
        by_row: dict[int, list[Diagnostic]] = {}
        for diagnostic in placed:
            if diagnostic.location is not None:
                by_row.setdefault(diagnostic.location.line, []).append(diagnostic)
        rows = tuple(
            replace(row, problems=(*row.problems, *by_row.get(row.row, []))) for row in self.rows
        )
        return replace(self, rows=rows, diagnostics=(*self.diagnostics, *placed))


def read_task_table(
    raw: RawTable | None,
    problems: Sequence[Diagnostic],
    options: TableOptions,
    fallback_start: date,
    filename: str,
) -> TaskTable:
    """The table as a plan document; ``fallback_start`` is the project's start when neither
    ``options`` nor any row gives one."""
    if raw is None:
        return TaskTable(filename, (), (), None, tuple(problems))
    columns, mapped = map_columns(raw.headers, options.mapping, filename, raw.header_row)
    built = TableBuilder(raw, columns, options, fallback_start, [*problems, *mapped]).build()
    return TaskTable(
        filename,
        columns,
        built.rows,
        built.document,
        built.diagnostics,
        built.task_rows,
        built.resource_rows,
        built.task_ids,
    )
