"""Sensitivity of a cost-benefit analysis: each option's NPV as one driver moves at a time.

The drivers are the ones a decision usually hinges on: the discount rate and the horizon (which
move every option), and for each option its biggest cost line and its biggest inflow line (by
present value). Each moves by the analysis' steps (-20%, -10%, +10%, +20% unless the file says
otherwise) while everything else stays put: one row per driver and step is what a tornado chart
draws, and the best option at each step shows whether the recommendation survives the change.

A relative step of a zero discount rate is still zero, and a horizon of a few periods may round
to itself; a driver that no step moves is left out rather than shown as a flat bar, and so is a
(negative) discount rate that a step would take to -100% or below.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from plansmith.analytics.cba_flows import Analysis, Line, Option, option_npv, period_rate
from plansmith.analytics.finance import CONTEXT, ONE, ZERO, npv

MAX_HORIZON = 1200  # periods: a hundred years of months


class DriverKind(StrEnum):
    DISCOUNT_RATE = "discount_rate"
    HORIZON = "horizon"
    COST_LINE = "cost_line"
    INFLOW_LINE = "inflow_line"


@dataclass(frozen=True)
class Driver:
    """One driver tested at every step: ``values[k]`` is what it was set to at ``steps[k]``
    (an annual rate, a number of periods, or the line's amount), ``npv[option][k]`` each
    option's NPV then, and ``best[k]`` the option with the best NPV then."""

    id: str
    kind: DriverKind
    label: str
    option: str | None  # the option owning the line; None when the driver moves every option
    base: Decimal
    steps: tuple[Decimal, ...]
    values: tuple[Decimal, ...]
    npv: dict[str, tuple[Decimal, ...]]
    best: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of an option's tornado chart: its lowest and highest NPV over the driver's steps
    and the base case."""

    driver: Driver
    low: Decimal
    high: Decimal

    @property
    def swing(self) -> Decimal:
        return self.high - self.low


def tornado(drivers: tuple[Driver, ...], option_id: str, base_npv: Decimal) -> list[Bar]:
    """The drivers that move ``option_id``'s NPV, widest swing first (ties in driver order);
    another option's line leaves this one's NPV flat and gets no bar."""
    bars = []
    for driver in drivers:
        values = (*driver.npv[option_id], base_npv)
        if min(values) != max(values):
            bars.append(Bar(driver, min(values), max(values)))
    return sorted(bars, key=lambda bar: -bar.swing)


def moved_horizon(horizon: int, step: Decimal) -> int:
    """The horizon moved by ``step``, to a whole number of periods: rounded to the nearest, ties
    away from the base (5 years -10% is 4, +10% is 6), at least one period."""
    with localcontext(CONTEXT):
        exact = horizon * (ONE + step)
        nearest = exact.to_integral_value(rounding=ROUND_HALF_UP)
        if exact - exact.to_integral_value(rounding=ROUND_FLOOR) == Decimal("0.5"):
            nearest = exact.to_integral_value(rounding=ROUND_FLOOR if step < 0 else ROUND_CEILING)
    return max(1, min(MAX_HORIZON, int(nearest)))


def _biggest(option: Option, analysis: Analysis, inflow: bool) -> Line | None:
    """The option's cost (or inflow) line with the largest present value; the first on a tie."""
    rate, per_year = analysis.rate_per_period, analysis.period.per_year
    best: Line | None = None
    best_pv = ZERO
    for line in option.lines:
        if line.inflow is not inflow:
            continue
        pv = npv(rate, line.amounts(analysis.horizon, per_year))
        if pv > best_pv:
            best, best_pv = line, pv
    return best


def _best(npvs: dict[str, Decimal]) -> str:
    """The option with the highest NPV, the first in the file on a tie."""
    return max(npvs, key=lambda oid: npvs[oid])


def sensitivity(analysis: Analysis) -> list[Driver]:
    """Every driver at every step of ``analysis.steps``, in a fixed order: rate, horizon, then
    per option (in file order) its biggest cost line and its biggest inflow line."""
    per_year, horizon, steps = analysis.period.per_year, analysis.horizon, analysis.steps
    rate = analysis.rate_per_period
    drivers: list[Driver] = []

    def record(
        driver_id: str,
        kind: DriverKind,
        label: str,
        owner: str | None,
        base: Decimal,
        values: list[Decimal],
        runs: list[dict[str, Decimal]],
    ) -> None:
        drivers.append(
            Driver(
                id=driver_id,
                kind=kind,
                label=label,
                option=owner,
                base=base,
                steps=steps,
                values=tuple(values),
                npv={o.id: tuple(run[o.id] for run in runs) for o in analysis.options},
                best=tuple(_best(run) for run in runs),
            )
        )

    with localcontext(CONTEXT):
        annual = analysis.discount_rate
        values = [annual * (ONE + step) for step in steps]
        # a negative rate moved by more than +100% would fall to -100% or below: no discounting
        if annual != 0 and all(value > -1 for value in values):
            runs = [
                {
                    o.id: option_npv(o, period_rate(value, per_year), horizon, per_year)
                    for o in analysis.options
                }
                for value in values
            ]
            record(
                "discount_rate",
                DriverKind.DISCOUNT_RATE,
                "Discount rate",
                None,
                annual,
                values,
                runs,
            )
        horizons = [moved_horizon(horizon, step) for step in steps]
        if any(h != horizon for h in horizons):
            runs = [
                {o.id: option_npv(o, rate, h, per_year) for o in analysis.options} for h in horizons
            ]
            record(
                "horizon",
                DriverKind.HORIZON,
                "Horizon",
                None,
                Decimal(horizon),
                [Decimal(h) for h in horizons],
                runs,
            )
        base = {o.id: option_npv(o, rate, horizon, per_year) for o in analysis.options}
        for option in analysis.options:
            for inflow in (False, True):
                line = _biggest(option, analysis, inflow)
                if line is None:
                    continue
                runs = []
                for step in steps:
                    scaled = option_npv(option, rate, horizon, per_year, {line.key: ONE + step})
                    runs.append({**base, option.id: scaled})
                kind = DriverKind.INFLOW_LINE if inflow else DriverKind.COST_LINE
                record(
                    f"{option.id}/{line.key}",
                    kind,
                    f"{option.id}: {line.name}",
                    option.id,
                    line.amount,
                    [line.amount * (ONE + step) for step in steps],
                    runs,
                )
    return drivers
