"""The neutral report document: what a report says, before any format is chosen.

A builder (:mod:`.status`, :mod:`.portfolio`) fills one :class:`Report` from the engines'
results; each renderer (:mod:`.markdown`, :mod:`.html`, :mod:`.pdf`, :mod:`.xlsx`) turns the same
document into its format, so the figures cannot differ between formats. Everything is frozen
and typed: money is an exact :class:`~decimal.Decimal` (rounded only when shown), dates are
dates, and a chart is its data, drawn by the renderer.

Each value carries a :data:`Kind`, which says how to show it (:mod:`.formatting`) and which
number format a spreadsheet cell gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Value = str | int | float | Decimal | date | datetime | None
Kind = Literal[
    "text",  # a string
    "money",  # Decimal, in the report's currency
    "ratio",  # Decimal such as SPI (shown with 2 decimals)
    "percent",  # Decimal or float share, 0.0 to 1.0
    "days",  # working days, Decimal or float
    "count",  # int
    "date",  # date
    "datetime",  # datetime (shown to the minute)
]

NONE_RECORDED = "None recorded."


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One headline number: what it is, its value, and what it means."""

    id: str  # stable, for tests and spreadsheets: "spi", "p80_finish"
    label: str
    value: Value
    kind: Kind
    note: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    empty: str = NONE_RECORDED  # what to say when there are no rows
    note: str = ""  # e.g. "the first 10 of 25"

    def column(self, title: str) -> list[Value]:
        index = [c.title for c in self.columns].index(title)
        return [row[index] for row in self.rows]


@dataclass(frozen=True, slots=True)
class Series:
    """One line, step curve or set of bars: x and y of the same length."""

    name: str
    x: tuple[date | datetime | float | str, ...]
    y: tuple[float, ...]
    style: Literal["line", "step", "points", "bar"] = "line"


@dataclass(frozen=True, slots=True)
class Marker:
    """A labelled vertical line: the status date, the P80 finish."""

    label: str
    x: date | datetime | float


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    description: str  # the chart in one sentence: its text alternative
    y_label: str
    series: tuple[Series, ...]
    markers: tuple[Marker, ...] = ()
    y_kind: Kind = "money"


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    paragraphs: tuple[str, ...] = ()
    figures: tuple[KeyFigure, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True, slots=True)
class Health:
    level: str  # red, amber, green or unknown
    rule: str  # why: the threshold that set it
    rules: tuple[tuple[str, str], ...] = ()  # the whole published rule, level by level


@dataclass(frozen=True, slots=True)
class Report:
    kind: Literal["status", "portfolio"]
    title: str
    subject: str  # the project's (or portfolio's) name
    status_date: date
    currency: str
    health: Health | None
    sections: tuple[Section, ...]
    sheets: tuple[Table, ...] = ()  # whole tables for the spreadsheet (every task, every risk)
    notes: tuple[str, ...] = ()  # how figures were made: seed, iterations, baseline

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def figure(self, figure_id: str) -> KeyFigure:
        return next(f for s in self.sections for f in s.figures if f.id == figure_id)

    def table(self, table_id: str) -> Table:
        tables = [t for s in self.sections for t in s.tables] + list(self.sheets)
        return next(t for t in tables if t.id == table_id)

    @property
    def figures(self) -> tuple[KeyFigure, ...]:
        return tuple(f for s in self.sections for f in s.figures)


# Inputs that come from parts of Plansmith still to be built (meetings and decision logs): a
# report shows them when a caller passes any, and says "None recorded." otherwise.


@dataclass(frozen=True, slots=True)
class Decision:
    title: str
    owner: str = ""
    due: date | None = None
    context: str = ""


@dataclass(frozen=True, slots=True)
class ActionItem:
    title: str
    owner: str = ""
    due: date | None = None
    done: bool = False
    meeting: str = ""
