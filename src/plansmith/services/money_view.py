"""A stored project's money as the money page shows it: budget against planned and actual cost
by phase and by month, and earned value with its S-curves and indices.

The figures are the engines': the budget report of ``plansmith budget`` and the earned value
of ``plansmith evm`` (and the API's EVM action) for the same plan. The S-curves sample the same
EVM engine at the end of every week: planned value (PV) and actual cost (AC) are known for any
date (PV from the baseline's days, AC from dated bookings), so they are drawn as curves. Earned
value (EV) depends on progress as it was recorded, so it is drawn only at status dates the
engine reports (its ``series``), never reconstructed for dates nobody measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from plansmith.analytics.budget import budget_report
from plansmith.analytics.costs import phases
from plansmith.analytics.evm import REMOVED, EvmReport
from plansmith.domain.diagnostics import Diagnostic
from plansmith.io.baselines import Baseline
from plansmith.io.money_json import budget_to_json, evm_to_json, money
from plansmith.io.plan_file import LoadedPlan
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.services.money import Costed, baseline_of, cost_plan, evm_of

CURRENT = "(current plan)"  # the key under which the plan as it stands is measured

PHASE_COLUMNS = (
    ("Phase id", "id"),
    ("Phase", "name"),
    ("Budget", "budget"),
    ("Planned", "planned"),
    ("Budget - planned", "variance"),
    ("Planned value", "pv"),
    ("Earned value", "ev"),
    ("Actual cost", "ac"),
    ("CPI", "cpi"),
    ("SPI", "spi"),
)
MONTH_COLUMNS = (
    ("Month", "month"),
    ("Planned", "planned"),
    ("Planned, cumulative", "cumulative"),
    ("Actual cost", "actual"),
    ("Actual cost, cumulative", "actual_cumulative"),
)
LINE_COLUMNS = (
    ("Phase", "phase"),
    ("Category", "category"),
    ("Budget", "budget"),
    ("Planned", "planned"),
    ("Budget - planned", "variance"),
)
SERIES_COLUMNS = (
    ("Status date", "status_date"),
    ("PV", "pv"),
    ("EV", "ev"),
    ("AC", "ac"),
    ("SPI", "spi"),
    ("CPI", "cpi"),
    ("SPI(t)", "spi_t"),
)


@dataclass(frozen=True)
class MoneyView:
    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    currency: str = ""
    budget: dict[str, Any] = field(default_factory=dict)  # budget_to_json
    evm: dict[str, Any] | None = None  # evm_to_json (None: no status date, or it failed)
    evm_problem: Diagnostic | None = None  # why there is no EVM
    phases: list[dict[str, Any]] = field(default_factory=list)
    months: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    curve: list[dict[str, Any]] = field(default_factory=list)  # weekly PV (and AC to date)
    baseline: str | None = None
    baselines: list[str] = field(default_factory=list)

    @property
    def series(self) -> list[dict[str, Any]]:
        return list(self.evm["series"]) if self.evm else []

    @property
    def series_rows(self) -> list[dict[str, Any]]:
        """The series typed for tables and downloads: dates as dates, money as Decimal."""
        return [
            {
                "status_date": date.fromisoformat(p["status_date"]),
                **{k: _decimal(p[k]) for k in ("pv", "ev", "ac")},
                **{k: p[k] for k in ("spi", "cpi", "spi_t")},
            }
            for p in self.series
        ]

    @property
    def summary(self) -> str:
        """The EVM figures in one sentence: what a screen reader hears for the charts."""
        if self.evm is None:
            return f"Planned cost {self.budget.get('total_planned')} {self.currency}."
        e = self.evm
        return (
            f"At {e['status_date']}: planned value {e['pv']}, earned value {e['ev']}, actual "
            f"cost {e['ac']} {self.currency}; SPI {e['spi']}, CPI {e['cpi']}; estimate at "
            f"completion {e['eac']['typical']} against a budget at completion of {e['bac']}."
        )

    def chart(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "phases": [
                {k: _number(p[k]) for k in ("name", "budget", "planned", "ac", "ev")}
                for p in self.phases
            ],
            "months": [
                {
                    k: _number(m[k])
                    for k in ("month", "planned", "actual", "cumulative", "actual_cumulative")
                }
                for m in self.months
            ],
            "curve": [{k: _number(v) for k, v in point.items()} for point in self.curve],
            "series": self.series,
            "status_date": self.evm["status_date"] if self.evm else None,
            "bac": self.evm["bac"] if self.evm else None,
            "eac": self.evm["eac"]["typical"] if self.evm else None,
        }


def _number(value: Any) -> Any:
    """Decimals as JSON numbers for the charts (the tables and downloads keep them exact)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def money_view(
    plan: LoadedPlan,
    saved: dict[str, Baseline],
    baseline: str | None = None,
    history: list[dict[str, Any]] | None = None,
) -> MoneyView:
    """Budget and earned value of ``plan``, against ``baseline`` (one of ``saved``) or the plan
    as it stands, with the recorded status ``history`` for the indices over time; the caller
    has checked that the user may read reports."""
    costed, diagnostics, plan = cost_plan(plan)
    if costed is None or plan.project is None:
        return MoneyView(False, diagnostics)
    project = costed.project
    report = budget_report(project, costed.costs)
    budget = budget_to_json(project, report)
    names = {t.id: t.name for t in project.tasks}
    view = MoneyView(
        ok=True,
        diagnostics=diagnostics,
        currency=project.currency,
        budget=budget,
        lines=[
            {
                "phase": names.get(r.phase, r.phase) if r.phase else "(whole project)",
                "category": r.category.value,
                "budget": _cents(r.budget),
                "planned": _cents(r.planned),
                "variance": _cents(r.variance),
            }
            for r in report.rows
        ],
        baseline=baseline,
        baselines=list(saved),
    )
    evm, sampled, problem = _evm(costed, diagnostics, plan, saved, baseline, history or [])
    top = phases(project)
    budgeted: dict[str, Decimal] = {}
    for row in report.rows:
        if row.budget is not None:
            key = top.get(row.phase, row.phase) if row.phase else ""
            budgeted[key] = budgeted.get(key, Decimal(0)) + row.budget
    earned = {p["id"]: p for p in evm["phases"]} if evm else {}
    order = [*report.by_phase, *(k for k in budgeted if k not in report.by_phase)]
    order += [k for k in earned if k not in order]
    rows = []
    for key in order:
        figures = earned.get(key, {})
        planned = report.by_phase.get(key)
        rows.append(
            {
                "id": key,
                "name": _phase_name(key, names),
                "budget": _cents(budgeted.get(key)),
                "planned": _cents(planned),
                "variance": _cents(budgeted[key] - (planned or 0)) if key in budgeted else None,
                "pv": _decimal(figures.get("pv")),
                "ev": _decimal(figures.get("ev")),
                "ac": _decimal(figures.get("ac")),
                "cpi": figures.get("cpi"),
                "spi": figures.get("spi"),
            }
        )
    return replace(
        view,
        evm=evm,
        evm_problem=problem,
        phases=rows,
        months=_months(report.cash_flow, sampled, evm),
        curve=_curve(sampled, evm),
    )


def _phase_name(key: str, names: dict[str, str]) -> str:
    if key == "":
        return "(whole project)"
    return key if key == REMOVED else names.get(key, key)


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _cents(value: Decimal | None) -> Decimal | None:
    """Rounded half-even to the cent, as the engines' JSON rounds money."""
    return _decimal(money(value))


def _evm(
    costed: Costed,
    diagnostics: tuple[Diagnostic, ...],
    plan: LoadedPlan,
    saved: dict[str, Baseline],
    baseline: str | None,
    history: list[dict[str, Any]],
) -> tuple[dict[str, Any] | None, dict[date, EvmReport], Diagnostic | None]:
    """The EVM document at the status date (as the API's EVM action gives it), and the same
    engine's report at the end of every week up to the plan's finish."""
    outcome = evm_of(costed, diagnostics, plan, saved, history, baseline)
    if not outcome.ok:
        problem = next(
            (d for d in outcome.diagnostics if d.severity.value == "error"),
            outcome.diagnostics[-1] if outcome.diagnostics else None,
        )
        return None, {}, problem
    assert outcome.plan.project is not None
    doc = evm_to_json(outcome.plan.project, outcome.result, outcome.extra["baseline"], history)
    doc["diagnostics"] = [diagnostic_to_json(d) for d in outcome.diagnostics]
    # The chosen baseline (or the plan as it stands) is costed once and measured at each date.
    chosen = saved[baseline] if baseline else baseline_of(costed, CURRENT)
    fixed = {CURRENT: chosen}
    status = outcome.result.status_date
    finish = max(date.fromisoformat(chosen.finish[:10]), status, costed.project.start)
    sampled: dict[date, EvmReport] = {status: outcome.result}
    for day in _week_ends(costed.project.start, finish):
        moved = replace(costed, project=replace(costed.project, status_date=day))
        result = evm_of(moved, diagnostics, plan, fixed, [], CURRENT).result
        if result is not None:
            sampled[day] = result
    return doc, dict(sorted(sampled.items())), None


def _week_ends(first: date, last: date) -> list[date]:
    """Every Sunday from the week of ``first`` to the first on or after ``last``, and the
    last day of each month in between (for the monthly actuals)."""
    out = set()
    day = first + timedelta(days=6 - first.weekday())
    while True:
        out.add(day)
        if day >= last:
            break
        day += timedelta(days=7)
    month = date(first.year, first.month, 1)
    while month <= last:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        out.add(following - timedelta(days=1))
        month = following
    return sorted(out)


def _curve(sampled: dict[date, EvmReport], evm: dict[str, Any] | None) -> list[dict[str, Any]]:
    if evm is None:
        return []
    status = date.fromisoformat(evm["status_date"])
    return [
        {
            "date": day,
            "pv": _cents(report.project.pv),
            "ac": _cents(report.project.ac) if day <= status else None,
        }
        for day, report in sampled.items()
    ]


def _months(
    cash_flow: list[Any], sampled: dict[date, EvmReport], evm: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Planned cost per month (the budget's cash flow) and the actual cost booked in it, up to
    the status date (the EVM engine's AC at each month's end, less the previous month's)."""
    status = date.fromisoformat(evm["status_date"]) if evm else None
    ac_by_month: dict[str, Decimal] = {}
    for day, report in sampled.items():
        if status is None or day > status:
            continue
        key = day.strftime("%Y-%m")
        ac_by_month[key] = report.project.ac  # days are sorted: the month's last one wins
    rows = []
    previous = Decimal(0)
    months = [row.month for row in cash_flow]
    months += sorted(m for m in ac_by_month if m not in months)
    planned = {row.month: row for row in cash_flow}
    running = Decimal(0)
    for month in sorted(months):
        row = planned.get(month)
        actual_total = ac_by_month.get(month)
        actual = actual_total - previous if actual_total is not None else None
        if actual_total is not None:
            previous = actual_total
        if row is not None:
            running = row.cumulative
        rows.append(
            {
                "month": month,
                "planned": _cents(row.planned if row is not None else Decimal(0)),
                "cumulative": _cents(running),
                "actual": _cents(actual),
                "actual_cumulative": _cents(actual_total),
            }
        )
    return rows
