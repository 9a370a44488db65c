"""The report document as an XLSX workbook (openpyxl): a Summary sheet with the health, the key
figures and the sections' text, then one sheet per whole table (a status report's Tasks, Costs
and Risks). Cells hold typed values (money as numbers with two decimals shown, dates as dates),
so the figures can be summed and filtered; the exact decimal is what the report holds."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from plansmith.reports.document import Kind, Report, Table, Value

FORMATS: dict[Kind, str] = {
    "money": "#,##0.00",
    "ratio": "0.00",
    "percent": "0.0%",
    "days": "0.0",
    "count": "#,##0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
BOLD = Font(bold=True)


def _cell(sheet: Worksheet, row: int, column: int, value: Value, kind: Kind) -> None:
    if isinstance(value, Decimal):
        value = float(value)  # a spreadsheet number; the report keeps the exact decimal
    cell = sheet.cell(row=row, column=column, value=value)
    if kind in FORMATS and isinstance(value, int | float | date | datetime):
        cell.number_format = FORMATS[kind]


def _summary(sheet: Worksheet, report: Report) -> None:
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Status date", report.status_date])
    sheet["B2"].number_format = FORMATS["date"]
    if report.currency:
        sheet.append(["Currency", report.currency])
    if report.health is not None:
        sheet.append(["Health", report.health.level.upper(), report.health.rule])
    sheet.append([])
    sheet.append(["Section", "Figure", "Value", "Note"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for section in report.sections:
        for figure in section.figures:
            row = sheet.max_row + 1
            sheet.cell(row=row, column=1, value=section.title)
            sheet.cell(row=row, column=2, value=figure.label)
            _cell(sheet, row, 3, figure.value, figure.kind)
            sheet.cell(row=row, column=4, value=figure.note or None)
    sheet.append([])
    for section in report.sections:
        for paragraph in section.paragraphs:
            sheet.append([section.title, paragraph])
    for note in report.notes:
        sheet.append(["Note", note])
    for column, width in zip("ABCD", (26, 30, 20, 60), strict=True):
        sheet.column_dimensions[column].width = width


def _table(sheet: Worksheet, table: Table) -> None:
    sheet.append([c.title for c in table.columns])
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    for r, row in enumerate(table.rows, start=2):
        for k, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            _cell(sheet, r, k, value, column.kind)
    for k, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = max(
            10, min(40, len(column.title) + 4)
        )


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has one sheet
    summary.title = "Summary"
    _summary(summary, report)
    for table in report.sheets:
        _table(book.create_sheet(table.title[:31]), table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
