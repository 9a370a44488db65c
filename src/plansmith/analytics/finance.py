"""Discounted cash-flow arithmetic in :class:`~decimal.Decimal`: NPV, IRR and payback.

Cash flows are one amount per period, ``flows[0]`` *now* (undiscounted) and ``flows[t]`` at the
end of period ``t``, discounted by ``(1 + rate) ** t`` -- the convention of spreadsheets and of
``numpy_financial.npv``. Money stays exact; only the faces round it for display.

The IRR is found here by hand rather than with ``numpy_financial.irr``: the core may depend on the
standard library and NumPy only, and ``numpy_financial`` (which finds *all* polynomial roots with
``numpy.roots`` in floating point and picks the one nearest zero) is instead the independent
oracle the tests check this module against. With ``x = 1 / (1 + r)`` the NPV is the polynomial
``P(x) = sum(c_t * x**t)``, so an IRR above -100% is a positive root of ``P``. By Descartes' rule of
signs, cash flows whose signs change once (an investment, then returns) have exactly one: it is
bracketed between where ``P`` takes the sign of the first and of the last non-zero flow, and found
by bisection. Flows that change sign several times may have several IRRs, or none; they are
scanned over a range of rates and an IRR is reported only when exactly one rate zeroes the NPV,
because picking one of several would invite a wrong decision. Every "no IRR" says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise

ZERO = Decimal(0)
ONE = Decimal(1)

# 40 significant digits and a huge exponent range: powers like 1.08 ** -1200 stay exact enough
# and nothing overflows while an IRR is bracketed close to -100%.
CONTEXT = Context(prec=40, Emax=10**9, Emin=-(10**9))

# Several sign changes: the per-period rates scanned for roots, (1 + r) from 0.01 to 101 in
# steps of 1%, i.e. from -99% to +10,000% per period.
_SCAN_LOW, _SCAN_HIGH, _SCAN_STEP = Decimal("0.01"), Decimal(101), Decimal("1.01")
_BRACKET_LIMIT = 400  # doublings or halvings of x while bracketing the single root
_TOLERANCE = Decimal("1e-24")  # relative width of the final bracket on x = 1 / (1 + r)


class IrrStatus(StrEnum):
    """Why an IRR is, or is not, given; stable for scripts (the note is for people)."""

    OK = "ok"
    NO_SIGN_CHANGE = "no_sign_change"
    MULTIPLE = "multiple"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class Irr:
    """The internal rate of return per period, or None with the reason in ``status``/``note``.

    ``candidates`` are all the rates found to zero the NPV (several when ``status`` is
    ``MULTIPLE``), so a reader can still see them.
    """

    rate: Decimal | None
    status: IrrStatus
    note: str
    candidates: tuple[Decimal, ...] = ()


def discount_factors(rate: Decimal, periods: int) -> tuple[Decimal, ...]:
    """``1 / (1 + rate) ** t`` for t = 0 .. periods - 1."""
    with localcontext(CONTEXT):
        base = ONE + rate
        return tuple(base**-t for t in range(periods))


def npv(rate: Decimal, flows: Sequence[Decimal]) -> Decimal:
    """Net present value, ``flows[0]`` undiscounted (the same as ``numpy_financial.npv``)."""
    with localcontext(CONTEXT):
        return sum(
            (
                flow * factor
                for flow, factor in zip(flows, discount_factors(rate, len(flows)), strict=True)
            ),
            ZERO,
        )


def payback(flows: Sequence[Decimal]) -> Decimal | None:
    """Periods until the cumulative cash flow turns non-negative *for good*, or None when it is
    still negative at the end (not paid back within the horizon).

    The point is interpolated linearly inside the period that recovers the shortfall, as if that
    period's cash came in evenly: the usual reading, and the only one that gives fractional
    periods. It is the last recovery, not the first: a refresh in year 4 that plunges the running
    total below zero again moves the payback to where that, too, is recovered. Zero when the
    running total is never negative (there is nothing to pay back).
    """
    with localcontext(CONTEXT):
        running = ZERO
        cumulative = []
        for flow in flows:
            running += flow
            cumulative.append(running)
        if not cumulative or cumulative[-1] < 0:
            return None
        negative = [t for t, value in enumerate(cumulative) if value < 0]
        if not negative:
            return ZERO
        last = negative[-1]
        # cumulative[last] < 0 <= cumulative[last + 1], so flows[last + 1] > 0
        return last + (-cumulative[last]) / flows[last + 1]


def discounted(rate: Decimal, flows: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Each flow's present value."""
    with localcontext(CONTEXT):
        return tuple(
            flow * factor
            for flow, factor in zip(flows, discount_factors(rate, len(flows)), strict=True)
        )


def mirr(rate: Decimal, flows: Sequence[Decimal]) -> Decimal | None:
    """The modified IRR per period, financing and reinvesting at ``rate``: the outflows' present
    value grown to the inflows' future value, ``(FV(inflows) / PV(outflows)) ** (1/n) - 1``.

    Unlike the IRR it always has one value, so it still ranks flows whose IRR is ambiguous (a
    decommissioning cost at the end). None without both an outflow and an inflow, or with a
    single period. The same definition as ``numpy_financial.mirr`` with both rates equal.
    """
    periods = len(flows) - 1
    with localcontext(CONTEXT):
        outflows = -npv(rate, [min(flow, ZERO) for flow in flows])
        inflows = npv(rate, [max(flow, ZERO) for flow in flows])
        if periods < 1 or outflows == 0 or inflows == 0:
            return None
        growth = ONE + rate
        return (inflows * growth**periods / outflows) ** (ONE / periods) - ONE


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


def _polynomial(flows: Sequence[Decimal], x: Decimal) -> Decimal:
    """``sum(flows[t] * x**t)`` by Horner's rule: the NPV at ``r = 1/x - 1``."""
    total = ZERO
    for flow in reversed(flows):
        total = total * x + flow
    return total


def irr(flows: Sequence[Decimal]) -> Irr:
    """The rate per period at which the NPV of ``flows`` is zero, when there is exactly one."""
    with localcontext(CONTEXT):
        signs = [_sign(flow) for flow in flows if flow != 0]
        changes = sum(1 for a, b in pairwise(signs) if a != b)
        if changes == 0:
            return Irr(
                None,
                IrrStatus.NO_SIGN_CHANGE,
                "the net cash flows never change sign, so no discount rate makes the NPV zero",
            )
        if changes == 1:
            x = _single_root(flows, signs[0], signs[-1])
            if x is None:
                return Irr(None, IrrStatus.NOT_FOUND, "the IRR is beyond any meaningful range")
            rate = ONE / x - ONE
            return Irr(rate, IrrStatus.OK, "", (rate,))
        roots = _scan_roots(flows)
        if len(roots) == 1:
            return Irr(roots[0], IrrStatus.OK, "", roots)
        if not roots:
            return Irr(
                None,
                IrrStatus.NOT_FOUND,
                f"the net cash flows change sign {changes} times and no rate between -99% and "
                "10,000% per period makes the NPV zero",
            )
        listed = ", ".join(f"{float(r):.2%}" for r in roots)
        return Irr(
            None,
            IrrStatus.MULTIPLE,
            f"the net cash flows change sign {changes} times and the NPV is zero at several "
            f"rates ({listed} per period): the IRR is ambiguous, compare the options by NPV",
            roots,
        )


def _single_root(flows: Sequence[Decimal], first: int, last: int) -> Decimal | None:
    """The one positive root of P when the flows change sign once.

    P has the sign of the first non-zero flow near x = 0 and of the last one for large x; the
    bracket [low, high] keeps exactly those signs at its ends while it narrows.
    """
    value = _polynomial(flows, ONE)
    if value == 0:
        return ONE
    low, high = ONE, ONE
    if _sign(value) == first:  # the root is above x = 1: the IRR is negative
        for _ in range(_BRACKET_LIMIT):
            high *= 2
            value = _polynomial(flows, high)
            if value == 0:
                return high
            if _sign(value) == last:
                break
            low = high
        else:
            return None
    else:  # below x = 1: the IRR is positive
        for _ in range(_BRACKET_LIMIT):
            low /= 2
            value = _polynomial(flows, low)
            if value == 0:
                return low
            if _sign(value) == first:
                break
            high = low
        else:
            return None
    return _bisect(flows, low, high, first)


def _bisect(flows: Sequence[Decimal], low: Decimal, high: Decimal, low_sign: int) -> Decimal:
    """Narrow a bracket (P has ``low_sign`` at ``low``, the other sign at ``high``) to the root.

    Wide brackets are halved geometrically, so a root near zero is reached in as few steps as
    one near one; then arithmetically, to a relative width of 1e-24.
    """
    while high - low > _TOLERANCE * high:
        middle = (low * high).sqrt() if high > 4 * low else (low + high) / 2
        if middle <= low or middle >= high:
            break  # the bracket cannot be split any further at this precision
        value = _polynomial(flows, middle)
        if value == 0:
            return middle
        if _sign(value) == low_sign:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _scan_roots(flows: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Every rate in -99%..10,000% per period where the NPV changes sign, ascending."""
    roots: list[Decimal] = []
    # walk x = 1 / (1 + r) downwards, so that the rates come out in ascending order
    growth = _SCAN_LOW
    x_prev = ONE / growth
    p_prev = _polynomial(flows, x_prev)
    while growth < _SCAN_HIGH:
        growth *= _SCAN_STEP
        x = ONE / growth
        p = _polynomial(flows, x)
        if p_prev == 0:
            roots.append(ONE / x_prev - ONE)
        elif p != 0 and _sign(p) != _sign(p_prev):
            root = _bisect(flows, x, x_prev, _sign(p))
            roots.append(ONE / root - ONE)
        x_prev, p_prev = x, p
    return tuple(roots)
