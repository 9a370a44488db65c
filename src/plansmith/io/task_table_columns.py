"""Which column of a task table holds which field: headers recognised, or mapped by the user.

Exports from MS Project, Smartsheet and Excel name the same column differently ("Task Name",
"Name", "Task"; "Resource Names", "Assigned To"), so common headers are recognised by a
normalised spelling; an explicit mapping (header, or 1-based column number, to field) wins
over that, and ``ignore`` leaves a column out. A header nothing recognises is reported and
ignored, never guessed at, so the user sees every column that did not make it into the plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plansmith.domain.diagnostics import Diagnostic, error, warning
from plansmith.io.table_source import at

IGNORE = "ignore"

# field -> what it becomes in the plan (shown in the web page's selects and in --preview).
FIELDS: Mapping[str, str] = {
    "name": "the task's name (leading spaces indent it when no level column is mapped)",
    "id": "what predecessors refer to; a text id also becomes the task's id",
    "duration": "duration (5d, 5 days, 2 wks, 4h); 0 makes a milestone",
    "effort": "effort (work), used when the row has no duration",
    "start": "start: the project's start, a start-no-earlier-than on tasks without predecessors",
    "finish": "finish: a duration from start to finish when the row has none",
    "predecessors": "dependencies: 3, 3FS+2d, 4SS-1d, separated by ; or ,",
    "resources": "assignments: Ana[50%];Ben (resources are created)",
    "level": "outline level: 1 for a top-level task, 2 under it (0 is the project)",
    "wbs": "outline number: 1, 1.1, 1.2.3",
    "milestone": "yes or no",
    "progress": "% complete (needs a start date when above 0)",
    "actual_start": "the date work began",
    "actual_finish": "the date work ended",
    "deadline": "deadline date",
    "priority": "priority, 1 to 1000",
    "notes": "notes",
    IGNORE: "left out of the plan",
}

_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "taskname", "task", "title", "activity", "activityname"),
    "id": ("id", "taskid", "key", "number", "no"),
    "duration": ("duration", "dur", "durationdays"),
    "effort": ("work", "effort", "estimatedeffort"),
    "start": ("start", "startdate", "begin", "scheduledstart"),
    "finish": ("finish", "finishdate", "end", "enddate", "scheduledfinish"),
    "predecessors": ("predecessors", "predecessor", "dependencies", "dependson", "after"),
    "resources": (
        "resourcenames",
        "resources",
        "resource",
        "assignedto",
        "assignee",
        "assignees",
    ),
    "level": ("outlinelevel", "level", "indentlevel"),
    "wbs": ("wbs", "outlinenumber", "wbsnumber", "wbscode"),
    "milestone": ("milestone", "ismilestone"),
    "progress": ("percentcomplete", "complete", "progress", "percentdone", "pctcomplete"),
    "actual_start": ("actualstart",),
    "actual_finish": ("actualfinish",),
    "deadline": ("deadline",),
    "priority": ("priority",),
    "notes": ("notes", "note", "comments", "comment", "description"),
}
_BY_HEADER = {spelling: field for field, spellings in _SYNONYMS.items() for spelling in spellings}
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")


def normalised(header: str) -> str:
    """``"% Complete"`` -> ``percentcomplete``; ``"Task Name"`` -> ``taskname``."""
    return _NOT_LETTERS.sub("", header.lower().replace("%", "percent"))


def detected_field(header: str) -> str | None:
    return _BY_HEADER.get(normalised(header))


@dataclass(frozen=True)
class ColumnMapping:
    """One column: its 1-based number, its header, its field, and ``how`` the field was
    chosen: ``detected`` (from the header), ``mapped`` (by the user) or ``unknown``."""

    column: int
    header: str
    field: str
    how: str


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA, as a spreadsheet labels its columns."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _named(header: str, column: int) -> str:
    return (
        f"column {column_letter(column)} '{header}'"
        if header
        else f"column {column_letter(column)}"
    )


def _explicit(
    headers: Sequence[str], mapping: Mapping[str | int, str], filename: str
) -> tuple[dict[int, str], list[Diagnostic]]:
    """The user's mapping by column number; names a header or a column number (1-based)."""
    chosen: dict[int, str] = {}
    problems: list[Diagnostic] = []
    by_header: dict[str, int] = {}
    for column, header in enumerate(headers, 1):
        by_header.setdefault(header.strip().lower(), column)
    for key, field in mapping.items():
        target = field.strip().lower()
        if target not in FIELDS:
            known = ", ".join(FIELDS)
            problems.append(
                error(
                    "unknown_field",
                    f"the mapping '{key}={field}' names no field; the fields are: {known}",
                    "mapping",
                ).at(at(filename))
            )
            continue
        number: int | None
        if isinstance(key, int):
            number = key if 1 <= key <= len(headers) else None
        else:
            number = by_header.get(key.strip().lower())
        if number is None:
            problems.append(
                error(
                    "mapped_column_missing",
                    f"the mapping names column '{key}', which the table does not have",
                    "mapping",
                ).at(at(filename))
            )
            continue
        chosen[number] = target
    return chosen, problems


def map_columns(
    headers: Sequence[str], mapping: Mapping[str | int, str], filename: str, header_row: int = 1
) -> tuple[tuple[ColumnMapping, ...], list[Diagnostic]]:
    """Every column with its field; the problems: a mapping that names nothing, a field given
    by two columns (the first one is used), no name column, headers nobody recognises."""
    chosen, problems = _explicit(headers, mapping, filename)
    columns: list[ColumnMapping] = []
    taken: dict[str, int] = {}
    for number, header in enumerate(headers, 1):
        if number in chosen:
            field, how = chosen[number], "mapped"
        elif (found := detected_field(header)) is not None:
            field, how = found, "detected"
        else:
            field, how = IGNORE, "unknown"
            problems.append(
                warning(
                    "unknown_column",
                    f"{_named(header, number)} is not a known column and is left out: map it "
                    "to a field, or to 'ignore' to keep it out quietly",
                    "column",
                ).at(at(filename, header_row, number))
            )
        if field != IGNORE and field in taken:
            first = taken[field]
            problems.append(
                warning(
                    "duplicate_column",
                    f"{_named(header, number)} gives '{field}' too; "
                    f"{_named(headers[first - 1], first)} is used",
                    "column",
                ).at(at(filename, header_row, number))
            )
            field = IGNORE
        taken.setdefault(field, number)
        columns.append(ColumnMapping(number, header, field, how))
    if "name" not in taken:
        problems.append(
            error(
                "missing_name_column",
                "no column gives the tasks' names: map one to 'name' (e.g. --map 'Title=name')",
                "mapping",
            ).at(at(filename, header_row))
        )
    return tuple(columns), problems
