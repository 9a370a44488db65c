"""Planned cost against the budget: by phase, category and month, and the cash flow.

A budget line is for a task (usually a phase, but any summary or task will do) and a category,
or for the whole project (no phase). Each planned amount counts against the most specific line
that covers it: its task's own, else its nearest summary's, up to the project-wide line.
Management reserve is budget held back from the plan, so it has no planned cost of its own and
never shows as an overrun.
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


def _line_for(
    task: str | None,
    category: Category,
    lines: dict[tuple[str | None, Category], Decimal],
    parent: dict[str, str | None],
) -> tuple[str | None, Category] | None:
    """The most specific line covering a cost: the task's own, its nearest summary's, up to its
    phase's, else the project-wide line of that category."""
    node = task
    while node is not None:
        if (node, category) in lines:
            return (node, category)
        node = parent.get(node)
    return (None, category) if (None, category) in lines else None


def budget_report(project: Project, costs: CostPlan) -> BudgetReport:
    lines: dict[tuple[str | None, Category], Decimal] = defaultdict(Decimal)
    for line in project.budget:
        lines[(line.phase, line.category)] += line.amount
    parent = {t.id: t.parent for t in project.tasks}
    matched: dict[tuple[str | None, Category], Decimal] = defaultdict(Decimal)
    unbudgeted: dict[tuple[str | None, Category], Decimal] = defaultdict(Decimal)
    for e in costs.entries:
        key = _line_for(e.task, e.category, lines, parent)
        if key is None:
            unbudgeted[(e.phase, e.category)] += e.amount
        else:
            matched[key] += e.amount
    rows = [
        BudgetRow(phase, category, amount, matched.get((phase, category), Decimal(0)))
        for (phase, category), amount in lines.items()
    ]
    rows += [BudgetRow(p, c, None, amount) for (p, c), amount in unbudgeted.items()]
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
