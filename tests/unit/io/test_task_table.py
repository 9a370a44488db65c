"""Task tables (CSV and XLSX) read into plan documents: dialects, encodings, hierarchy,
predecessors, assignments, the column mapping, and every diagnostic by code, row and column.

Tables are written here as the tools that make them write them (an MS Project CSV export, a
semicolon CSV from a European Excel, an XLSX built with openpyxl); the plan checks that apply
after conversion are asserted through the service, which runs the normal plan loader.
"""

from __future__ import annotations

import codecs
import io
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from plansmith.domain.diagnostics import Severity
from plansmith.io.table_source import read_table_bytes
from plansmith.io.task_table import TableOptions, TaskTable, read_task_table
from plansmith.services.task_import import read_task_table_bytes

FALLBACK = date(2027, 1, 4)

MS_PROJECT = """\
ID,Task Name,Duration,Start,Finish,Predecessors,Resource Names,Outline Level,% Complete
0,Office move,15 days,Mon 3/1/27,Fri 3/19/27,,,0,0%
1,Planning,5 days,Mon 3/1/27,Fri 3/5/27,,,1,0%
2,Survey site,2 days,Mon 3/1/27,Tue 3/2/27,,Ana[50%];Ben,2,50%
3,Order furniture,3 days?,Wed 3/3/27,Fri 3/5/27,2,Ben,2,0%
4,Move,10 days,Mon 3/8/27,Fri 3/19/27,1,,1,0%
5,Pack,5 days,Mon 3/8/27,Fri 3/12/27,,,2,0%
6,Unpack,1 wk,Mon 3/15/27,Fri 3/19/27,"5FS+2d;3SS",Ana,2,0%
7,Done,0 days,Fri 3/19/27,Fri 3/19/27,6,,2,0%
"""


def read(data: str | bytes, name: str = "tasks.csv", **options: Any) -> TaskTable:
    raw, problems = read_table_bytes(data.encode() if isinstance(data, str) else data, name)
    return read_task_table(raw, problems, TableOptions(**options), FALLBACK, name)


def found(table: TaskTable) -> set[tuple[str, int, int]]:
    """(code, row, column) of every diagnostic."""
    return {
        (d.code, d.location.line, d.location.column)
        for d in table.diagnostics
        if d.location is not None
    }


def tasks(table: TaskTable) -> list[dict[str, Any]]:
    assert table.document is not None, [d.message for d in table.diagnostics]
    result: list[dict[str, Any]] = table.document["tasks"]
    return result


def flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for task in items:
        out[task["id"]] = task
        out.update(flat(task.get("children", [])))
    return out


def shape(items: list[dict[str, Any]]) -> list[Any]:
    """The tree as nested (id, [children]) pairs."""
    return [(task["id"], shape(task.get("children", []))) for task in items]


def xlsx(rows: list[list[Any]], formats: dict[str, str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# An MS Project export -------------------------------------------------------------------------


def test_an_ms_project_export_becomes_a_task_tree() -> None:
    table = read(MS_PROJECT)
    assert table.ok
    assert table.document is not None
    assert table.document["project"] == {
        "id": "office-move",
        "name": "Office move",  # the project summary row (outline level 0)
        "start": "2027-03-01",  # the earliest start
    }
    assert shape(tasks(table)) == [
        ("planning", [("survey-site", []), ("order-furniture", [])]),
        ("move", [("pack", []), ("unpack", []), ("done", [])]),
    ]
    by_id = flat(tasks(table))
    assert by_id["order-furniture"]["duration"] == "3d"  # "3 days?" is an estimate
    assert by_id["order-furniture"]["after"] == ["survey-site"]  # by ID, not by row number
    assert by_id["move"]["after"] == ["planning"]
    assert by_id["unpack"]["duration"] == "1w"
    assert by_id["unpack"]["depends"] == [
        {"task": "pack", "type": "FS", "lag": "2d"},
        {"task": "order-furniture", "type": "SS"},
    ]
    assert by_id["done"]["milestone"] is True
    assert "duration" not in by_id["move"]  # a summary's duration is rolled up
    assert by_id["survey-site"]["assign"] == [
        {"resource": "ana", "units": 0.5},
        "ben",
    ]
    assert by_id["survey-site"]["progress"] == 50
    assert by_id["survey-site"]["actual_start"] == "2027-03-01"  # started at its start
    assert table.document["resources"] == [
        {"id": "ana", "name": "Ana"},
        {"id": "ben", "name": "Ben"},
    ]


def test_the_preview_shows_each_row_as_mapped() -> None:
    table = read(MS_PROJECT)
    assert [(r.row, r.level, r.task_id) for r in table.rows[:3]] == [
        (2, 0, None),  # the project's own row
        (3, 1, "planning"),
        (4, 2, "survey-site"),
    ]
    assert table.rows[2].values["resources"] == "Ana[50%];Ben"
    assert table.rows[2].values["duration"] == "2 days"
    assert {(c.header, c.field, c.how) for c in table.columns} >= {
        ("Task Name", "name", "detected"),
        ("Resource Names", "resources", "detected"),
        ("% Complete", "progress", "detected"),
        ("Outline Level", "level", "detected"),
    }


def test_the_converted_plan_passes_the_plan_loader() -> None:
    result = read_task_table_bytes(MS_PROJECT.encode(), "move.csv", TableOptions())
    assert result.ok, [str(d.location) + d.message for d in result.diagnostics]
    assert "name: Office move" in result.plan_text()
    assert result.plan is not None
    assert result.plan.project is not None
    assert len(result.plan.project.tasks) == 7


# Dialects and encodings ---------------------------------------------------------------------


def test_semicolons_and_decimal_commas() -> None:
    text = 'Name;Duration;Predecessors\nSpec;2,5 days;\nBuild;1 wk;"1"\nShip;4 hrs;1;2\n'
    by_id = flat(tasks(read(text)))
    assert by_id["spec"]["duration"] == "2.5d"
    assert by_id["build"]["after"] == ["spec"]
    assert by_id["ship"]["duration"] == "4h"


def test_semicolon_cells_in_a_semicolon_file_are_quoted() -> None:
    text = 'Name;Duration;Predecessors\nA;1d;\nB;1d;\nC;1d;"1;2"\n'
    assert flat(tasks(read(text)))["c"]["after"] == ["a", "b"]


def test_tabs_and_quoted_newlines() -> None:
    text = 'Task\tDuration\tNotes\nWrite "spec"\t2d\t"two\nlines"\nReview\t1d\t\n'
    by_id = flat(tasks(read(text, "tasks.tsv")))
    assert by_id["write-spec"]["notes"] == "two\nlines"
    assert by_id["write-spec"]["name"] == 'Write "spec"'
    assert by_id["review"]["duration"] == "1d"


def test_a_byte_order_mark_is_not_part_of_the_first_header() -> None:
    data = codecs.BOM_UTF8 + "Name,Duration\nCafé,1d\n".encode()
    table = read(data)
    assert table.columns[0].field == "name"
    assert flat(tasks(table))["cafe"]["name"] == "Café"


def test_windows_1252_is_the_fallback() -> None:
    table = read("Name,Duration\nRéunion – kick-off,1d\n".encode("cp1252"))
    assert tasks(table)[0]["name"] == "Réunion – kick-off"


def test_utf16_unicode_text_export() -> None:
    table = read("Name\tDuration\nZürich office\t3d\n".encode("utf-16"), "tasks.tsv")
    assert tasks(table)[0] == {"id": "zurich-office", "name": "Zürich office", "duration": "3d"}


# XLSX ----------------------------------------------------------------------------------------


def test_an_xlsx_with_dates_percentages_and_wbs() -> None:
    data = xlsx(
        [
            ["WBS", "Name", "Duration", "Start", "Finish", "% Complete", "Deadline"],
            ["1", "Design", None, datetime(2027, 3, 1), datetime(2027, 3, 10), 0, None],
            ["1.1", "Draft", "3 days", datetime(2027, 3, 1), datetime(2027, 3, 3), 1, None],
            ["1.2", "Review", None, datetime(2027, 3, 8), datetime(2027, 3, 10), 0, None],
            ["2", "Launch", 0, datetime(2027, 3, 12), None, 0, datetime(2027, 3, 31)],
        ],
        formats={"F3": "0%", "F4": "0%"},
    )
    table = read(data, "plan.xlsx")
    assert table.ok, [d.message for d in table.diagnostics]
    assert shape(tasks(table)) == [("design", [("draft", []), ("review", [])]), ("launch", [])]
    by_id = flat(tasks(table))
    assert by_id["draft"]["progress"] == 100  # the cell holds 1, formatted 0%
    assert by_id["draft"]["actual_finish"] == "2027-03-03"
    assert by_id["review"]["duration"] == "3d"  # Monday to Wednesday, from start and finish
    assert by_id["review"]["start_no_earlier_than"] == "2027-03-08"
    assert by_id["launch"] == {
        "id": "launch",
        "name": "Launch",
        "milestone": True,
        "start_no_earlier_than": "2027-03-12",
        "deadline": "2027-03-31",
    }


def test_a_file_that_is_not_a_workbook() -> None:
    table = read(b"PK\x03\x04 not really a zip", "plan.xlsx")
    assert found(table) == {("table_unreadable", 1, 1)}
    assert table.document is None


# Hierarchy ------------------------------------------------------------------------------------


def test_hierarchy_by_indentation_of_the_names() -> None:
    text = "Name,Duration\nPhase 1,\n  Design,2d\n    Sketch,1d\n  Build,3d\nPhase 2,\n  Ship,1d\n"
    assert shape(tasks(read(text))) == [
        ("phase-1", [("design", [("sketch", [])]), ("build", [])]),
        ("phase-2", [("ship", [])]),
    ]


def test_hierarchy_by_outline_number() -> None:
    text = "Outline Number,Name,Duration\n1,A,\n1.1,B,\n1.1.1,C,1d\n1.2,D,1d\n2,E,1d\n"
    assert shape(tasks(read(text))) == [("a", [("b", [("c", [])]), ("d", [])]), ("e", [])]


def test_a_level_that_skips_one_is_located() -> None:
    text = "Name,Level,Duration\nA,1,\nB,3,1d\n"
    assert ("invalid_outline", 3, 2) in found(read(text))


def test_a_first_row_deeper_than_the_top_is_located() -> None:
    assert found(read("Name,WBS,Duration\nA,1.1,1d\n")) == {("invalid_outline", 2, 2)}


def test_a_project_row_below_the_first_is_refused() -> None:
    assert ("invalid_outline", 3, 2) in found(read("Name,Level,Duration\nA,1,1d\nB,0,1d\n"))


# Predecessors and assignments ------------------------------------------------------------------


def test_predecessor_syntax_types_and_lags() -> None:
    text = (
        "Name,Duration,Predecessors\n"
        "A,1d,\n"
        "B,1d,\n"
        "C,1d,1FS+2d\n"
        "D,1d,2SS\n"
        "E,1d,1FF-1 day;2SF+4 hrs\n"
        'F,1d,"3, 4"\n'
        "G,1d,1 FS + 0.5 wks\n"
    )
    by_id = flat(tasks(read(text)))
    assert by_id["c"]["depends"] == [{"task": "a", "type": "FS", "lag": "2d"}]
    assert by_id["d"]["depends"] == [{"task": "b", "type": "SS"}]
    assert by_id["e"]["depends"] == [
        {"task": "a", "type": "FF", "lag": "-1d"},
        {"task": "b", "type": "SF", "lag": "4h"},
    ]
    assert by_id["f"]["after"] == ["c", "d"]
    assert by_id["g"]["depends"] == [{"task": "a", "type": "FS", "lag": "0.5w"}]


def test_predecessors_by_an_id_column_of_text_ids() -> None:
    text = (
        "Id,Name,Duration,Predecessors\n"
        "db-migrate,Migrate the database,2d,\n"
        "class,Classify data,1d,db-migrate\n"
        "cutover,Cut over,1d,class;db-migrate SS+1d\n"
    )
    by_id = flat(tasks(read(text)))
    assert set(by_id) == {"db-migrate", "class", "cutover"}
    assert by_id["class"]["after"] == ["db-migrate"]
    assert by_id["cutover"]["after"] == ["class"]
    assert by_id["cutover"]["depends"] == [{"task": "db-migrate", "type": "SS", "lag": "1d"}]


def test_assignments_with_units() -> None:
    text = 'Name,Duration,Assigned To\nA,1d,"Ana[50%];Smith, Jo[2]"\nB,1d,ana\n'
    table = read(text)
    by_id = flat(tasks(table))
    assert by_id["a"]["assign"] == [
        {"resource": "ana", "units": 0.5},
        {"resource": "smith-jo", "units": 2.0},
    ]
    assert by_id["b"]["assign"] == ["ana"]  # names match whatever their case
    assert table.document is not None
    assert [r["name"] for r in table.document["resources"]] == ["Ana", "Smith, Jo"]


def test_names_that_repeat_get_distinct_ids() -> None:
    text = "Name,Duration\nTest,1d\nTest,1d\ntest!,1d\n"
    assert [t["id"] for t in tasks(read(text))] == ["test", "test-2", "test-3"]


# The mapping ------------------------------------------------------------------------------


def test_an_explicit_mapping_overrides_the_headers() -> None:
    text = "Title,Length,Duration,Owner\nSpec,2d,9d,Ana\n"
    table = read(
        text, mapping={"Title": "name", "length": "duration", "Duration": "ignore", 4: "resources"}
    )
    assert tasks(table) == [{"id": "spec", "name": "Spec", "duration": "2d", "assign": ["ana"]}]
    assert [(c.field, c.how) for c in table.columns] == [
        ("name", "mapped"),
        ("duration", "mapped"),
        ("ignore", "mapped"),
        ("resources", "mapped"),
    ]
    assert not table.diagnostics


def test_project_name_and_start_from_the_options() -> None:
    table = read(MS_PROJECT, project_name="HQ move 2027", start=date(2027, 2, 1))
    assert table.document is not None
    assert table.document["project"] == {
        "id": "hq-move-2027",
        "name": "HQ move 2027",
        "start": "2027-02-01",
    }
    by_id = flat(tasks(table))
    # A task with no predecessors keeps its start as a constraint, unless a summary above it
    # has predecessors that place it (Pack's phase comes after Planning).
    assert "start_no_earlier_than" not in by_id["pack"]
    assert by_id["move"]["after"] == ["planning"]


def test_without_any_dates_the_fallback_start_is_used() -> None:
    table = read("Name,Duration\nA,1d\n", "network refresh.csv")
    assert table.document is not None
    assert table.document["project"] == {
        "id": "network-refresh",
        "name": "network refresh",
        "start": FALLBACK.isoformat(),
    }


# Every diagnostic by code, row and column --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "options", "expected"),
    [
        ("suffix", b"Name\nA\n", {}, {("table_unreadable", 1, 1)}),
        ("encoding", b"Name\n\x81\x8d\x8f\x90\x9d\n", {}, {("table_unreadable", 1, 1)}),
        ("empty", b"\n\n", {}, {("empty_table", 1, 1)}),
        ("no rows", b"Name,Duration\n,\n", {}, {("empty_table", 1, 1)}),
        ("unknown column", b"Name,Duration,Colour\nA,1d,red\n", {}, {("unknown_column", 1, 3)}),
        (
            "unknown field",
            b"Name,Duration\nA,1d\n",
            {"mapping": {"Name": "title"}},
            {("unknown_field", 1, 1)},
        ),
        (
            "mapped column missing",
            b"Name,Duration\nA,1d\n",
            {"mapping": {"Task": "name"}},
            {("mapped_column_missing", 1, 1)},
        ),
        (
            "duplicate column",
            b"Name,Duration,Task\nA,1d,B\n",
            {},
            {("duplicate_column", 1, 3)},
        ),
        ("no name column", b"Duration,Start\n1d,2027-01-04\n", {}, {("missing_name_column", 1, 1)}),
        ("duration", b"Name,Duration\nA,soon\n", {}, {("invalid_row_value", 2, 2)}),
        ("elapsed", b"Name,Duration\nA,5 edays\n", {}, {("invalid_row_value", 2, 2)}),
        ("date", b"Name,Duration,Start\nA,1d,next week\n", {}, {("invalid_row_value", 2, 3)}),
        ("percent", b"Name,Duration,% Complete\nA,1d,120%\n", {}, {("invalid_row_value", 2, 3)}),
        ("priority", b"Name,Duration,Priority\nA,1d,0\n", {}, {("invalid_row_value", 2, 3)}),
        ("milestone", b"Name,Milestone\nA,maybe\n", {}, {("invalid_row_value", 2, 2)}),
        ("units", b"Name,Duration,Resources\nA,1d,Ana[0%]\n", {}, {("invalid_row_value", 2, 3)}),
        (
            "lag",
            b"Name,Duration,Predecessors\nA,1d,\nB,1d,1FS+50%\n",
            {},
            {("invalid_row_value", 3, 3)},
        ),
        ("text id", b"Id,Name,Duration\nmy task,A,1d\n", {}, {("invalid_row_value", 2, 1)}),
        (
            "finish",
            b"Name,Start,Finish\nA,2027-03-05,2027-03-01\n",
            {},
            {("invalid_row_value", 2, 3)},
        ),
        ("duplicate id", b"Id,Name,Duration\nx,A,1d\nx,B,1d\n", {}, {("duplicate_id", 3, 1)}),
        ("no name", b"Name,Duration\n,1d\n", {}, {("missing_task_name", 2, 1)}),
        (
            "unknown predecessor",
            b"Name,Duration,Predecessors\nA,1d,\nB,1d,1;7\n",
            {},
            {("unknown_predecessor", 3, 3)},
        ),
        (
            "unknown predecessor id",
            b"ID,Name,Duration,Predecessors\n10,A,1d,\n11,B,1d,1\n",
            {},
            {("unknown_predecessor", 3, 4)},
        ),
        ("outline", b"Name,Level,Duration\nA,1,\nB,3,1d\n", {}, {("invalid_outline", 3, 2)}),
        (
            "summary",
            b"Name,Duration,Resources,Milestone\nA,,Ana,yes\n  B,1d,,\n",
            {},
            {("ignored_on_summary", 2, 3), ("ignored_on_summary", 2, 4)},
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_diagnostic_is_located(
    name: str, data: bytes, options: dict[str, Any], expected: set[tuple[str, int, int]]
) -> None:
    filename = "tasks.pdf" if name == "suffix" else "tasks.csv"
    table = read(data, filename, **options)
    assert found(table) == expected
    assert all(d.location is not None and d.location.file == filename for d in table.diagnostics)
    codes = {code for code, _, _ in expected}
    for diagnostic in table.diagnostics:
        assert diagnostic.code in codes
        if diagnostic.code in {"unknown_column", "duplicate_column", "ignored_on_summary"}:
            assert diagnostic.severity is Severity.WARNING
        else:
            assert diagnostic.severity is Severity.ERROR


def test_a_problem_is_shown_on_its_row_of_the_preview() -> None:
    table = read("Name,Duration\nA,1d\nB,soon\n")
    assert [len(row.problems) for row in table.rows] == [0, 1]
    assert table.rows[1].problems[0].code == "invalid_row_value"
    assert table.rows[1].values == {"name": "B", "duration": "soon"}


# The plan's own checks, located in the table ---------------------------------------------------


def _checked(text: str) -> set[tuple[str, int, int]]:
    result = read_task_table_bytes(text.encode(), "tasks.csv", TableOptions(), FALLBACK)
    return {
        (d.code, d.location.line, d.location.column)
        for d in result.diagnostics
        if d.location is not None
    }


def test_plan_checks_point_at_the_row_and_column() -> None:
    assert _checked("Name,Work\nA,2d\n") == {("effort_without_assignment", 2, 2)}
    assert _checked("Name,Duration,Notes\nA,,just a note\n") == {("task_kind_missing", 2, 1)}
    cycle = _checked("Name,Duration,Predecessors\nA,1d,2\nB,1d,1\n")
    assert {code for code, _, _ in cycle} == {"dependency_cycle"}
    assert {(row, column) for _, row, column in cycle} <= {(2, 3), (3, 3)}
    assert _checked("Name,Duration,Predecessors\nA,1d,1\n") == {("self_dependency", 2, 3)}
    progress = _checked("Name,Duration,% Complete\nA,2d,40\n")
    assert progress == {("progress_without_start", 2, 3)}


def test_names_that_yaml_would_read_as_numbers_stay_text() -> None:
    """The plan file is YAML 1.2: "1e5" or "0o7" written plain would read back as numbers."""
    text = "Name,Duration\n1e5,1d\n0o7,1d\n12,1d\n"
    result = read_task_table_bytes(text.encode(), "tasks.csv", TableOptions(), FALLBACK)
    assert result.ok, [d.message for d in result.diagnostics]
    assert result.plan is not None
    assert result.plan.spec is not None
    assert [task.name for task in result.plan.spec.tasks] == ["1e5", "0o7", "12"]
