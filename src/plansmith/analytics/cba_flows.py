"""The cost-benefit model and its cash flows: options made of cost and benefit lines.

Conventions (also in ``docs/cost-benefit.md``): period 0 is *now* and is not discounted; every
other amount falls at the *end* of its period. The discount rate and growth rates are annual; the
rate per period is the equivalent compound rate, ``(1 + annual) ** (1 / periods_per_year) - 1``,
and growth steps up once a year (every 4 quarters or 12 months from the line's first period), the
way contract prices rise. Money is :class:`~decimal.Decimal` in the analysis' currency at full
precision throughout; rounding is the faces' business.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from plansmith.analytics.finance import CONTEXT, ONE, ZERO, npv
from plansmith.domain.diagnostics import DocPath

DEFAULT_STEPS = (Decimal("-0.2"), Decimal("-0.1"), Decimal("0.1"), Decimal("0.2"))


class Period(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def per_year(self) -> int:
        return {"year": 1, "quarter": 4, "month": 12}[self.value]


class LineKind(StrEnum):
    COST = "cost"
    BENEFIT = "benefit"  # new value: revenue, productivity, avoided outages
    SAVING = "saving"  # money no longer spent: retired support contracts, power
    RESIDUAL = "residual"  # resale or salvage value at the end of the horizon


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an option. One-off (``recurring`` false) at period ``first``, or recurring in
    periods ``first`` .. ``last`` (None: to the end of the horizon, whatever the horizon is), or
    ``at_end``: one-off in the last period of the horizon (a residual value), which moves with
    the horizon when the horizon is tested for sensitivity."""

    kind: LineKind
    name: str
    amount: Decimal
    recurring: bool = False
    first: int = 0
    last: int | None = None
    growth: Decimal = ZERO  # annual escalation of a recurring amount
    category: str = ""
    at_end: bool = False
    key: str = ""  # stable id within the option: "costs/0", "benefits/2", "residual"
    origin: DocPath = ()

    @property
    def inflow(self) -> bool:
        return self.kind is not LineKind.COST

    def amounts(self, horizon: int, per_year: int, scale: Decimal = ONE) -> list[Decimal]:
        """The line's amount in each period 0 .. horizon (positive; costs are signed later)."""
        out = [ZERO] * (horizon + 1)
        with localcontext(CONTEXT):
            amount = self.amount * scale
            if self.at_end:
                out[horizon] = amount
            elif not self.recurring:
                if self.first <= horizon:
                    out[self.first] = amount
            else:
                last = horizon if self.last is None else min(self.last, horizon)
                step = ONE + self.growth
                for t in range(self.first, last + 1):
                    out[t] = amount * step ** ((t - self.first) // per_year)
        return out


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    name: str
    lines: tuple[Line, ...]
    notes: str = ""
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything a cost-benefit file says, checked; ``discount_rate`` is annual."""

    currency: str
    discount_rate: Decimal
    horizon: int
    period: Period
    options: tuple[Option, ...]
    title: str = ""
    start: date | None = None
    baseline: str | None = None
    steps: tuple[Decimal, ...] = DEFAULT_STEPS

    @property
    def rate_per_period(self) -> Decimal:
        return period_rate(self.discount_rate, self.period.per_year)


def period_rate(annual: Decimal, per_year: int) -> Decimal:
    """The compound rate per period equivalent to ``annual``: 8% a year is about 0.643% a month."""
    if per_year == 1:
        return annual
    with localcontext(CONTEXT):
        return (ONE + annual) ** (ONE / per_year) - ONE


def annual_rate(per_period: Decimal, per_year: int) -> Decimal:
    """The annual compound rate equivalent to a rate per period (the inverse of period_rate)."""
    if per_year == 1:
        return per_period
    with localcontext(CONTEXT):
        return (ONE + per_period) ** per_year - ONE


def period_end(start: date, period: Period, t: int) -> date:
    """The date period ``t`` ends on (period 0 ends on ``start``, i.e. it is now); the day of the
    month is kept, or the month's last day when it is shorter (31 January + 1 month = 28 Feb)."""
    months = start.month - 1 + t * 12 // period.per_year
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def point_in_time(start: date, period: Period, periods: Decimal) -> date:
    """The date a fractional number of periods after ``start`` (days interpolated in the period)."""
    whole = int(periods)
    begin, end = period_end(start, period, whole), period_end(start, period, whole + 1)
    days = (end - begin).days * (periods - whole)
    return date.fromordinal(begin.toordinal() + int(days.to_integral_value()))


def cash_flows(
    option: Option,
    horizon: int,
    per_year: int,
    scales: dict[str, Decimal] | None = None,
) -> tuple[list[Decimal], list[Decimal]]:
    """Costs and inflows per period 0 .. horizon, with some lines scaled (by ``Line.key``)."""
    costs = [ZERO] * (horizon + 1)
    inflows = [ZERO] * (horizon + 1)
    with localcontext(CONTEXT):
        for line in option.lines:
            scale = (scales or {}).get(line.key, ONE)
            target = inflows if line.inflow else costs
            for t, amount in enumerate(line.amounts(horizon, per_year, scale)):
                target[t] += amount
    return costs, inflows


def option_npv(
    option: Option,
    rate: Decimal,
    horizon: int,
    per_year: int,
    scales: dict[str, Decimal] | None = None,
) -> Decimal:
    """The NPV alone (``rate`` per period), for sensitivity runs."""
    costs, inflows = cash_flows(option, horizon, per_year, scales)
    with localcontext(CONTEXT):
        return npv(rate, [i - c for c, i in zip(costs, inflows, strict=True)])
