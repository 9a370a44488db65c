"""The status report's charts, as data: the earned-value S-curves and the finish-date
probability curve. :mod:`.charts` draws them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from plansmith.analytics.costs import CostPlan
from plansmith.analytics.evm import EvmReport
from plansmith.analytics.risk_report import RiskReport
from plansmith.domain.model import Project
from plansmith.reports.document import Chart, Marker, Series


def s_curve(
    costs: CostPlan, evm: EvmReport, history: Sequence[Mapping[str, object]], currency: str
) -> Chart:
    """Cumulative planned value by day, and earned value and actual cost at each recorded
    status date and this one."""
    daily: dict[date, Decimal] = defaultdict(Decimal)
    for entry in costs.entries:
        if entry.task is not None:
            daily[entry.day] += entry.amount
    days, planned, total = [], [], Decimal(0)
    for day in sorted(daily):
        total += daily[day]
        days.append(day)
        planned.append(float(total))
    points: dict[date, tuple[float, float]] = {}
    for point in history:
        try:
            when = date.fromisoformat(str(point["status_date"]))
            points[when] = (float(Decimal(str(point["ev"]))), float(Decimal(str(point["ac"]))))
        except (KeyError, ValueError, ArithmeticError):
            continue  # a damaged record is left out of the drawing, not the report
    points[evm.status_date] = (float(evm.project.ev), float(evm.project.ac))
    recorded = tuple(sorted(points))
    style: Literal["line", "points"] = "line" if len(recorded) > 1 else "points"
    return Chart(
        "s_curve",
        "Planned value, earned value and actual cost",
        f"Cumulative planned value rising to {float(total):,.2f} {currency}; at the status date "
        f"earned value is {float(evm.project.ev):,.2f} and actual cost "
        f"{float(evm.project.ac):,.2f}.",
        currency,
        (
            Series("Planned value (PV)", tuple(days), tuple(planned)),
            Series("Earned value (EV)", recorded, tuple(points[d][0] for d in recorded), style),
            Series("Actual cost (AC)", recorded, tuple(points[d][1] for d in recorded), style),
        ),
        (Marker("status date", evm.status_date),),
    )


def finish_chart(project: Project, simulation: RiskReport, finish: datetime) -> Chart:
    """The share of simulated runs finished by each date, with the P50, P80 and the plan."""
    origin = project.origin_datetime

    def at(minutes: float) -> datetime:
        return origin + timedelta(minutes=int(minutes))

    histogram = simulation.finish_histogram
    x = tuple(at(edge) for edge in histogram.edges[1:])
    y = tuple(share * 100 for share in histogram.cumulative)
    p50, p80 = (at(simulation.finish.percentiles[p]) for p in (50, 80))
    return Chart(
        "finish_probability",
        "Chance of finishing by each date",
        f"Of {simulation.iterations:,} simulated runs, half finish by {p50:%Y-%m-%d} and "
        f"80 % by {p80:%Y-%m-%d}; the schedule says {finish:%Y-%m-%d}.",
        "% of runs finished",
        (Series("Simulated runs finished", x, y, "step"),),
        (Marker("P50", p50), Marker("P80", p80), Marker("plan", finish)),
        "percent",
    )
