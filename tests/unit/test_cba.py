"""Cost-benefit analysis against known answers and against numpy-financial.

Every expected figure is worked out in this file, by hand (the arithmetic is in the comments) or
with exact fractions, never copied from the engine's output. NPV and IRR are also checked against
``numpy_financial.npv`` and ``numpy_financial.irr`` on hypothesis-generated cash flows: the core
computes them by hand (it may not depend on numpy-financial), so the library is an independent
oracle here.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plansmith.analytics.cba import (
    Analysis,
    DriverKind,
    IrrStatus,
    Line,
    LineKind,
    Option,
    Period,
    analyse,
    evaluate,
    moved_horizon,
    period_end,
    point_in_time,
)
from plansmith.analytics.cba_flows import annual_rate, period_rate
from plansmith.analytics.finance import discounted, irr, mirr, npv, payback

D = Decimal


def flows(*values: float | str) -> list[Decimal]:
    return [D(str(v)) for v in values]


def exact(value: Fraction) -> Decimal:
    return D(value.numerator) / D(value.denominator)


def close(a: Decimal, b: Decimal | Fraction, places: int = 20) -> bool:
    expected = exact(b) if isinstance(b, Fraction) else b
    return abs(a - expected) < D(10) ** -places


def cost(amount: str, **kw: object) -> Line:
    return Line(LineKind.COST, kw.pop("name", "cost"), D(amount), **kw)  # type: ignore[arg-type]


def benefit(amount: str, **kw: object) -> Line:
    return Line(LineKind.BENEFIT, kw.pop("name", "benefit"), D(amount), **kw)  # type: ignore[arg-type]


def analysis(*options: Option, rate: str = "0.1", horizon: int = 3, **kw: object) -> Analysis:
    return Analysis("USD", D(rate), horizon, kw.pop("period", Period.YEAR), options, **kw)  # type: ignore[arg-type]


# --- NPV ----------------------------------------------------------------------------------------


def test_npv_of_an_annuity_by_hand() -> None:
    # 500/1.1 + 500/1.21 + 500/1.331 = 500 * (1.21 + 1.1 + 1) / 1.331 = 1655 / 1.331,
    # so the NPV is 1655/1.331 - 1000 = 324/1.331 = 324000/1331
    assert close(npv(D("0.1"), flows(-1000, 500, 500, 500)), Fraction(324000, 1331))


def test_period_zero_is_not_discounted_and_zero_rate_is_the_sum() -> None:
    assert npv(D("0.25"), flows(-700)) == D(-700)
    assert npv(D(0), flows(-700, 100, 200, 300)) == D(-100)


# --- IRR: exact answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cash", "expected"),
    [
        ((-100, 110), "0.1"),  # 110 / 1.1 = 100
        ((-100, 0, 121), "0.1"),  # 121 / 1.21 = 100
        ((-1000, 0, 0, 1331), "0.1"),  # 1331 / 1.331 = 1000
        ((100, -110), "0.1"),  # a loan: the same rate, signs reversed
        ((-100, 50, 50), "0"),  # 50x + 50x^2 = 100 has x = 1
        ((-100, 80), "-0.2"),  # 80 / 0.8 = 100: money lost
        ((0, 0, -100, 0, 125), "0.118033988749894848204586834365638117720"),  # sqrt(1.25) - 1
    ],
)
def test_irr_exact(cash: tuple[int, ...], expected: str) -> None:
    found = irr(flows(*cash))
    assert found.status is IrrStatus.OK
    assert found.rate is not None
    assert close(found.rate, D(expected), 20)


def test_no_sign_change_has_no_irr() -> None:
    for cash in ((-100, -5, -5), (100, 5), (0, 0, 0), ()):
        found = irr(flows(*cash))
        assert found.rate is None
        assert found.status is IrrStatus.NO_SIGN_CHANGE
        assert found.note


def test_two_irrs_are_reported_as_ambiguous_with_both_rates() -> None:
    # -100 + 230x - 132x^2 = 0  =>  x = (230 -+ 10) / 264 = 5/6 or 10/11  =>  r = 20% or 10%
    found = irr(flows(-100, 230, -132))
    assert found.rate is None
    assert found.status is IrrStatus.MULTIPLE
    assert len(found.candidates) == 2
    assert close(found.candidates[0], D("0.1"), 20)
    assert close(found.candidates[1], D("0.2"), 20)


def test_several_sign_changes_and_no_root() -> None:
    # 1 - x + x^2 > 0 for every x: no rate makes this NPV zero
    found = irr(flows(1, -1, 1))
    assert (found.rate, found.status) == (None, IrrStatus.NOT_FOUND)


def test_several_sign_changes_with_one_root_is_an_irr() -> None:
    # -100 + 300x - 300x^2 + 100x^3 = 100 (x - 1)^3: three sign changes, one (triple) root at
    # x = 1, that is r = 0
    found = irr(flows(-100, 300, -300, 100))
    assert found.status is IrrStatus.OK
    assert found.rate is not None
    assert abs(found.rate) < D("1e-6")


# --- IRR and NPV against numpy-financial --------------------------------------------------------


@pytest.mark.parametrize(
    "cash",
    [
        (-100, 39, 59, 55, 20),
        (-100, 0, 0, 74),
        (-100, 100, 0, 7),
        (-5000, 1200, 1410, 1875, 1050),
        (-1, 1_000_000),
        (-1_000_000, 1),
    ],
)
def test_irr_matches_numpy_financial_examples(cash: tuple[int, ...]) -> None:
    found = irr(flows(*cash))
    assert found.rate is not None
    assert math.isclose(float(found.rate), npf.irr(cash), rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("cash", [(-100, 100, 0, -7), (-5, 10.5, 1, -8, 1)])
def test_numpy_financials_pick_is_among_several_irrs(cash: tuple[float, ...]) -> None:
    """numpy-financial returns the root nearest zero; we refuse to pick, but list it."""
    found = irr(flows(*cash))
    assert found.status is IrrStatus.MULTIPLE
    assert any(math.isclose(float(c), npf.irr(cash), abs_tol=1e-9) for c in found.candidates)
    for candidate in found.candidates:
        assert abs(npv(candidate, flows(*cash))) < D("1e-15")


amounts = st.integers(min_value=1, max_value=10_000_000)  # cents
zero_or = st.one_of(st.just(0), amounts)


@st.composite
def one_sign_change(draw: st.DrawFn) -> list[int]:
    """Investments (negative or zero) and then returns (positive or zero), at least one of
    each, in cents; sometimes the other way round (borrowing)."""
    outflows = draw(st.lists(zero_or, min_size=0, max_size=4))
    outflows.append(draw(amounts))
    inflows = draw(st.lists(zero_or, min_size=0, max_size=24))
    inflows.insert(draw(st.integers(0, len(inflows))), draw(amounts))
    cash = [-v for v in outflows] + inflows
    return [-v for v in cash] if draw(st.booleans()) else cash


@settings(max_examples=300, deadline=None, derandomize=True)
@given(one_sign_change())
def test_irr_matches_numpy_financial_when_there_is_one(cents: list[int]) -> None:
    cash = [D(c) / 100 for c in cents]
    found = irr(cash)
    assert found.status is IrrStatus.OK
    assert found.rate is not None
    expected = npf.irr([c / 100 for c in cents])
    # compare 1 + r (the growth factor), which both compute to double precision at best
    assert math.isclose(1 + float(found.rate), 1 + expected, rel_tol=1e-7)
    assert abs(npv(found.rate, cash)) <= D("1e-12") * sum(abs(c) for c in cash)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-10_000_000, 10_000_000), min_size=1, max_size=40),
    st.decimals(min_value=D("-0.5"), max_value=D("2"), places=4),
)
def test_npv_matches_numpy_financial(cents: list[int], rate: Decimal) -> None:
    cash = [D(c) / 100 for c in cents]
    expected = npf.npv(float(rate), [c / 100 for c in cents])
    scale = sum(abs(float(c)) for c in cash) * float((1 / (1 + rate)) ** len(cash) + 1)
    assert math.isclose(float(npv(rate, cash)), expected, abs_tol=1e-9 * max(scale, 1))


# --- MIRR ---------------------------------------------------------------------------------------


def test_mirr_by_hand() -> None:
    # 1210 in two years against 1000 now: (1210 / 1000) ** (1/2) - 1 = 10%
    assert close(mirr(D("0.1"), flows(-1000, 0, 1210)) or D(0), D("0.1"))
    # inflows grown to the end at 10%: 400 * 1.21 + 400 * 1.1 + 450 = 1374, so 1 + MIRR is the
    # cube root of 1.374
    found = mirr(D("0.1"), flows(-1000, 400, 400, 450))
    assert found is not None
    assert close((1 + found) ** 3, D("1.374"))
    # flows whose IRR is ambiguous (10% and 20%) still have one MIRR
    assert mirr(D("0.1"), flows(-100, 230, -132)) is not None


def test_no_mirr_without_both_signs_or_periods() -> None:
    assert mirr(D("0.1"), flows(-100, -5)) is None
    assert mirr(D("0.1"), flows(100, 5)) is None
    assert mirr(D("0.1"), flows(-100)) is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-10_000_000, 10_000_000), min_size=2, max_size=40),
    st.decimals(min_value=D("0"), max_value=D("0.5"), places=4),
)
def test_mirr_matches_numpy_financial(cents: list[int], rate: Decimal) -> None:
    found = mirr(rate, [D(c) / 100 for c in cents])
    expected = npf.mirr([c / 100 for c in cents], float(rate), float(rate))
    if math.isnan(expected):
        assert found is None
    else:
        assert found is not None
        assert math.isclose(1 + float(found), 1 + expected, rel_tol=1e-9)


# --- payback ------------------------------------------------------------------------------------


def test_payback_interpolates_inside_the_period() -> None:
    # cumulative -1000, -600, -200, +200: 2 periods and 200/400 of the third
    assert payback(flows(-1000, 400, 400, 400)) == D("2.5")


def test_discounted_payback_by_hand() -> None:
    cash = flows(-1000, 400, 400, 400)
    # after three periods the discounted shortfall is 1000 - 1324/1.331 = 7/1.331: not paid back
    assert payback(discounted(D("0.1"), cash)) is None
    # a fourth period brings 400/1.4641: (7/1.331) / (400/1.4641) = 7 * 1.1 / 400 = 0.01925
    assert close(payback(discounted(D("0.1"), [*cash, D(400)])) or D(0), D("3.01925"))


@pytest.mark.parametrize(
    ("cash", "expected"),
    [
        ((100, 50), "0"),  # never negative: nothing to pay back
        ((0, 0), "0"),
        ((-100, 50, 50), "2"),  # exactly zero at the end counts as paid back
        ((-100, 50), None),  # still negative at the horizon
        ((-100, 150, -100, 100), "2.5"),  # recovered at 0.67, negative again, recovered at 2.5
        ((-300, 0, 0, 600), "2.5"),  # 2 + 300/600
        ((), None),
    ],
)
def test_payback_edge_cases(cash: tuple[int, ...], expected: str | None) -> None:
    result = payback(flows(*cash))
    assert result == (D(expected) if expected is not None else None)


# --- rates, periods and lines -------------------------------------------------------------------


def test_rate_per_period_compounds_to_the_annual_rate() -> None:
    monthly = period_rate(D("0.08"), 12)
    assert close((1 + monthly) ** 12, D("1.08"), 25)
    assert close(annual_rate(monthly, 12), D("0.08"), 25)
    assert period_rate(D("0.08"), 1) == D("0.08")


def test_recurring_line_grows_once_a_year() -> None:
    line = cost("1000", recurring=True, first=1, growth=D("0.1"))
    assert line.amounts(3, 1) == flows(0, 1000, 1100, 1210)
    # quarters from period 0: the price rises after four quarters
    quarterly = cost("1000", recurring=True, first=0, growth=D("0.1"))
    assert quarterly.amounts(8, 4) == flows(*[1000] * 4, *[1100] * 4, 1210)


def test_line_forms() -> None:
    assert cost("500", first=2).amounts(3, 1) == flows(0, 0, 500, 0)
    assert cost("500", first=5).amounts(3, 1) == flows(0, 0, 0, 0)  # after the horizon
    assert cost("10", recurring=True, first=2, last=9).amounts(3, 1) == flows(0, 0, 10, 10)
    residual = Line(LineKind.RESIDUAL, "resale", D(70), at_end=True)
    assert residual.amounts(2, 1) == flows(0, 0, 70)
    assert residual.amounts(3, 1, D("0.5")) == flows(0, 0, 0, 35)


def test_period_dates() -> None:
    start = date(2027, 1, 31)
    assert period_end(start, Period.MONTH, 1) == date(2027, 2, 28)  # shorter month: last day
    assert period_end(start, Period.MONTH, 2) == date(2027, 3, 31)
    assert period_end(start, Period.QUARTER, 4) == date(2028, 1, 31)
    assert period_end(start, Period.YEAR, 0) == start
    # half of 2027-01-01 .. 2028-01-01 (365 days) is 182.5 days, rounded half-even to 182
    assert point_in_time(date(2027, 1, 1), Period.YEAR, D("0.5")) == date(2027, 7, 2)


def test_a_month_discounts_at_the_equivalent_rate() -> None:
    """1,080 at the end of month 12 is worth 1,000 today at 8% a year."""
    option = Option("o", "O", (Line(LineKind.BENEFIT, "b", D(1080), first=12),))
    result = evaluate(analysis(option, rate="0.08", horizon=12, period=Period.MONTH), option)
    assert close(result.npv, D(1000), 25)


# --- an option worked out by hand ---------------------------------------------------------------

SMALL = Option(
    "small",
    "Small purchase",
    (
        cost("1000", key="costs/0"),
        cost("100", recurring=True, first=1, key="costs/1"),
        benefit("500", recurring=True, first=1, key="benefits/0"),
        Line(LineKind.RESIDUAL, "resale", D(50), at_end=True, key="residual"),
    ),
)


def test_option_metrics_by_hand() -> None:
    result = evaluate(analysis(SMALL), SMALL)
    assert result.net_flows == flows(-1000, 400, 400, 450)
    assert result.tco == D(1300)
    # 1000 + 100 * (1.21 + 1.1 + 1) / 1.331 = 1000 + 331/1.331 = 1662/1.331
    assert close(result.tco_present_value, Fraction(1662000, 1331))
    assert result.inflows == D(1550)
    assert close(result.roi or D(0), Fraction(250, 1300))
    # -1000 + 400 * 3.31/1.331 + 50/1.331 = (1374 - 1331)/1.331 = 43/1.331
    assert close(result.npv, Fraction(43000, 1331))
    assert close(result.roi_discounted or D(0), Fraction(43, 1662))
    # cumulative -1000, -600, -200, +250: 2 periods and 200/450 of the third
    assert close(result.metrics.payback or D(0), 2 + Fraction(200, 450))
    # shortfall after 2 periods 1000 - 840/1.21 = 370/1.21; period 3 brings 450/1.331:
    # (370/1.21) / (450/1.331) = 370 * 1.1 / 450 = 407/450
    assert close(result.metrics.discounted_payback or D(0), 2 + Fraction(407, 450))
    assert result.metrics.irr.rate is not None
    assert math.isclose(
        float(result.metrics.irr.rate), npf.irr([-1000, 400, 400, 450]), rel_tol=1e-9
    )
    assert result.metrics.mirr is not None
    assert close((1 + result.metrics.mirr) ** 3, D("1.374"))  # see test_mirr_by_hand
    assert result.tco_by_category == (("other", D(1300)),)
    rows = result.flows
    assert [row.cumulative for row in rows] == flows(-1000, -600, -200, 250)
    assert close(rows[-1].cumulative_present_value, result.npv)
    assert rows[0].discount_factor == 1


def test_roi_without_costs_is_undefined() -> None:
    free = Option("free", "Free", (benefit("10", recurring=True, first=1),))
    result = evaluate(analysis(free), free)
    assert result.roi is None
    assert result.roi_discounted is None


# --- baseline, ranking, recommendation ----------------------------------------------------------

KEEP = Option("keep", "Keep", (cost("300", recurring=True, first=1, key="costs/0"),))


def test_versus_baseline_is_the_difference_of_cash_flows() -> None:
    result = analyse(analysis(KEEP, SMALL, baseline="keep"))
    small, keep = result.option("small"), result.option("keep")
    assert keep.versus_baseline is None
    versus = small.versus_baseline
    assert versus is not None
    # difference: -1000, 400 + 300, 400 + 300, 450 + 300
    assert close(versus.npv, small.npv - keep.npv)
    assert close(versus.payback or D(0), 1 + Fraction(300, 700))  # cumulative -1000, -300, 400
    assert versus.irr.rate is not None
    assert math.isclose(float(versus.irr.rate), npf.irr([-1000, 700, 700, 750]), rel_tol=1e-9)


def test_ranking_and_recommendation() -> None:
    # keep: NPV = -300 * 3.31/1.331 = -993000/1331; small: +43000/1331
    result = analyse(analysis(KEEP, SMALL))
    assert result.ranking == ("small", "keep")
    rec = result.recommendation
    assert (rec.option, rec.runner_up, rec.all_negative, rec.tied) == ("small", "keep", False, ())
    assert close(rec.margin or D(0), Fraction(1036000, 1331))


def test_a_tie_goes_to_the_first_option_in_the_file() -> None:
    twin = Option("twin", "Twin", KEEP.lines)
    result = analyse(analysis(KEEP, twin))
    assert result.ranking == ("keep", "twin")
    assert result.recommendation.tied == ("twin",)
    assert result.recommendation.all_negative


# --- sensitivity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("horizon", "step", "expected"),
    [
        (5, "-0.2", 4),
        (5, "-0.1", 4),  # 4.5: ties go away from the base
        (5, "0.1", 6),  # 5.5
        (5, "0.2", 6),
        (10, "-0.1", 9),
        (10, "0.2", 12),
        (1, "-0.2", 1),  # never below one period
        (3, "0.5", 5),  # 4.5 -> 5
    ],
)
def test_moved_horizon(horizon: int, step: str, expected: int) -> None:
    assert moved_horizon(horizon, D(step)) == expected


def npv_by_fractions(cash: list[int], rate: Fraction) -> Fraction:
    return sum((Fraction(c) / (1 + rate) ** t for t, c in enumerate(cash)), Fraction(0))


def test_sensitivity_drivers_by_hand() -> None:
    lines = (
        cost("1000", key="costs/0"),  # PV 1000
        cost("500", recurring=True, first=1, key="costs/1"),  # PV 500 * 3.31/1.331 = 1243.43
        benefit("900", recurring=True, first=1, key="benefits/0"),
    )
    option = Option("o", "O", lines)
    result = analyse(analysis(option, KEEP, steps=(D("-0.2"), D("0.5"))))
    drivers = {d.id: d for d in result.sensitivity}
    assert list(drivers) == [
        "discount_rate",
        "horizon",
        "o/costs/1",
        "o/benefits/0",
        "keep/costs/0",
    ]
    net = [-1000, 400, 400, 400]
    rate = drivers["discount_rate"]
    assert rate.values == (D("0.08"), D("0.15"))
    for k, r in enumerate((Fraction(8, 100), Fraction(15, 100))):
        assert close(rate.npv["o"][k], npv_by_fractions(net, r))
    horizon = drivers["horizon"]
    assert horizon.values == (D(2), D(5))  # 3 * 0.8 = 2.4 -> 2; 3 * 1.5 = 4.5 -> 5
    assert close(horizon.npv["o"][1], npv_by_fractions([*net, 400, 400], Fraction(1, 10)))
    biggest_cost = drivers["o/costs/1"]
    assert biggest_cost.kind is DriverKind.COST_LINE
    assert biggest_cost.values == (D(400), D(750))
    # costs -20%: 100 more per period; +50%: 250 less per period
    assert close(
        biggest_cost.npv["o"][0], npv_by_fractions([-1000, 500, 500, 500], Fraction(1, 10))
    )
    assert close(
        biggest_cost.npv["o"][1], npv_by_fractions([-1000, 150, 150, 150], Fraction(1, 10))
    )
    assert biggest_cost.npv["keep"] == (result.option("keep").npv,) * 2  # untouched
    # o stays best except when its biggest cost rises 50%: 150/period loses to keep's -300?
    # o: -1000 + 150 * 2.4869 = -626.97 > keep: -746.06, so o is still best
    assert biggest_cost.best == ("o", "o")
    benefit_driver = drivers["o/benefits/0"]
    # benefits -20%: -1000 + 220 * 2.4869 = -452.9 > -746.06; o stays best
    assert benefit_driver.best == ("o", "o")
    assert result.recommendation.switches == ()


def test_a_switch_in_the_best_option_is_reported() -> None:
    # one period at 10%: a is worth 100/1.1 = 90.91, b 95/1.1 = 86.36
    a = Option("a", "A", (benefit("100", first=1, key="benefits/0"),))
    b = Option("b", "B", (benefit("95", first=1, key="benefits/0"),))
    result = analyse(analysis(a, b, rate="0.1", horizon=1, steps=(D("-0.1"), D("0.1"))))
    drivers = {d.id: d for d in result.sensitivity}
    assert "horizon" not in drivers  # 1 period cannot move by 10%
    # a's benefit -10% is 90 < 95, and b's +10% is 104.5 > 100: b is best then
    assert drivers["a/benefits/0"].best == ("b", "a")
    assert drivers["b/benefits/0"].best == ("a", "b")
    assert drivers["discount_rate"].best == ("a", "a")
    assert result.recommendation.switches == (
        ("a/benefits/0", D("-0.1"), "b"),
        ("b/benefits/0", D("0.1"), "b"),
    )


def test_a_step_that_would_take_the_rate_to_minus_100_percent_drops_the_rate_driver() -> None:
    # -50% a year moved by +150% is -125%, which has no rate per month
    steps = (D("-0.5"), D("1.5"))
    result = analyse(analysis(SMALL, rate="-0.5", period=Period.MONTH, steps=steps))
    assert "discount_rate" not in [d.id for d in result.sensitivity]
    assert "horizon" in [d.id for d in result.sensitivity]


def test_zero_rate_has_no_rate_driver_and_tornado_is_widest_first() -> None:
    result = analyse(analysis(SMALL, rate="0", horizon=4, steps=(D("-0.5"), D("0.5"))))
    ids = [d.id for d in result.sensitivity]
    assert "discount_rate" not in ids
    bars = result.tornado("small")
    swings = [bar.swing for bar in bars]
    assert swings == sorted(swings, reverse=True)
    # the benefit line (2000 over 4 periods at 0%) swings +-50%: 2000
    assert {bar.driver.id: bar.swing for bar in bars}["small/benefits/0"] == D(2000)
