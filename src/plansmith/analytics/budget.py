"""Planned cost against the budget: by phase, category and month, and the cash flow.

A budget line is for a phase and a category, or for the whole project (no phase); planned cost is
compared with the lines that match it most closely. Management reserve is budget held back from
the plan, so it has no planned cost of its own and never shows as an overrun.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from plansmith.analytics.costs import CostPlan
from plansmith.domain.model import Project
from plansmith.domain.money import Category


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """One budget line (or planned cost no line covers) and the plan against it."""

    phase: str | None
    category: Category
    budget: Decimal | None  # None: nothing budgeted for this phase and category
    planned: Decimal

    @property
    def variance(self) -> Decimal | None:
        """Budget minus planned: negative means the plan costs more than was budgeted."""
        return None if self.budget is None else self.budget - self.planned


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: str  # YYYY-MM
    planned: Decimal
    cumulative: Decimal


@dataclass(frozen=True, slots=True)
class BudgetReport:
    total_planned: Decimal
    total_budget: Decimal
    by_phase: dict[str, Decimal]
    by_category: dict[str, Decimal]
    rows: list[BudgetRow]
    cash_flow: list[MonthRow]
    by_phase_month: dict[str, dict[str, Decimal]]


def budget_report(project: Project, costs: CostPlan) -> BudgetReport:
    planned: dict[tuple[str | None, Category], Decimal] = defaultdict(Decimal)
    for e in costs.entries:
        planned[(e.phase, e.category)] += e.amount
    lines: dict[tuple[str | None, Category], Decimal] = defaultdict(Decimal)
    for line in project.budget:
        lines[(line.phase, line.category)] += line.amount
    rows: list[BudgetRow] = []
    covered: set[tuple[str | None, Category]] = set()
    for (phase, category), amount in lines.items():
        if phase is None:  # a project-wide line covers this category in every phase
            keys = [k for k in planned if k[1] is category and (k[0], category) not in lines]
        else:
            keys = [(phase, category)]
        covered.update(keys)
        rows.append(
            BudgetRow(
                phase, category, amount, sum((planned.get(k, Decimal(0)) for k in keys), Decimal(0))
            )
        )
    for key, amount in planned.items():
        if key not in covered:
            rows.append(BudgetRow(key[0], key[1], None, amount))
    rows.sort(key=lambda r: (r.phase or "", list(Category).index(r.category)))
    months = sorted(costs.by("month").items())
    cumulative = Decimal(0)
    cash_flow = []
    for month, amount in months:
        cumulative += amount
        cash_flow.append(MonthRow(str(month), amount, cumulative))
    by_phase_month: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for e in costs.entries:
        by_phase_month[e.phase or ""][f"{e.day:%Y-%m}"] += e.amount
    return BudgetReport(
        total_planned=costs.total,
        total_budget=sum(lines.values(), Decimal(0)),
        by_phase={str(k or ""): v for k, v in costs.by("phase").items()},
        by_category={str(k): v for k, v in costs.by("category").items()},
        rows=rows,
        cash_flow=cash_flow,
        by_phase_month={k: dict(v) for k, v in by_phase_month.items()},
    )
