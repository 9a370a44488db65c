"""Cost-benefit analysis of purchases: options compared by TCO, NPV, IRR, ROI and payback.

A TPM weighing "buy a new storage array" against "move to cloud object storage" and "keep the
current hardware" describes each option as lines of cost and of benefit (one-off or recurring,
with escalation) over a horizon of periods (:mod:`cba_flows`); this module turns each option into
its cash-flow table and the usual investment metrics (:mod:`finance`), compares each option with
a baseline when the file names one, ranks the options by NPV -- the one measure that compares
options of any size and shape consistently -- and tests the main drivers
(:mod:`cba_sensitivity`).

The public API is ``__all__``; money is exact :class:`~decimal.Decimal` everywhere in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from plansmith.analytics.cba_flows import (
    DEFAULT_STEPS,
    Analysis,
    Line,
    LineKind,
    Option,
    Period,
    annual_rate,
    cash_flows,
    period_end,
    point_in_time,
)
from plansmith.analytics.cba_sensitivity import (
    Bar,
    Driver,
    DriverKind,
    moved_horizon,
    sensitivity,
    tornado,
)
from plansmith.analytics.finance import (
    CONTEXT,
    ONE,
    ZERO,
    Irr,
    IrrStatus,
    discounted,
    irr,
    mirr,
    npv,
    payback,
)

__all__ = [
    "DEFAULT_STEPS",
    "Analysis",
    "Bar",
    "CbaResult",
    "Driver",
    "DriverKind",
    "Irr",
    "IrrStatus",
    "Line",
    "LineKind",
    "LineTotal",
    "Metrics",
    "Option",
    "OptionResult",
    "Period",
    "PeriodFlow",
    "Recommendation",
    "analyse",
    "evaluate",
    "metrics",
    "moved_horizon",
    "period_end",
    "point_in_time",
    "tornado",
]


@dataclass(frozen=True, slots=True)
class PeriodFlow:
    """One row of an option's cash-flow table; costs and inflows positive, net signed."""

    period: int
    costs: Decimal
    inflows: Decimal
    net: Decimal
    discount_factor: Decimal
    present_value: Decimal
    cumulative: Decimal
    cumulative_present_value: Decimal


@dataclass(frozen=True, slots=True)
class LineTotal:
    line: Line
    amounts: tuple[Decimal, ...]  # per period 0 .. horizon, positive
    total: Decimal
    present_value: Decimal


@dataclass(frozen=True, slots=True)
class Metrics:
    """Metrics of one net cash-flow series: an option's own, or its difference from the baseline.
    ``irr_annual`` and ``mirr_annual`` are the IRR and MIRR per period as annual rates,
    comparable with the discount rate; paybacks are in periods, None when not reached within the
    horizon."""

    npv: Decimal
    irr: Irr
    irr_annual: Decimal | None
    payback: Decimal | None
    discounted_payback: Decimal | None
    mirr: Decimal | None = None
    mirr_annual: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OptionResult:
    option: Option
    flows: tuple[PeriodFlow, ...]
    lines: tuple[LineTotal, ...]
    tco: Decimal  # every cost, undiscounted; the residual value is not netted off
    tco_present_value: Decimal
    inflows: Decimal  # benefits, savings and residual value, undiscounted
    inflows_present_value: Decimal
    roi: Decimal | None  # (inflows - tco) / tco; None without costs
    roi_discounted: Decimal | None  # npv / tco_present_value
    metrics: Metrics
    tco_by_category: tuple[tuple[str, Decimal], ...] = ()
    versus_baseline: Metrics | None = None

    @property
    def npv(self) -> Decimal:
        return self.metrics.npv

    @property
    def net_flows(self) -> list[Decimal]:
        return [row.net for row in self.flows]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The option with the best NPV. ``runner_up`` and ``margin`` say by how much it wins;
    ``tied`` lists options with exactly the same NPV (the first in the file is recommended);
    ``switches`` are the sensitivity cases, (driver id, step, best option), where another option
    would be best."""

    option: str
    npv: Decimal
    runner_up: str | None
    margin: Decimal | None
    tied: tuple[str, ...] = ()
    all_negative: bool = False
    switches: tuple[tuple[str, Decimal, str], ...] = ()


@dataclass(frozen=True)
class CbaResult:
    analysis: Analysis
    options: tuple[OptionResult, ...]
    ranking: tuple[str, ...]  # option ids by NPV, best first (file order breaks ties)
    recommendation: Recommendation
    sensitivity: tuple[Driver, ...]

    @property
    def rate_per_period(self) -> Decimal:
        return self.analysis.rate_per_period

    def option(self, option_id: str) -> OptionResult:
        return next(result for result in self.options if result.option.id == option_id)

    def tornado(self, option_id: str) -> list[Bar]:
        return tornado(self.sensitivity, option_id, self.option(option_id).npv)


def metrics(rate: Decimal, flows: list[Decimal], per_year: int) -> Metrics:
    """NPV at ``rate`` per period, IRR, MIRR, and simple and discounted payback of ``flows``."""
    found = irr(flows)
    modified = mirr(rate, flows)
    return Metrics(
        npv=npv(rate, flows),
        irr=found,
        irr_annual=annual_rate(found.rate, per_year) if found.rate is not None else None,
        payback=payback(flows),
        discounted_payback=payback(discounted(rate, flows)),
        mirr=modified,
        mirr_annual=annual_rate(modified, per_year) if modified is not None else None,
    )


def evaluate(analysis: Analysis, option: Option) -> OptionResult:
    """The cash-flow table and metrics of one option, at the analysis' rate and horizon."""
    rate, horizon, per_year = analysis.rate_per_period, analysis.horizon, analysis.period.per_year
    costs, inflows = cash_flows(option, horizon, per_year)
    with localcontext(CONTEXT):
        net = [i - c for c, i in zip(costs, inflows, strict=True)]
        rows = []
        cumulative = cumulative_pv = ZERO
        for t in range(horizon + 1):
            factor = ONE / (ONE + rate) ** t
            cumulative += net[t]
            cumulative_pv += net[t] * factor
            rows.append(
                PeriodFlow(
                    t,
                    costs[t],
                    inflows[t],
                    net[t],
                    factor,
                    net[t] * factor,
                    cumulative,
                    cumulative_pv,
                )
            )
        totals = []
        by_category: dict[str, Decimal] = {}
        for line in option.lines:
            amounts = line.amounts(horizon, per_year)
            total = sum(amounts, ZERO)
            totals.append(LineTotal(line, tuple(amounts), total, npv(rate, amounts)))
            if not line.inflow:
                category = line.category or "other"
                by_category[category] = by_category.get(category, ZERO) + total
        tco, tco_pv = sum(costs, ZERO), npv(rate, costs)
        gained, gained_pv = sum(inflows, ZERO), npv(rate, inflows)
        measured = metrics(rate, net, per_year)
        return OptionResult(
            option=option,
            flows=tuple(rows),
            lines=tuple(totals),
            tco=tco,
            tco_present_value=tco_pv,
            inflows=gained,
            inflows_present_value=gained_pv,
            roi=(gained - tco) / tco if tco else None,
            roi_discounted=measured.npv / tco_pv if tco_pv else None,
            metrics=measured,
            tco_by_category=tuple(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


def rank(npvs: dict[str, Decimal]) -> tuple[str, ...]:
    """Option ids by NPV, best first; the order of ``npvs`` (the file's) breaks ties."""
    order = {oid: k for k, oid in enumerate(npvs)}
    return tuple(sorted(npvs, key=lambda oid: (-npvs[oid], order[oid])))


def analyse(analysis: Analysis) -> CbaResult:
    """Evaluate every option, compare each with the baseline, rank, and test the drivers."""
    results = [evaluate(analysis, option) for option in analysis.options]
    if analysis.baseline is not None:
        base = next(r for r in results if r.option.id == analysis.baseline)
        rate, per_year = analysis.rate_per_period, analysis.period.per_year
        with localcontext(CONTEXT):
            results = [
                r
                if r is base
                else replace(
                    r,
                    versus_baseline=metrics(
                        rate,
                        [a - b for a, b in zip(r.net_flows, base.net_flows, strict=True)],
                        per_year,
                    ),
                )
                for r in results
            ]
    npvs = {r.option.id: r.npv for r in results}
    ranking = rank(npvs)
    drivers = tuple(sensitivity(analysis))
    return CbaResult(analysis, tuple(results), ranking, recommend(npvs, ranking, drivers), drivers)


def recommend(
    npvs: dict[str, Decimal], ranking: tuple[str, ...], drivers: tuple[Driver, ...] = ()
) -> Recommendation:
    """The best NPV wins; the sensitivity cases where it would not are listed with it."""
    best = ranking[0]
    runner_up = ranking[1] if len(ranking) > 1 else None
    return Recommendation(
        option=best,
        npv=npvs[best],
        runner_up=runner_up,
        margin=npvs[best] - npvs[runner_up] if runner_up is not None else None,
        tied=tuple(oid for oid in ranking[1:] if npvs[oid] == npvs[best]),
        all_negative=npvs[best] < 0,
        switches=tuple(
            (driver.id, step, winner)
            for driver in drivers
            for step, winner in zip(driver.steps, driver.best, strict=True)
            if winner != best
        ),
    )
