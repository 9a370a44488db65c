"""The JSON forms of ``budget``, ``baseline compare`` and ``evm``.

Money is a decimal string rounded half-even to the cent (the engines keep every digit); ratios
are numbers rounded to four places, or null where undefined (nothing planned or spent yet); time
is in working days of the project calendar (``hours_per_day``), rounded to two places.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from plansmith.analytics.budget import BudgetReport
from plansmith.analytics.evm import EvmReport, Figures
from plansmith.domain.model import Project
from plansmith.io.baselines import Baseline
from plansmith.io.schedule_json import TIME_FORMAT

CENT = Decimal("0.01")


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))


def days(value: Decimal | int | None) -> float | None:
    return None if value is None else float(round(Decimal(value), 2))


def budget_to_json(project: Project, report: BudgetReport) -> dict[str, Any]:
    return {
        "currency": project.currency,
        "total_planned": money(report.total_planned),
        "total_budget": money(report.total_budget),
        "by_phase": {k: money(v) for k, v in report.by_phase.items()},
        "by_category": {k: money(v) for k, v in report.by_category.items()},
        "lines": [
            {
                "phase": r.phase,
                "category": r.category.value,
                "budget": money(r.budget),
                "planned": money(r.planned),
                "variance": money(r.variance),
            }
            for r in report.rows
        ],
        "cash_flow": [
            {"month": m.month, "planned": money(m.planned), "cumulative": money(m.cumulative)}
            for m in report.cash_flow
        ],
        "by_phase_month": {
            phase: {month: money(v) for month, v in sorted(months.items())}
            for phase, months in report.by_phase_month.items()
        },
    }


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "bac": money(f.bac),
        "pv": money(f.pv),
        "ev": money(f.ev),
        "ac": money(f.ac),
        "sv": money(f.sv),
        "cv": money(f.cv),
        "spi": ratio(f.spi),
        "cpi": ratio(f.cpi),
    }


def snapshot(report: EvmReport) -> dict[str, Any]:
    """The project-level figures at one status date: a point of the S-curves."""
    s = report.schedule
    return {
        "status_date": report.status_date.isoformat(),
        **_figures(report.project),
        "es_days": days(s.es),
        "at_days": s.at,
        "spi_t": ratio(s.spi_t),
    }


def evm_to_json(
    project: Project,
    report: EvmReport,
    baseline: str | None,
    history: list[dict[str, Any]],
) -> dict[str, Any]:
    f, fc, s = report.project, report.forecast, report.schedule
    names = {t.id: t.name for t in project.tasks}
    current = snapshot(report)
    series = [h for h in history if h.get("status_date") != current["status_date"]]
    series = sorted([*series, current], key=lambda h: str(h["status_date"]))
    return {
        "status_date": report.status_date.isoformat(),
        "currency": project.currency,
        "baseline": baseline,
        **_figures(f),
        "eac": {
            "typical": money(fc.eac_typical),
            "atypical": money(fc.eac_atypical),
            "cpi_spi": money(fc.eac_cpi_spi),
            "bottom_up": money(fc.eac_bottom_up),
        },
        "etc": money(fc.etc),
        "vac": money(fc.vac),
        "tcpi_bac": ratio(fc.tcpi_bac),
        "tcpi_eac": ratio(fc.tcpi_eac),
        "es_days": days(s.es),
        "at_days": s.at,
        "pd_days": s.pd,
        "sv_t_days": days(s.sv_t),
        "spi_t": ratio(s.spi_t),
        "ieac_t": days(s.ieac_t),
        "phases": [
            {"id": phase, "name": names.get(phase, phase), **_figures(figures)}
            for phase, figures in report.phases
        ],
        "tasks": [
            {
                "id": t.id,
                "method": t.method.value,
                "complete": ratio(t.complete),
                "ac_source": t.ac_source,
                **_figures(t.figures),
            }
            for t in report.tasks
        ],
        "series": series,
    }


def compare_to_json(
    project: Project, first: Baseline, second: Baseline, day_minutes: float, work: Any
) -> dict[str, Any]:
    """``work(text)``: the project working minutes of a "YYYY-MM-DDTHH:MM" instant, for
    variances in working days."""

    def variance(a: str, b: str) -> float:
        return round(float(work(b) - work(a)) / day_minutes, 2)

    rows = []
    for task_id, a in first.tasks.items():
        b = second.tasks.get(task_id)
        if b is None:
            continue
        rows.append(
            {
                "id": task_id,
                "name": b.name,
                "start": [a.start, b.start],
                "finish": [a.finish, b.finish],
                "start_variance_days": variance(a.start, b.start),
                "finish_variance_days": variance(a.finish, b.finish),
                "cost": [money(a.cost), money(b.cost)],
                "cost_variance": money(b.cost - a.cost),
            }
        )
    return {
        "currency": project.currency,
        "from": first.name,
        "to": second.name,
        "finish": [first.finish, second.finish],
        "finish_variance_days": variance(first.finish, second.finish),
        "cost": [money(first.cost), money(second.cost)],
        "cost_variance": money(second.cost - first.cost),
        "tasks": rows,
        "added": [t for t in second.tasks if t not in first.tasks],
        "removed": [t for t in first.tasks if t not in second.tasks],
    }


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)
