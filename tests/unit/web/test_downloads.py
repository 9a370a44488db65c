"""Table downloads: CSV and XLSX of plain values, safe file names, formula injection defused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from plansmith.errors import NotFound
from plansmith.web.downloads import (
    CSV_TYPE,
    XLSX_TYPE,
    Table,
    csv_bytes,
    defused,
    download,
    safe_filename,
    xlsx_bytes,
)

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def _table() -> Table:
    rows = [[text, Decimal("-12.50"), -3, 1.5, None, True] for text in HOSTILE]
    rows.append(['plain, "quoted"\nline', Decimal("0.10"), 0, 0.0, date(2027, 1, 4), False])
    return Table("risks", ["Name", "Amount", "Count", "Ratio", "When", "Done"], rows)


def _csv_rows(table: Table) -> list[list[str]]:
    data = csv_bytes(table)
    assert data.startswith("\ufeff".encode())  # spreadsheets read UTF-8 with the mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_defuses_formulas_in_text_and_keeps_numbers_as_numbers() -> None:
    heading, *rows = _csv_rows(_table())
    assert heading == ["Name", "Amount", "Count", "Ratio", "When", "Done"]
    for text, row in zip(HOSTILE, rows, strict=False):
        assert row == ["'" + text, "-12.50", "-3", "1.5", "", "true"]
    assert rows[-1] == ['plain, "quoted"\nline', "0.10", "0", "0.0", "2027-01-04", "false"]


def test_csv_writes_dates_and_times_as_iso_text() -> None:
    table = Table(
        "t", ["at", "day", "time"], [[datetime(2027, 5, 14, 9, 30), date(2027, 5, 14), time(17)]]
    )
    assert _csv_rows(table)[1] == ["2027-05-14 09:30", "2027-05-14", "17:00:00"]


def test_a_heading_is_defused_too() -> None:
    assert _csv_rows(Table("t", ["=1+1"], []))[0] == ["'=1+1"]


def test_xlsx_stores_hostile_text_as_strings_never_formulas() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(_table()))).active
    assert sheet is not None
    assert sheet.title == "risks"
    assert sheet.freeze_panes == "A2"
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == ["Name", "Amount", "Count", "Ratio", "When", "Done"]
    assert cells[0][0].font.b
    for text, row in zip(HOSTILE, cells[1:], strict=False):
        assert row[0].data_type == "s"
        # openpyxl writes through lxml (a dependency since MSPDI), which escapes a lone CR, so
        # the text comes back exactly as it went in
        assert row[0].value == text
        assert row[1].data_type == "n"
        assert row[1].value == Decimal("-12.5")
        assert row[2].value == -3
        assert row[5].value is True
    when = cells[-1][4]
    assert when.value == datetime(2027, 1, 4)
    assert when.number_format == "yyyy-mm-dd"


def test_xlsx_drops_characters_a_workbook_cannot_hold() -> None:
    sheet = load_workbook(
        io.BytesIO(xlsx_bytes(Table("t", ["a"], [["bell\x07 and nul\x00"]])))
    ).active
    assert sheet is not None
    assert sheet["A2"].value == "bell and nul"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("portfolio", "portfolio.csv"),
        ("Risk register: Q3/2027", "Risk-register-Q3-2027.csv"),
        ("../../etc/passwd", "etc-passwd.csv"),
        ('a"b\r\nContent-Type: x', "a-b-Content-Type-x.csv"),
        ("Überblick «Kosten»", "berblick-Kosten.csv"),
        ("...", "table.csv"),
        ("", "table.csv"),
        ("x" * 300, "x" * 100 + ".csv"),
    ],
)
def test_file_names_are_safe(name: str, expected: str) -> None:
    assert safe_filename(name, "csv") == expected


def test_defused_leaves_ordinary_text_alone() -> None:
    assert defused("Go-live") == "Go-live"
    assert defused("") == ""
    assert defused("-") == "'-"


def test_download_answers_with_the_right_type_and_an_attachment() -> None:
    table = Table("Risk register", ["a"], [["x"]])
    as_csv = download(table, "csv")
    assert as_csv.headers["content-type"] == CSV_TYPE
    assert as_csv.headers["content-disposition"].startswith(
        'attachment; filename="Risk-register.csv"'
    )
    assert as_csv.headers["cache-control"] == "private, no-store"
    as_xlsx = download(table, "xlsx")
    assert as_xlsx.headers["content-type"] == XLSX_TYPE
    assert as_xlsx.body[:2] == b"PK"  # a zip
    with pytest.raises(NotFound):
        download(table, "pdf")


def test_a_row_of_the_wrong_width_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        Table("t", ["a", "b"], [["only one"]])
