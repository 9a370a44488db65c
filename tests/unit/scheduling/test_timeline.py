"""``Timeline``: exact working-time arithmetic on a compiled calendar.

Instants are minutes from the origin (Monday 2027-01-04 00:00). Expected values are worked out by
hand in the small cases and by a naive day-by-day reference (``naive_work``) in the large ones.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from plansmith.domain.calendar import Calendar, WeekPattern, standard_week
from plansmith.scheduling.timeline import HorizonExceededError, Timeline

ORIGIN = date(2027, 1, 4)  # a Monday
DAY = 1440


def at(day: int, hh: int, mm: int = 0) -> int:
    """Minutes from the origin: ``day`` days after it (negative before), at hh:mm."""
    return day * DAY + hh * 60 + mm


def week(*days: tuple[tuple[int, int], ...]) -> WeekPattern:
    return WeekPattern((*days, *([()] * (7 - len(days)))))  # type: ignore[arg-type]


def standard(*holidays: date) -> Timeline:
    return Timeline(Calendar("standard", standard_week(), frozenset(holidays)), ORIGIN)


def naive_work(calendar: Calendar, t: int) -> int:
    """W(t) by brute force: working minutes in [0, t), negated for t before the origin."""
    lo, hi = sorted((0, t))
    total = 0
    for k in range(lo // DAY - 1, hi // DAY + 2):
        day = ORIGIN + timedelta(days=k)
        if day in calendar.holidays:
            continue
        for start, end in calendar.week.days[day.weekday()]:
            a, b = max(lo, k * DAY + start), min(hi, k * DAY + end)
            total += max(0, b - a)
    return total if t >= 0 else -total


# -- one week of the standard calendar (mon-fri 09:00-12:00, 13:00-18:00) -------------------------


@pytest.mark.parametrize(
    ("t", "w"),
    [
        (0, 0),
        (at(0, 9), 0),
        (at(0, 9, 1), 1),
        (at(0, 10), 60),
        (at(0, 12), 180),
        (at(0, 12, 30), 180),  # flat over lunch
        (at(0, 13), 180),
        (at(0, 13, 1), 181),
        (at(0, 18), 480),
        (at(0, 23), 480),
        (at(1, 0), 480),
        (at(1, 9, 30), 510),
        (at(4, 18), 2400),
        (at(5, 12), 2400),  # saturday
        (at(7, 9), 2400),  # next monday morning
        (at(7, 10), 2460),
    ],
)
def test_work_at(t: int, w: int) -> None:
    assert standard().work_at(t) == w


@pytest.mark.parametrize(
    ("w", "start", "finish"),
    [
        (0, at(0, 9), at(-3, 18)),  # finish_of(0): the end of last Friday's work
        (1, at(0, 9, 1), at(0, 9, 1)),
        (60, at(0, 10), at(0, 10)),
        (180, at(0, 13), at(0, 12)),  # a 3h task ends at 12:00; the next work begins at 13:00
        (181, at(0, 13, 1), at(0, 13, 1)),
        (480, at(1, 9), at(0, 18)),
        (2400, at(7, 9), at(4, 18)),  # over the weekend
        (2401, at(7, 9, 1), at(7, 9, 1)),
    ],
)
def test_start_of_and_finish_of(w: int, start: int, finish: int) -> None:
    tl = standard()
    assert tl.start_of(w) == start
    assert tl.finish_of(w) == finish
    assert tl.work_at(start) == tl.work_at(finish) == w


@pytest.mark.parametrize(
    ("t", "floor"),
    [
        (at(0, 10), 60),  # inside working time: W(t)
        (at(0, 12), 179),  # work 181 starts only at 13:00
        (at(0, 12, 30), 179),  # in the lunch gap
        (at(0, 13), 180),
        (at(0, 18), 479),
        (at(0, 20), 479),
        (at(5, 12), 2399),  # saturday
        (at(7, 9), 2400),
    ],
)
def test_work_floor(t: int, floor: int) -> None:
    tl = standard()
    assert tl.work_floor(t) == floor
    # the defining property
    assert tl.start_of(floor) <= t < tl.start_of(floor + 1)


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0, at(0, 9)),
        (at(0, 9), at(0, 9)),
        (at(0, 11, 59), at(0, 11, 59)),
        (at(0, 12), at(0, 13)),
        (at(0, 12, 59), at(0, 13)),
        (at(4, 18), at(7, 9)),
        (at(6, 23, 59), at(7, 9)),
    ],
)
def test_next_start(t: int, expected: int) -> None:
    assert standard().next_start(t) == expected


def test_holidays_remove_whole_days() -> None:
    tl = standard(date(2027, 1, 5), date(2027, 1, 8))  # tuesday and friday
    assert tl.work_at(at(2, 9)) == 480
    assert tl.start_of(480) == at(2, 9)  # wednesday morning
    assert tl.finish_of(480) == at(0, 18)
    assert tl.work_at(at(7, 9)) == 3 * 480
    assert tl.start_of(3 * 480) == at(7, 9)
    assert tl.next_start(at(4, 10)) == at(7, 9)


def test_holiday_on_a_weekend_changes_nothing() -> None:
    plain, extra = standard(), standard(date(2027, 1, 9))
    for t in range(at(-3, 0), at(10, 0), 97):
        assert plain.work_at(t) == extra.work_at(t)


def test_midnight_contiguous_ranges_are_one_stretch() -> None:
    """A night shift 22:00-24:00 + 00:00-06:00 and a weekend worked round the clock."""
    night = ((0, 360), (1320, 1440))
    cal = Calendar("ops", week(night, night, night, night, night, ((0, 1440),), ((0, 1440),)))
    tl = Timeline(cal, ORIGIN)
    assert tl.work_at(at(0, 22)) == 360
    assert tl.work_at(at(1, 0)) == 480
    assert tl.start_of(480) == tl.finish_of(480) == at(1, 0)  # no gap at midnight
    assert tl.finish_of(tl.work_at(at(0, 22)) + 240) == at(1, 2)  # 4h from 22:00 ends at 02:00
    # friday 22:00 to monday 06:00 is one uninterrupted stretch of 56 hours
    friday = tl.work_at(at(4, 22))
    assert tl.work_at(at(7, 6)) - friday == 56 * 60
    for hours in (2, 26, 50):
        assert tl.start_of(friday + hours * 60) == at(4, 22) + hours * 60
        assert tl.finish_of(friday + hours * 60) == at(4, 22) + hours * 60
    assert tl.next_start(at(7, 6)) == at(7, 22)


def test_a_round_the_clock_calendar_is_the_identity() -> None:
    full = ((0, 1440),)
    tl = Timeline(Calendar("24x7", week(*([full] * 7))), ORIGIN)
    for t in (-10 * DAY - 7, -1, 0, 1, 777, 400 * DAY + 13, 5000 * DAY):
        assert tl.work_at(t) == t
        assert tl.start_of(t) == tl.finish_of(t) == t
        assert tl.work_floor(t) == t


def test_before_the_origin_work_is_negative() -> None:
    tl = standard()
    assert tl.work_at(at(-3, 18)) == 0  # last friday evening
    assert tl.work_at(at(-3, 17)) == -60
    assert tl.work_at(at(-3, 9)) == -480
    assert tl.work_at(at(-7, 9)) == -2400  # monday a week before
    assert tl.start_of(-480) == at(-3, 9)
    assert tl.start_of(-1) == at(-3, 17, 59)
    assert tl.finish_of(-480) == at(-4, 18)
    assert tl.next_start(at(-2, 0)) == at(0, 9)


@pytest.mark.parametrize(
    "holidays",
    [
        pytest.param(frozenset(), id="no-holidays"),
        pytest.param(
            frozenset(
                {date(2026, 12, 25), date(2027, 1, 1), date(2027, 4, 2), date(2031, 12, 25)}
                | {date(2028, 7, 1) + timedelta(days=k) for k in range(30)}
            ),
            id="holidays",
        ),
    ],
)
def test_matches_a_naive_day_by_day_count(holidays: frozenset[date]) -> None:
    office = ((480, 720), (750, 1020))
    cal = Calendar(
        "c", week(office, office, office, office, ((480, 780),), ((600, 660),)), holidays
    )
    tl = Timeline(cal, ORIGIN)
    samples = [at(k, 0) + (k * 97) % DAY for k in range(-700, 2500, 37)]  # ~7 years, any hour
    for t in samples:
        w = naive_work(cal, t)
        assert tl.work_at(t) == w, t
        # start_of / finish_of: the ends of the flat stretch at W = w
        s, f = tl.start_of(w), tl.finish_of(w)
        assert naive_work(cal, s) == w
        assert naive_work(cal, s + 1) == w + 1
        assert naive_work(cal, f) == w
        assert naive_work(cal, f - 1) == w - 1
        assert f <= t <= s


def test_far_future_and_past_grow_the_timeline_consistently() -> None:
    cal = Calendar("standard", standard_week(), frozenset({date(2027, 1, 6)}))
    tl = standard(date(2027, 1, 6))
    near = [tl.work_at(t) for t in range(0, at(30, 0), 301)]
    future = at(40 * 366, 10)  # forty years on: far past the initially compiled range
    past = at(-30 * 366, 10)
    assert tl.work_at(future) == naive_work(cal, future)
    assert tl.work_at(past) == naive_work(cal, past)
    assert tl.start_of(tl.work_at(future)) <= future + DAY * 3
    # growing never changes values already given out
    assert [tl.work_at(t) for t in range(0, at(30, 0), 301)] == near
    fresh = standard(date(2027, 1, 6))
    w = 10_000_000  # ~80 years of work
    assert fresh.finish_of(w) == tl.finish_of(w)
    assert fresh.work_at(fresh.start_of(w)) == w


def test_a_calendar_without_working_time_raises() -> None:
    with pytest.raises(HorizonExceededError):
        Timeline(Calendar("never", week()), ORIGIN)


def test_holidays_that_remove_all_future_work_raise_on_use() -> None:
    gone = (ORIGIN + timedelta(days=k) for k in range(-30, 201 * 366))
    tl = Timeline(Calendar("gone", standard_week(), frozenset(gone)), ORIGIN)
    assert tl.work_at(0) == 0  # W(origin) is defined: it is 0
    with pytest.raises(HorizonExceededError):
        tl.start_of(0)
    with pytest.raises(HorizonExceededError):
        tl.next_start(0)


def test_a_long_non_working_stretch_before_the_origin() -> None:
    """A resource not hired yet: every day from 2020 to Sunday 2027-01-10 removed."""
    first = date(2020, 1, 1)
    gone = frozenset(first + timedelta(days=k) for k in range((ORIGIN - first).days + 7))
    cal = Calendar("new-hire", standard_week(), gone)
    tl = Timeline(cal, ORIGIN)
    assert tl.work_at(0) == 0
    assert tl.work_at(at(7, 9)) == 0
    assert tl.start_of(0) == tl.next_start(0) == at(7, 9)
    for t in (at(-100, 0), at(-390, 12), at(-3000, 0)):
        assert tl.work_at(t) == naive_work(cal, t)


def test_work_beyond_two_centuries_raises() -> None:
    tl = standard()
    with pytest.raises(HorizonExceededError):
        tl.finish_of(201 * 53 * 2400)
    with pytest.raises(HorizonExceededError):
        tl.work_at(at(201 * 366, 0))
