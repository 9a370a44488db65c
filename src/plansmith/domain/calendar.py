"""Working calendars as data: a weekly pattern of working ranges, non-working dates, and dates
with working ranges of their own.

Every calendar a plan can express is a week pattern, a set of removed days and a finite set of
overridden days (a plan's work weeks and working days, expanded to dates when it is read), and that
form is closed under intersection, so a task worked by several resources gets an exact calendar of
its own (:func:`intersect`) without any special cases. On a given date a removed day beats an
override, and an override beats the week.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Working ranges of one day as (start, end) minutes after midnight, sorted and disjoint; end may
# be 1440 ("24:00").
DayRanges = tuple[tuple[int, int], ...]
# Dates whose working ranges differ from the week's, sorted by date, one entry a date.
Overrides = tuple[tuple[date, DayRanges], ...]


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive range of whole days, e.g. a holiday or a vacation."""

    first: date
    last: date
    name: str = ""

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WeekPattern:
    """Working ranges for Monday (index 0) to Sunday (index 6)."""

    days: tuple[DayRanges, DayRanges, DayRanges, DayRanges, DayRanges, DayRanges, DayRanges]

    @property
    def minutes_per_week(self) -> int:
        return sum(end - start for ranges in self.days for start, end in ranges)


@dataclass(frozen=True, slots=True)
class Calendar:
    id: str
    week: WeekPattern
    holidays: frozenset[date] = field(default_factory=frozenset)
    name: str = ""
    # Kept in the canonical form :func:`overrides_of` makes (none on a holiday, none equal to the
    # week's day), so that calendars with the same working time compare equal.
    overrides: Overrides = ()

    def without(self, dates: Iterable[date]) -> Calendar:
        """This calendar with more days removed (a resource's vacations, global holidays)."""
        extra = frozenset(dates)
        if extra <= self.holidays:
            return self
        holidays = self.holidays | extra
        kept = tuple(item for item in self.overrides if item[0] not in holidays)
        return Calendar(self.id, self.week, holidays, self.name, kept)

    def ranges_on(self, day: date) -> DayRanges:
        """The working ranges of one date."""
        if day in self.holidays:
            return ()
        k = bisect_left(self.overrides, day, key=_date_of)
        if k < len(self.overrides) and self.overrides[k][0] == day:
            return self.overrides[k][1]
        return self.week.days[day.weekday()]


def _date_of(item: tuple[date, DayRanges]) -> date:
    return item[0]


def standard_week() -> WeekPattern:
    """Monday to Friday, 09:00-12:00 and 13:00-18:00: 8 hours a day with a lunch break.

    The calendar a plan gets when it defines none.
    """
    office: DayRanges = ((9 * 60, 12 * 60), (13 * 60, 18 * 60))
    return WeekPattern((office, office, office, office, office, (), ()))


def intersect_ranges(a: DayRanges, b: DayRanges) -> DayRanges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def intersect_weeks(a: WeekPattern, b: WeekPattern) -> WeekPattern:
    """The working ranges common to two week patterns, day by day."""
    days = [intersect_ranges(x, y) for x, y in zip(a.days, b.days, strict=True)]
    return WeekPattern((days[0], days[1], days[2], days[3], days[4], days[5], days[6]))


def overrides_of(
    week: WeekPattern, days: dict[date, DayRanges], holidays: frozenset[date] = frozenset()
) -> Overrides:
    """Dated working ranges in canonical form: sorted, without the dates a holiday removes or
    whose ranges are the week's anyway (both change nothing)."""
    return tuple(
        (day, ranges)
        for day, ranges in sorted(days.items())
        if day not in holidays and ranges != week.days[day.weekday()]
    )


def intersect(calendars: Iterable[Calendar], new_id: str) -> Calendar:
    """The working time common to all ``calendars``: on each date a calendar overrides, the
    ranges common to every calendar's ranges of that date."""
    items = list(calendars)
    if not items:
        raise ValueError("intersect needs at least one calendar")
    first = items[0]
    if len(items) == 1:
        return first
    week = first.week
    holidays = set(first.holidays)
    for other in items[1:]:
        week = intersect_weeks(week, other.week)
        holidays |= other.holidays
    dated = {day for calendar in items for day, _ in calendar.overrides} - holidays
    days: dict[date, DayRanges] = {}
    for day in dated:
        ranges = first.ranges_on(day)
        for other in items[1:]:
            ranges = intersect_ranges(ranges, other.ranges_on(day))
        days[day] = ranges
    return Calendar(new_id, week, frozenset(holidays), new_id, overrides_of(week, days))
