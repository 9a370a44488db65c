"""Calendars as data: date ranges, removing days, and intersecting calendars."""

from __future__ import annotations

from datetime import date

import pytest

from plansmith.domain.calendar import (
    Calendar,
    DateRange,
    WeekPattern,
    intersect,
    intersect_ranges,
    standard_week,
)

NINE_TO_FIVE = ((540, 1020),)
NONE = ()


def week(*days: tuple[tuple[int, int], ...]) -> WeekPattern:
    padded = (*days, *([()] * (7 - len(days))))
    return WeekPattern(padded)  # type: ignore[arg-type]


def test_date_range_days_are_inclusive() -> None:
    assert list(DateRange(date(2027, 12, 30), date(2028, 1, 2)).days()) == [
        date(2027, 12, 30),
        date(2027, 12, 31),
        date(2028, 1, 1),
        date(2028, 1, 2),
    ]
    assert list(DateRange(date(2027, 1, 1), date(2027, 1, 1)).days()) == [date(2027, 1, 1)]


def test_minutes_per_week() -> None:
    assert standard_week().minutes_per_week == 2400
    assert week(((0, 1440),), NONE, ((60, 120), (600, 660))).minutes_per_week == 1560
    assert week().minutes_per_week == 0


def test_without_adds_days_and_keeps_self_when_nothing_new() -> None:
    cal = Calendar("c", standard_week(), frozenset({date(2027, 1, 1)}), "C")
    assert cal.without([date(2027, 1, 1)]) is cal
    assert cal.without([]) is cal
    more = cal.without([date(2027, 1, 6), date(2027, 1, 1)])
    assert more.holidays == {date(2027, 1, 1), date(2027, 1, 6)}
    assert (more.id, more.week, more.name) == ("c", cal.week, "C")
    assert cal.holidays == {date(2027, 1, 1)}  # immutable


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(((540, 1020),), ((480, 720),), ((540, 720),), id="overlap"),
        pytest.param(
            ((540, 720), (780, 1080)), ((600, 900),), ((600, 720), (780, 900)), id="lunch"
        ),
        pytest.param(((0, 720),), ((720, 1440),), (), id="touching"),
        pytest.param(((540, 1020),), (), (), id="one-empty"),
        pytest.param(
            ((0, 1440),), ((100, 200), (300, 400)), ((100, 200), (300, 400)), id="all-day"
        ),
        pytest.param(
            ((0, 100), (200, 300), (400, 500)),
            ((50, 250), (280, 450)),
            ((50, 100), (200, 250), (280, 300), (400, 450)),
            id="interleaved",
        ),
        pytest.param(((540, 1020),), ((540, 1020),), ((540, 1020),), id="same"),
    ],
)
def test_intersect_ranges(a, b, expected) -> None:
    assert intersect_ranges(a, b) == expected
    assert intersect_ranges(b, a) == expected


def test_intersect_two_calendars_per_day_with_holidays_united() -> None:
    early = Calendar(
        "early",
        week(((420, 900),), ((420, 900),), NONE, ((420, 900),)),
        frozenset({date(2027, 1, 1)}),
    )
    office = Calendar(
        "office",
        week(((540, 720), (780, 1080)), NONE, ((540, 1080),), ((540, 1080),)),
        frozenset({date(2027, 1, 6)}),
    )
    both = intersect([early, office], "early+office")
    assert both.id == "early+office"
    assert both.week.days == (
        ((540, 720), (780, 900)),  # mon: office hours cut at 15:00
        (),  # tue: office off
        (),  # wed: early off
        ((540, 900),),
        (),
        (),
        (),
    )
    assert both.holidays == {date(2027, 1, 1), date(2027, 1, 6)}
    assert both.week.minutes_per_week == 300 + 360


def test_intersect_three_calendars() -> None:
    a = Calendar("a", week(((480, 1080),), ((480, 1080),)))
    b = Calendar("b", week(((540, 1440),), ((0, 600),)))
    c = Calendar("c", week(((0, 600), (900, 1000)), ((0, 1440),)), frozenset({date(2027, 3, 1)}))
    abc = intersect([a, b, c], "abc")
    assert abc.week.days[0] == ((540, 600), (900, 1000))
    assert abc.week.days[1] == ((480, 600),)
    assert abc.holidays == {date(2027, 3, 1)}
    assert intersect([c, a, b], "x").week == abc.week


def test_intersect_disjoint_calendars_has_no_working_time() -> None:
    days = Calendar("days", week(*([((480, 960),)] * 5)))
    nights = Calendar("nights", week(*([((960, 1440),)] * 5)))
    assert intersect([days, nights], "none").week.minutes_per_week == 0


def test_intersect_of_one_is_itself() -> None:
    cal = Calendar("solo", standard_week())
    assert intersect([cal], "ignored") is cal


def test_intersect_needs_a_calendar() -> None:
    with pytest.raises(ValueError, match="at least one"):
        intersect([], "none")


def test_intersect_accepts_any_iterable() -> None:
    cals = (Calendar(f"c{i}", standard_week()) for i in range(3))
    assert intersect(cals, "gen").week == standard_week()
