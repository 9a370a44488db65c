"""How a value of the report document is shown in text formats (Markdown, HTML, PDF).

Money is rounded half-even to the cent, as everywhere in Plansmith (docs/money.md), with a
thousands separator; ratios to two decimals; shares as percentages; working days to one decimal.
A value that does not exist (an index whose denominator is zero) shows as "n/a".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from plansmith.reports.document import Kind, Value

CENT = Decimal("0.01")
NOT_AVAILABLE = "n/a"


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_EVEN):,}"


def show(value: Value, kind: Kind) -> str:
    if value is None:
        return NOT_AVAILABLE if kind in ("money", "ratio", "percent", "days") else ""
    if kind == "money" and isinstance(value, Decimal | int | float):
        return money(Decimal(str(value)))
    if kind == "ratio" and isinstance(value, Decimal | int | float):
        return f"{Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)}"
    if kind == "percent" and isinstance(value, Decimal | int | float):
        return f"{float(value) * 100:.1f} %"
    if kind == "days" and isinstance(value, Decimal | int | float):
        return f"{float(value):.1f}"
    if kind == "count" and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if kind == "datetime" else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
