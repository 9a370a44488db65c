"""Every table on a page can be downloaded as CSV and XLSX: one helper for all of them.

A page's route builds a :class:`Table` (its column headings and rows of plain values: text,
numbers, ``Decimal``, dates, times, booleans or ``None``) and answers with
``download(table, fmt)``, where ``fmt`` is the URL's ``csv`` or ``xlsx``. The file name is made
safe for a ``Content-Disposition`` header, and a cell of text that a spreadsheet would run as a
formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is defused:
CSV gets a leading apostrophe, XLSX stores the text as a string (never a formula). Numbers
stay numbers in both, so a negative amount is still a number.

Routes follow one pattern, a literal table name in the path so pages never collide::

    GET /tables/portfolio.{fmt}                  (the dashboard)
    GET /projects/{key}/tables/{name}.{fmt}      (a project's pages: wbs, resources, risks ...)

and the template puts ``{{ macros.download_links(base_url, name) }}`` next to the table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from plansmith.errors import NotFound

Value = str | int | float | Decimal | date | datetime | time | bool | None

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet takes as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_NAME = 100
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"


@dataclass(frozen=True)
class Table:
    """A named table as a page shows it: ``name`` becomes the file name and the sheet title."""

    name: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Value]]

    def __post_init__(self) -> None:
        width = len(self.columns)
        for number, row in enumerate(self.rows, 1):
            if len(row) != width:
                raise ValueError(f"row {number} has {len(row)} cells for {width} columns")


def safe_filename(name: str, extension: str) -> str:
    """``name`` as a file name any system and header accepts: letters, digits, ``.``, ``_``
    and ``-`` only, no leading dot, at most 100 characters before the extension."""
    stem = _UNSAFE_NAME.sub("-", name).strip(".-_")[:MAX_NAME].strip(".-_")
    return f"{stem or 'table'}.{extension}"


def defused(text: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe before a formula's first sign."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return defused(value)


def csv_bytes(table: Table) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark (so spreadsheets read accents right)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([defused(str(c)) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def _sheet_title(name: str) -> str:
    return _SHEET_FORBIDDEN.sub("-", name).strip("'")[:31] or "table"


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Value) -> Cell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    # openpyxl writes Decimal, date and time too (exactly); its stubs name fewer types.
    cell = WriteOnlyCell(sheet, value=cast(Any, value))
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, time):
        cell.number_format = TIME_FORMAT
    return cell


def xlsx_bytes(table: Table) -> bytes:
    """The table as one worksheet: a bold, frozen heading row, typed cells, readable widths."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(table.name))
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(table.columns, 1):
        longest = max([len(_csv_text(row[index - 1])) for row in table.rows[:200]] or [0])
        width = min(max(len(heading), longest) + 2, 60)
        sheet.column_dimensions[get_column_letter(index)].width = width
    headings = []
    for heading in table.columns:
        cell = _xlsx_cell(sheet, heading)
        cell.font = Font(bold=True)
        headings.append(cell)
    sheet.append(headings)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def as_date(value: object) -> Value:
    """A page's ISO day (``2027-03-01``) as a date, so a spreadsheet sorts and sums it; a
    value that is not one (empty, free text) is kept as it is, ``""`` becoming empty."""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return _plain(value)


def as_datetime(value: object) -> Value:
    """A page's ISO moment (``2027-03-01T08:30``, seconds and zone dropped, as the page shows
    it: to the minute) as a datetime; anything else as :func:`as_date` keeps it."""
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            return datetime.fromisoformat(value[:16].replace(" ", "T"))
        except ValueError:
            return value
    return as_date(value)


def as_number(value: object) -> Value:
    """A service's amount or score (often a string such as ``"24000"``, so JSON keeps it
    exact) as a Decimal; whole numbers and floats stay as they are, text stays text."""
    if isinstance(value, str):
        try:
            number = Decimal(value) if value.strip() else None
        except ArithmeticError:
            return value
        return value if number is not None and not number.is_finite() else number
    return _plain(value)


def _plain(value: object) -> Value:
    if value is None or value == "":
        return None
    if isinstance(value, str | int | float | Decimal | date | time | bool):
        return value
    return str(value)


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"


def download(table: Table, fmt: str) -> Response:
    """The table as a file to save: ``fmt`` is ``csv`` or ``xlsx`` (anything else: 404)."""
    if fmt == "csv":
        body, media_type = csv_bytes(table), CSV_TYPE
    elif fmt == "xlsx":
        body, media_type = xlsx_bytes(table), XLSX_TYPE
    else:
        raise NotFound(f"no download as '{fmt}': use csv or xlsx")
    headers = {
        "Content-Disposition": _attachment(safe_filename(table.name, fmt)),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body, media_type=media_type, headers=headers)
