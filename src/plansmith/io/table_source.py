"""A spreadsheet file as a header row and numbered rows of cells, whatever wrote it.

CSV files come in every dialect (commas, semicolons where the comma is the decimal mark, tabs
from "Unicode text" exports), with or without a byte-order mark, in UTF-8, UTF-16 or, from
older Excel on Windows, cp1252: the dialect is sniffed and the encoding tried in that order.
XLSX files are read with openpyxl in read-only mode (rows streamed, formulas as their last
computed values). Rows keep the numbers the user sees in the spreadsheet, so every problem
can point at the row to fix; a file that cannot be read at all is one ``table_unreadable``
diagnostic, never an exception.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from plansmith.domain.diagnostics import Diagnostic, SourceLocation, error
from plansmith.io.task_table_values import CellValue

CSV_SUFFIXES = (".csv", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
MAX_ROWS = 100_000  # far beyond any plan; a decompressed XLSX can otherwise be huge
_DELIMITERS = ",;\t|"
_SNIFF_SIZE = 64 * 1024


@dataclass(frozen=True)
class RawTable:
    """``rows`` are (row number as the spreadsheet shows it, cells), after the header row."""

    filename: str
    header_row: int
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[CellValue, ...]], ...]


def at(filename: str, row: int = 1, column: int = 1) -> SourceLocation:
    """A spreadsheet position as a diagnostic's location: the row is the line."""
    return SourceLocation(filename, row, column)


def _unreadable(filename: str, message: str, row: int = 1) -> Diagnostic:
    return error("table_unreadable", message, "table").at(at(filename, row))


def read_table_file(path: str | Path) -> tuple[RawTable | None, list[Diagnostic]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [_unreadable(str(path), f"cannot read {path}: {reason}")]
    return read_table_bytes(data, str(path))


def read_table_bytes(data: bytes, filename: str) -> tuple[RawTable | None, list[Diagnostic]]:
    """The table in ``data``, read as the file name's suffix says (CSV or XLSX)."""
    suffix = Path(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _xlsx(data, filename)
    if suffix in CSV_SUFFIXES:
        return _csv(data, filename)
    return None, [
        _unreadable(filename, f"'{suffix or filename}' is not a task table: use .csv or .xlsx")
    ]


def _decoded(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class _Dialect(csv.excel):
    """Excel's dialect (double quotes, doubled to escape) with the sniffed delimiter. Only the
    delimiter is sniffed: the sniffer also guesses quote characters and spaces after
    delimiters, and guesses them wrong on names such as "'' draft" or "  indented"."""

    def __init__(self, delimiter: str) -> None:
        super().__init__()
        self.delimiter = delimiter


def _dialect(text: str) -> _Dialect:
    """The sniffed delimiter, unless it is absent from the header line while another
    candidate is there (the sniffer can be misled by the data rows of a one-column file)."""
    sample = text[:_SNIFF_SIZE]
    first_line = sample.lstrip("\r\n").split("\n", 1)[0]
    by_count = max(_DELIMITERS, key=first_line.count)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and (sniffed in first_line or not first_line.count(by_count)):
        return _Dialect(sniffed)
    return _Dialect(by_count if first_line.count(by_count) else ",")


def _csv(data: bytes, filename: str) -> tuple[RawTable | None, list[Diagnostic]]:
    text = _decoded(data)
    if text is None:
        return None, [
            _unreadable(filename, "the file is not text in UTF-8, UTF-16 or Windows-1252")
        ]
    records: list[tuple[int, tuple[CellValue, ...]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    number = 0
    try:
        for number, record in enumerate(reader, 1):
            if number > MAX_ROWS + 1:
                return None, [_too_many(filename)]
            records.append((number, tuple(record)))
    except csv.Error as exc:
        return None, [_unreadable(filename, f"the CSV cannot be read: {exc}", number + 1)]
    return _with_header(records, filename)


def _xlsx(data: bytes, filename: str) -> tuple[RawTable | None, list[Diagnostic]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        return None, [_unreadable(filename, f"the file is not a readable XLSX workbook: {reason}")]
    try:
        sheet = workbook.worksheets[0]
        records: list[tuple[int, tuple[CellValue, ...]]] = []
        for number, row in enumerate(sheet.iter_rows(min_row=1), 1):
            if number > MAX_ROWS + 1:
                return None, [_too_many(filename)]
            records.append((number, tuple(_cell(cell) for cell in row)))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        return None, [_unreadable(filename, f"the workbook's first sheet cannot be read: {reason}")]
    finally:
        workbook.close()
    return _with_header(records, filename)


def _cell(cell: object) -> CellValue:
    """A cell's value; a number formatted as a percentage is read as the sheet shows it."""
    value = getattr(cell, "value", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = getattr(cell, "number_format", "") or ""
        if "%" in number_format:
            return f"{value * 100:.6f}".rstrip("0").rstrip(".") + "%"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value
    return str(value)  # a time or a timedelta: shown as text, read by the field's reader


def _too_many(filename: str) -> Diagnostic:
    return _unreadable(filename, f"the table has more than {MAX_ROWS:,} rows")


def _blank(cells: tuple[CellValue, ...]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _with_header(
    records: list[tuple[int, tuple[CellValue, ...]]], filename: str
) -> tuple[RawTable | None, list[Diagnostic]]:
    """The first row that is not blank is the header; trailing empty columns are dropped."""
    filled = [(number, cells) for number, cells in records if not _blank(cells)]
    if not filled:
        problem = error("empty_table", "the table is empty: it has no header row", "table")
        return None, [problem.at(at(filename))]
    header_row, header = filled[0]
    width = max(
        (
            max((k + 1 for k, cell in enumerate(cells) if not _blank((cell,))), default=0)
            for _, cells in filled
        ),
        default=0,
    )
    headers = tuple(
        str(header[k]).strip() if k < len(header) and header[k] is not None else ""
        for k in range(width)
    )
    rows = tuple(
        (number, tuple(cells[:width]) + (None,) * (width - len(cells)))
        for number, cells in records
        if number > header_row
    )
    return RawTable(filename, header_row, headers, rows), []
