"""Working calendars as data: a weekly pattern of working ranges plus non-working dates.

Every calendar a plan can express is a week pattern and a set of removed days, and that form is
closed under intersection, so a task worked by several resources gets an exact calendar of its own
(:func:`intersect`) without any special cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Working ranges of one day as (start, end) minutes after midnight, sorted and disjoint; end may
# be 1440 ("24:00").
DayRanges = tuple[tuple[int, int], ...]


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

    def without(self, dates: Iterable[date]) -> Calendar:
        """This calendar with more days removed (a resource's vacations, global holidays)."""
        extra = frozenset(dates)
        if extra <= self.holidays:
            return self
        return Calendar(self.id, self.week, self.holidays | extra, self.name)


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


def intersect(calendars: Iterable[Calendar], new_id: str) -> Calendar:
    """The working time common to all ``calendars``."""
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
    return Calendar(new_id, week, frozenset(holidays), new_id)
