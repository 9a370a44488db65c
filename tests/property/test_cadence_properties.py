"""Properties of the communication plan's cadences (analytics.cadence): the next due moment is
always strictly after the last, on the cadence's weekday, day or milestone, and no occurrence
is ever skipped between the two."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansmith.analytics.cadence import Cadence, CadenceRule, month_day, next_due

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
rules = st.builds(
    CadenceRule,
    cadence=st.sampled_from([Cadence.WEEKLY, Cadence.BIWEEKLY, Cadence.MONTHLY]),
    anchor=days,
    weekday=st.integers(0, 6),
    day=st.integers(1, 31),
    hour=st.integers(0, 23),
)


def _on_cadence(rule: CadenceRule, moment: datetime) -> bool:
    if (moment.hour, moment.minute, moment.second, moment.microsecond) != (rule.hour, 0, 0, 0):
        return False
    if moment.date() < rule.anchor:
        return False
    if rule.cadence is Cadence.MONTHLY:
        return moment.date() == month_day(moment.year, moment.month, rule.day)
    if moment.weekday() != rule.weekday:
        return False
    if rule.cadence is Cadence.BIWEEKLY:
        first = rule.anchor + timedelta(days=(rule.weekday - rule.anchor.weekday()) % 7)
        return (moment.date() - first).days % 14 == 0
    return True


@given(rules, moments)
def test_the_next_due_is_after_the_last_and_on_the_cadence(
    rule: CadenceRule, after: datetime
) -> None:
    due = next_due(rule, after)
    assert due is not None
    assert due > after
    assert _on_cadence(rule, due)


@given(rules, moments)
def test_no_occurrence_is_skipped(rule: CadenceRule, after: datetime) -> None:
    """Nothing on the cadence lies strictly between ``after`` and the next due moment."""
    due = next_due(rule, after)
    assert due is not None
    probe = max(after, datetime.combine(rule.anchor, datetime.min.time(), UTC))
    probe = probe.replace(minute=0, second=0, microsecond=0)
    while probe < due:
        assert not (probe > after and _on_cadence(rule, probe)), (probe, due)
        probe += timedelta(hours=1)


@given(rules, moments, st.integers(1, 30))
def test_a_chain_of_occurrences_keeps_the_interval(
    rule: CadenceRule, after: datetime, count: int
) -> None:
    chain = [next_due(rule, after)]
    for _ in range(count):
        last = chain[-1]
        assert last is not None
        chain.append(next_due(rule, last))
    for earlier, later in itertools.pairwise(chain):
        assert earlier is not None
        assert later is not None
        if rule.cadence is Cadence.WEEKLY:
            assert later - earlier == timedelta(days=7)
        elif rule.cadence is Cadence.BIWEEKLY:
            assert later - earlier == timedelta(days=14)
        else:  # the next calendar month, on its day (or its last day)
            months = (later.year - earlier.year) * 12 + later.month - earlier.month
            assert months == 1
            assert later.day == min(rule.day, calendar.monthrange(later.year, later.month)[1])


@given(
    days,
    moments,
    st.lists(moments, max_size=12),
)
def test_milestones_come_in_order_and_are_never_repeated(
    anchor: date, after: datetime, milestones: list[datetime]
) -> None:
    rule = CadenceRule(Cadence.MILESTONE, anchor)
    floor = datetime.combine(anchor, datetime.min.time(), UTC)
    expected = sorted({m for m in milestones if m >= floor})
    sent: list[datetime] = []
    due = next_due(rule, after, milestones)
    while due is not None:
        assert due > after
        assert not sent or due > sent[-1]
        sent.append(due)
        due = next_due(rule, due, milestones)
    assert sent == [m for m in expected if m > after]


@pytest.mark.parametrize(
    ("field", "value"), [("weekday", 7), ("weekday", -1), ("day", 0), ("day", 32), ("hour", 24)]
)
def test_a_rule_out_of_range_is_refused(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        CadenceRule(Cadence.WEEKLY, date(2027, 1, 1), **{field: value})


def test_a_short_month_sends_on_its_last_day() -> None:
    rule = CadenceRule(Cadence.MONTHLY, date(2027, 1, 1), day=31, hour=9)
    after = datetime(2027, 1, 31, 9, tzinfo=UTC)
    assert next_due(rule, after) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert next_due(rule, datetime(2027, 2, 28, 9, tzinfo=UTC)) == datetime(
        2027, 3, 31, 9, tzinfo=UTC
    )
