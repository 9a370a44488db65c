"""The portfolio summary: one row per project with its health and the rule behind it, forecast
and baseline finish, SPI, CPI, spent against budget, the next milestone and overdue work.

The rows are the dashboard's (services.dashboard computes each project's overview through the
same health rule); this module only counts, orders and lays them out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from plansmith.analytics.health import AMBER, GREEN, HEALTH_RULES, RED, UNKNOWN
from plansmith.reports.document import Chart, Column, KeyFigure, Report, Section, Series, Table

LEVELS = (RED, AMBER, GREEN, UNKNOWN)


@dataclass(frozen=True, slots=True)
class PortfolioEntry:
    key: str
    name: str
    portfolio: str | None
    health: str
    rule: str
    finish: datetime | None = None
    baseline_finish: datetime | None = None
    status_date: date | None = None
    spi: Decimal | None = None
    cpi: Decimal | None = None
    spent: Decimal | None = None
    budget: Decimal | None = None
    currency: str = ""
    next_milestone: str = ""
    overdue: int = 0

    @property
    def burn(self) -> Decimal | None:
        """Spent as a share of the budget at completion."""
        if self.spent is None or not self.budget:
            return None
        return self.spent / self.budget


COLUMNS = (
    Column("Project"),
    Column("Name"),
    Column("Portfolio"),
    Column("Health"),
    Column("Why"),
    Column("Forecast finish", "datetime"),
    Column("Baseline finish", "datetime"),
    Column("SPI", "ratio"),
    Column("CPI", "ratio"),
    Column("Spent", "money"),
    Column("Budget", "money"),
    Column("Currency"),
    Column("Burn", "percent"),
    Column("Next milestone"),
    Column("Overdue tasks", "count"),
)


def build_portfolio_report(
    entries: Sequence[PortfolioEntry], day: date, title: str = "Portfolio summary"
) -> Report:
    order = {level: k for k, level in enumerate(LEVELS)}
    ranked = sorted(entries, key=lambda e: (order.get(e.health, len(LEVELS)), e.key))
    counts = Counter(e.health for e in entries)
    rows = tuple(
        (e.key, e.name, e.portfolio or "", e.health.upper(), e.rule, e.finish,
         e.baseline_finish, e.spi, e.cpi, e.spent, e.budget, e.currency, e.burn,
         e.next_milestone, e.overdue)
        for e in ranked
    )  # fmt: skip
    table = Table("projects", "Projects", COLUMNS, rows, "No projects.")
    figures = (
        KeyFigure("projects", "Projects", len(entries), "count"),
        *(KeyFigure(level, level.capitalize(), counts.get(level, 0), "count") for level in LEVELS),
    )
    chart = Chart(
        "health_counts",
        "Projects by health",
        ", ".join(f"{counts.get(level, 0)} {level}" for level in LEVELS) + ".",
        "projects",
        (
            Series(
                "Projects", LEVELS, tuple(float(counts.get(level, 0)) for level in LEVELS), "bar"
            ),
        ),
        y_kind="count",
    )
    worst = ", ".join(f"{e.key} ({e.rule})" for e in ranked if e.health == RED)
    text = f"{len(entries)} project(s): " + ", ".join(
        f"{counts.get(level, 0)} {level}" for level in LEVELS
    )
    text += f". Red: {worst}." if worst else "."
    rules = "; ".join(f"{level}: {rule}" for level, rule in HEALTH_RULES)
    currencies = {e.currency for e in entries if e.currency}
    return Report(
        kind="portfolio",
        title=title,
        subject=title,
        status_date=day,
        currency=currencies.pop() if len(currencies) == 1 else "",
        health=None,
        sections=(
            Section("summary", "Summary", (text,), figures, charts=(chart,)),
            Section("projects", "Projects", (f"Health: {rules}.",), tables=(table,)),
        ),
        sheets=(table,),
        notes=("Each project's figures are at its own status date.",),
    )
