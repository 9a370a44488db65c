"""Invariants of weighted scores and of "renew or replace" work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from plansmith.analytics.inventory import System, SystemKind, renewal_work
from plansmith.analytics.scoring import Criterion, Scale, weighted_score

SCALE = Scale(Decimal(1), Decimal(5))
scores = st.decimals(min_value=1, max_value=5, places=1)
criteria = st.lists(
    st.tuples(st.integers(min_value=0, max_value=100), st.booleans()), min_size=1, max_size=6
).map(
    lambda items: tuple(
        Criterion(f"c{k}", f"C{k}", Decimal(w), better) for k, (w, better) in enumerate(items)
    )
)


@given(criteria, st.data())
def test_the_score_is_within_the_scale_and_monotone_in_each_score(
    model: tuple[Criterion, ...], data: st.DataObject
) -> None:
    given_scores = {c.id: data.draw(scores) for c in model}
    score = weighted_score(model, given_scores, SCALE)
    assert SCALE.low <= score <= SCALE.high
    for criterion in model:
        better = data.draw(scores)
        moved = {**given_scores, criterion.id: better}
        after = weighted_score(model, moved, SCALE)
        rising = better >= given_scores[criterion.id]
        if criterion.higher_is_better == rising:
            assert after >= score
        else:
            assert after <= score


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.lists(st.integers(min_value=-400, max_value=800), max_size=8),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=120),
)
def test_renewal_work_comes_before_the_end_of_life(
    today: date, offsets: list[int], lead: int, margin: int
) -> None:
    systems = [
        System(f"s{k}", f"S{k}", SystemKind.HARDWARE, end_of_life=today + timedelta(days=d))
        for k, d in enumerate(offsets)
    ]
    work = renewal_work(systems, today, lead_days=lead, margin_days=margin)
    for item in work:
        assert today <= item.start <= item.due < item.end_of_life
    expected = {f"s{k}" for k, d in enumerate(offsets) if 0 < d <= 365}
    assert {item.system for item in work} == expected
