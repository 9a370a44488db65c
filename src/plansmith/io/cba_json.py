"""The JSON form of a cost-benefit analysis: the fixed contract of ``plansmith cba --format json``.

Display rules, the only place figures are rounded (the analysis itself is exact):

- money: a decimal *string*, rounded half-even to the cent ("-295314.42"); never "-0.00";
- rates and ratios (discount rate, IRR, ROI, sensitivity steps, discount factors): JSON
  *numbers* as fractions (0.08 is 8%), rounded half-even to 8 decimal places; IRRs are annual,
  with the rate per period beside;
- periods (payback): JSON numbers rounded half-even to 4 decimal places; null when not reached
  within the horizon; dates "YYYY-MM-DD", only when the file gives ``start``.

Each figure is rounded on its own, from the exact value: rounded parts may miss a rounded total
by a cent or so, as in any ledger that rounds for display.

The shape is documented key by key in ``docs/cost-benefit.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from plansmith.analytics.cba import (
    Analysis,
    CbaResult,
    Driver,
    DriverKind,
    Metrics,
    OptionResult,
    period_end,
    point_in_time,
)
from plansmith.analytics.cba_flows import annual_rate
from plansmith.domain.diagnostics import Diagnostic
from plansmith.io.schedule_json import diagnostic_to_json

CENT = Decimal("0.01")
_RATE = Decimal("0.00000001")
_PERIODS = Decimal("0.0001")


def money(value: Decimal) -> str:
    """Half-even to the cent, the way ledgers round; a rounded zero has no sign."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return str(rounded if rounded != 0 else abs(rounded))


def grouped(value: Decimal) -> str:
    """Money for people: like :func:`money`, with thousands separators (1,234,567.89)."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return f"{rounded if rounded != 0 else abs(rounded):,}"


def ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_RATE, rounding=ROUND_HALF_EVEN))


def periods(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_PERIODS, rounding=ROUND_HALF_EVEN))


def percent_text(value: Decimal, *, signed: bool = False) -> str:
    """A rate for people: 0.08 is "8%", -0.125 is "-12.5%" (to 0.01%, no trailing zeros)."""
    hundredths = (value * 100).quantize(CENT, rounding=ROUND_HALF_EVEN)
    text = f"{hundredths:f}".rstrip("0").rstrip(".")  # always has a point after quantize
    text = "0" if text == "-0" else text
    return f"{'+' if signed and value > 0 else ''}{text}%"


def when(analysis: Analysis, value: Decimal | None) -> str | None:
    """The date a number of periods after ``start``, when there is a start and a value."""
    if analysis.start is None or value is None:
        return None
    return point_in_time(analysis.start, analysis.period, value).isoformat()


def cba_to_json(
    analysis: Analysis | None, result: CbaResult | None, diagnostics: Iterable[Diagnostic]
) -> dict[str, Any]:
    doc: dict[str, Any] = {"diagnostics": [diagnostic_to_json(d) for d in diagnostics]}
    if analysis is None or result is None:
        return doc
    doc.update(
        {
            "title": analysis.title,
            "currency": analysis.currency,
            "discount_rate": ratio(analysis.discount_rate),
            "rate_per_period": ratio(analysis.rate_per_period),
            "period": analysis.period.value,
            "periods_per_year": analysis.period.per_year,
            "horizon": analysis.horizon,
            "start": analysis.start.isoformat() if analysis.start else None,
            "baseline": analysis.baseline,
            "options": [_option(analysis, r) for r in result.options],
            "comparison": _comparison(result),
            "recommendation": _recommendation(result),
            "sensitivity": _sensitivity(result),
        }
    )
    doc["diagnostics"] = doc.pop("diagnostics")  # keep diagnostics last, as in other outputs
    return doc


def _metrics(analysis: Analysis, m: Metrics) -> dict[str, Any]:
    per_year = analysis.period.per_year
    return {
        "npv": money(m.npv),
        "irr": ratio(m.irr_annual),
        "irr_per_period": ratio(m.irr.rate),
        "irr_status": m.irr.status.value,
        "irr_note": m.irr.note or None,
        "irr_candidates": [ratio(annual_rate(c, per_year)) for c in m.irr.candidates],
        "mirr": ratio(m.mirr_annual),
        "payback_periods": periods(m.payback),
        "payback_date": when(analysis, m.payback),
        "discounted_payback_periods": periods(m.discounted_payback),
        "discounted_payback_date": when(analysis, m.discounted_payback),
    }


def _option(analysis: Analysis, r: OptionResult) -> dict[str, Any]:
    start = analysis.start
    return {
        "id": r.option.id,
        "name": r.option.name,
        "notes": r.option.notes,
        "tco": money(r.tco),
        "tco_present_value": money(r.tco_present_value),
        "tco_by_category": {name: money(amount) for name, amount in r.tco_by_category},
        "inflows": money(r.inflows),
        "inflows_present_value": money(r.inflows_present_value),
        "roi": ratio(r.roi),
        "roi_discounted": ratio(r.roi_discounted),
        **_metrics(analysis, r.metrics),
        "versus_baseline": (
            _metrics(analysis, r.versus_baseline) if r.versus_baseline is not None else None
        ),
        "lines": [
            {
                "key": t.line.key,
                "kind": t.line.kind.value,
                "name": t.line.name,
                "category": t.line.category or None,
                "total": money(t.total),
                "present_value": money(t.present_value),
                "amounts": [money(amount) for amount in t.amounts],
            }
            for t in r.lines
        ],
        "cash_flows": [
            {
                "period": row.period,
                "date": period_end(start, analysis.period, row.period).isoformat()
                if start
                else None,
                "costs": money(row.costs),
                "inflows": money(row.inflows),
                "net": money(row.net),
                "discount_factor": ratio(row.discount_factor),
                "present_value": money(row.present_value),
                "cumulative": money(row.cumulative),
                "cumulative_present_value": money(row.cumulative_present_value),
            }
            for row in r.flows
        ],
    }


def _comparison(result: CbaResult) -> list[dict[str, Any]]:
    best = result.option(result.ranking[0]).npv
    rows = []
    for rank, option_id in enumerate(result.ranking, start=1):
        r = result.option(option_id)
        rows.append(
            {
                "rank": rank,
                "id": option_id,
                "name": r.option.name,
                "npv": money(r.npv),
                "npv_gap": money(r.npv - best),
                "tco": money(r.tco),
                "tco_present_value": money(r.tco_present_value),
                "irr": ratio(r.metrics.irr_annual),
                "roi": ratio(r.roi),
                "payback_periods": periods(r.metrics.payback),
                "discounted_payback_periods": periods(r.metrics.discounted_payback),
            }
        )
    return rows


def recommendation_text(result: CbaResult) -> str:
    """One paragraph saying what to pick and how firmly, for the table and the JSON."""
    rec, analysis = result.recommendation, result.analysis
    currency, name = analysis.currency, result.option(rec.option).option.name
    if len(result.options) == 1:
        verdict = "pays for itself" if rec.npv >= 0 else "does not pay for itself"
        return (
            f"{name} ({rec.option}) is the only option: its NPV is {grouped(rec.npv)} {currency}, "
            f"so it {verdict} at {percent_text(analysis.discount_rate)} a year over "
            f"{analysis.horizon} {analysis.period.value}s."
        )
    text = f"{name} ({rec.option}) has the best NPV, {grouped(rec.npv)} {currency}"
    if rec.runner_up is not None and rec.margin is not None:
        text += f", {grouped(rec.margin)} ahead of {rec.runner_up}"
    text += "."
    if rec.tied:
        text += f" It ties with {', '.join(rec.tied)}: the first in the file is shown."
    if rec.all_negative:
        text += " Every option has a negative NPV: this is the least costly in present value."
    if rec.switches:
        labels = {driver.id: driver.label for driver in result.sensitivity}
        cases = "; ".join(
            f"{labels.get(driver, driver)} {percent_text(step, signed=True)} -> {best}"
            for driver, step, best in rec.switches[:6]
        )
        more = f" (and {len(rec.switches) - 6} more)" if len(rec.switches) > 6 else ""
        text += f" It is not robust: another option is best when {cases}{more}."
    elif result.sensitivity:
        text += " It stays the best under every sensitivity case tested."
    return text


def _recommendation(result: CbaResult) -> dict[str, Any]:
    rec = result.recommendation
    return {
        "option": rec.option,
        "npv": money(rec.npv),
        "runner_up": rec.runner_up,
        "margin": money(rec.margin) if rec.margin is not None else None,
        "tied": list(rec.tied),
        "all_negative": rec.all_negative,
        "robust": not rec.switches,
        "switches": [
            {"driver": driver, "step": ratio(step), "best": best}
            for driver, step, best in rec.switches
        ],
        "reason": recommendation_text(result),
    }


def driver_value(driver: Driver, value: Decimal) -> float | int | str | None:
    """A driver's setting in its own unit: a rate, a number of periods, or an amount."""
    if driver.kind is DriverKind.DISCOUNT_RATE:
        return ratio(value)
    if driver.kind is DriverKind.HORIZON:
        return int(value)
    return money(value)


def _sensitivity(result: CbaResult) -> dict[str, Any]:
    return {
        "steps": [ratio(step) for step in result.analysis.steps],
        "drivers": [
            {
                "id": d.id,
                "kind": d.kind.value,
                "label": d.label,
                "option": d.option,
                "base": driver_value(d, d.base),
                "values": [driver_value(d, v) for v in d.values],
                "npv": {oid: [money(v) for v in values] for oid, values in d.npv.items()},
                "best": list(d.best),
            }
            for d in result.sensitivity
        ],
        "tornado": {
            r.option.id: [
                {
                    "driver": bar.driver.id,
                    "label": bar.driver.label,
                    "low": money(bar.low),
                    "high": money(bar.high),
                    "swing": money(bar.swing),
                }
                for bar in result.tornado(r.option.id)
            ]
            for r in result.options
        },
    }
