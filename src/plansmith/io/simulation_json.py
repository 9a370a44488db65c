"""The JSON form of a simulation: the fixed contract of ``plansmith simulate --format json``.

Dates as the schedule's ("YYYY-MM-DDTHH:MM" in the project's time zone), money as decimal strings
rounded to the cent, spreads of time in working days of the project (``hours_per_day``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from plansmith.analytics.risk_report import Histogram, RiskReport, Spread
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
from plansmith.domain.risk import ThreePoint
from plansmith.io.schedule_json import TIME_FORMAT, diagnostic_to_json

CENT = Decimal("0.01")


def money(value: float) -> str:
    """Rounded half-even to the cent, the way ledgers round."""
    return str(Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_EVEN))


def simulation_to_json(
    project: Project | None, report: RiskReport | None, diagnostics: Iterable[Diagnostic]
) -> dict[str, Any]:
    doc: dict[str, Any] = {"diagnostics": [diagnostic_to_json(d) for d in diagnostics]}
    if project is None or report is None:
        return doc
    origin = project.origin_datetime
    day = 60.0 * project.hours_per_day

    def at(minutes: float) -> str:
        return (origin + timedelta(minutes=int(minutes))).strftime(TIME_FORMAT)

    doc.update(
        {
            "iterations": report.iterations,
            "seed": report.seed,
            "sampling": report.sampling,
            "leveled": report.leveled,
            "project": {
                "id": project.id,
                "currency": project.currency,
                "deterministic_finish": at(report.deterministic_finish),
                "deterministic_cost": money(report.deterministic_cost),
            },
            "finish": _spread(report.finish, at, lambda s: round(s / day, 3)),
            "cost": _spread(report.cost, money, money),
            "tasks": [
                {
                    "id": t.id,
                    "criticality": round(t.criticality, 4),
                    "sensitivity": round(t.sensitivity, 4),
                    "cost_sensitivity": round(t.cost_sensitivity, 4),
                    **_estimate(t.estimate, day),
                }
                for t in report.tasks
            ],
            "risks": [
                {
                    "id": r.id,
                    "title": r.title,
                    "probability": r.probability,
                    "occurrence": round(r.occurrence, 4),
                    "sensitivity": round(r.sensitivity, 4),
                    "cost_sensitivity": round(r.cost_sensitivity, 4),
                }
                for r in report.risks
            ],
            "milestones": [
                {"id": m.id, "kind": m.kind, "target": at(m.target), "p_on_time": m.p_on_time}
                for m in report.targets
            ],
            "histogram": {
                "finish": _histogram(report.finish_histogram, at),
                "cost": _histogram(report.cost_histogram, money),
            },
            "precision": None,
        }
    )
    if report.precision is not None and report.p80_interval is not None:
        doc["precision"] = {
            "stable": report.precision.stable,
            "p80_change_days": round(report.precision.change / day, 3),
            "p80_interval": [at(report.p80_interval[0]), at(report.p80_interval[1])],
        }
    return doc


def _spread(spread: Spread, value: Any, std: Any) -> dict[str, Any]:
    out = {f"p{p}": value(v) for p, v in spread.percentiles.items()}
    out.update(mean=value(spread.mean), std=std(spread.std), min=value(spread.low))
    out["max"] = value(spread.high)
    return out


def _histogram(histogram: Histogram, edge: Any) -> dict[str, Any]:
    return {
        "edges": [edge(e) for e in histogram.edges],
        "counts": histogram.counts,
        "cumulative": [round(c, 4) for c in histogram.cumulative],
    }


def _estimate(estimate: ThreePoint | None, day: float) -> dict[str, Any]:
    if estimate is None:
        return {"estimate": None}
    return {
        "estimate": {
            "optimistic_days": round(estimate.optimistic / day, 3),
            "likely_days": round(estimate.likely / day, 3),
            "pessimistic_days": round(estimate.pessimistic / day, 3),
            "distribution": estimate.distribution.value,
        },
        "pert_mean_days": round(estimate.pert_mean / day, 3),
        "pert_std_days": round(estimate.pert_std / day, 3),
    }
