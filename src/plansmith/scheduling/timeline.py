"""A calendar compiled into sorted working intervals, with exact conversions to working time.

Times are integer minutes from the project origin (the start date at 00:00, wall-clock time in the
project's time zone). ``work_at(t)`` is the cumulative working time W(t): flat across non-working
gaps, rising one per working minute. Its two inverses pick the ends of a flat stretch:
``start_of(w)`` is the *latest* instant with W = w (a start snaps forward over a gap, to 13:00
after lunch) and ``finish_of(w)`` the *earliest* (a finish stays at 12:00, before lunch). Every
engine rule is written with these four functions, which keeps forward and backward passes exact
mirror images of each other.

Hand-written because no maintained library offers cumulative working-time arithmetic on
arbitrary intersected calendars. Compiling uses NumPy; the look-ups use ``bisect`` on plain lists,
which is faster than NumPy for the scalar queries the passes make.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from plansmith.domain.calendar import MINUTES_PER_DAY, Calendar, WeekPattern
from plansmith.scheduling.timeline_overrides import DatedRanges, DayOverrides

_INITIAL_DAYS_BEFORE = 120
_INITIAL_DAYS_AFTER = 6 * 366
_MAX_DAYS = 100 * 366  # the horizon, each way from the origin


class HorizonExceededError(Exception):
    """The calendar has no working time within a century of the project origin."""


def day_offsets(days: Iterable[date], origin: date) -> np.ndarray:
    """Dates as sorted, distinct day offsets from ``origin`` (the form timelines remove days in)."""
    ordinals = np.fromiter(map(date.toordinal, days), dtype=np.int64)
    return np.unique(ordinals - origin.toordinal())


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted, distinct values of ``a`` (sorted and distinct already) and ``b`` (any day
    offsets): ``np.union1d`` hashes and takes ten times as long, and this runs once per
    resource and per set of resources working together."""
    if not len(a) or not len(b):
        return a if len(b) == 0 else np.unique(b)
    both = np.concatenate((a, b))
    both.sort(kind="stable")  # a merge of the sorted runs (timsort), not a quicksort
    first = np.empty(len(both), dtype=bool)  # first of its value
    first[0] = True
    np.not_equal(both[1:], both[:-1], out=first[1:])
    return both[first]


@dataclass(frozen=True, slots=True, eq=False)
class WorkingTime:
    """What a timeline compiles: a week pattern minus whole days, plus dated overrides.

    The same content as a :class:`Calendar`, with the removed days (holidays, vacations) as
    sorted, distinct day offsets from the origin in a NumPy array: a plan with hundreds of
    resources makes hundreds of these (each resource's vacations, each pair working together),
    and array unions are far cheaper than sets of dates. ``calendar`` is given when the caller
    has the domain calendar already; otherwise it is rebuilt only if someone asks for it.
    ``overrides`` (work weeks and working days, by day offset) is None for nearly every calendar,
    which then compiles on the fast path; removed days beat overridden ones.
    """

    id: str
    week: WeekPattern
    removed: np.ndarray
    name: str = ""
    calendar: Calendar | None = None
    overrides: DayOverrides | None = None

    @classmethod
    def of(cls, calendar: Calendar, origin: date) -> WorkingTime:
        return cls(
            calendar.id,
            calendar.week,
            day_offsets(calendar.holidays, origin),
            calendar.name,
            calendar,
            DayOverrides.of(calendar.overrides, origin),
        )

    @property
    def key(self) -> WorkingKey:
        """Equal for equal working time, whatever the ids: such calendars share one timeline."""
        dated = self.overrides.items if self.overrides is not None else ()
        return self.week, self.removed.tobytes(), dated

    def to_calendar(self, origin: date) -> Calendar:
        if self.calendar is not None:
            return self.calendar
        holidays = frozenset(origin + timedelta(days=int(d)) for d in self.removed)
        dated = self.overrides.dated(origin) if self.overrides is not None else ()
        return Calendar(self.id, self.week, holidays, self.name, dated)


WorkingKey = tuple[WeekPattern, bytes, DatedRanges]


class _Layout(NamedTuple):
    """A week pattern's working ranges laid over a range of days, sorted by start."""

    day: np.ndarray  # the day of each range, counted from the first day of the layout
    start: np.ndarray  # minutes from the origin
    end: np.ndarray
    touching: bool  # some range ends where the next begins (across midnight)


class WeekLayouts:
    """Each week pattern laid over a range of days once, for every calendar with that pattern.

    Calendars of resources differ from their base calendar only in the days they remove, so a
    timeline is compiled by masking the shared layout rather than laying out its week again.
    """

    def __init__(self, origin: date) -> None:
        self._weekday = origin.weekday()
        self._layouts: dict[tuple[WeekPattern, int, int], _Layout] = {}

    def layout(self, week: WeekPattern, lo_day: int, hi_day: int) -> _Layout:
        key = (week, lo_day, hi_day)
        found = self._layouts.get(key)
        if found is None:
            found = self._layouts[key] = self._lay_out(week, lo_day, hi_day)
        return found

    def _lay_out(self, week: WeekPattern, lo_day: int, hi_day: int) -> _Layout:
        days = np.arange(lo_day, hi_day, dtype=np.int64)
        weekdays = (days + self._weekday) % 7
        chunks_day: list[np.ndarray] = []
        chunks_start: list[np.ndarray] = []
        chunks_end: list[np.ndarray] = []
        for weekday, ranges in enumerate(week.days):
            chosen = days[weekdays == weekday]
            for start, end in ranges:
                chunks_day.append(chosen)
                chunks_start.append(chosen * MINUTES_PER_DAY + start)
                chunks_end.append(chosen * MINUTES_PER_DAY + end)
        if not chunks_start:
            empty = np.zeros(0, dtype=np.int64)
            return _Layout(empty, empty, empty, touching=False)
        starts = np.concatenate(chunks_start)
        order = np.argsort(starts, kind="stable")
        starts = starts[order]
        ends = np.concatenate(chunks_end)[order]
        return _Layout(
            np.concatenate(chunks_day)[order] - lo_day,
            starts,
            ends,
            touching=bool(np.any(starts[1:] == ends[:-1])),
        )


def _int_array(values: np.ndarray) -> array[int]:
    """An array('q') with the values of a C-contiguous int64 array: a memcpy of its bytes (as
    ``tolist()`` would make a Python int per entry)."""
    out = array("q")
    out.frombytes(values.view(np.uint8).data)
    return out


class Timeline:
    __slots__ = (
        "_calendar",
        "_cum",
        "_cum_end",
        "_ends",
        "_hi",
        "_hi_day",
        "_layouts",
        "_lo",
        "_lo_day",
        "_starts",
        "_w_hi",
        "_w_lo",
        "origin",
        "working_time",
    )

    def __init__(
        self,
        calendar: Calendar | WorkingTime,
        origin: date,
        layouts: WeekLayouts | None = None,
    ) -> None:
        self.working_time = (
            calendar if isinstance(calendar, WorkingTime) else WorkingTime.of(calendar, origin)
        )
        self.origin = origin
        if self.working_time.week.minutes_per_week == 0:
            raise HorizonExceededError(
                f"calendar '{self.working_time.id}' has no working time in its week"
            )
        self._layouts = layouts if layouts is not None else WeekLayouts(origin)
        self._calendar: Calendar | None = None
        self._lo_day = -_INITIAL_DAYS_BEFORE
        self._hi_day = _INITIAL_DAYS_AFTER
        self._compile()

    @property
    def calendar(self) -> Calendar:
        """The calendar this timeline compiles (rebuilt from the working time on first use)."""
        if self._calendar is None:
            self._calendar = self.working_time.to_calendar(self.origin)
        return self._calendar

    # -- compilation ---------------------------------------------------------------------------

    def _compile(self) -> None:
        """The week's layout over the compiled range of days, minus the removed days, merging
        ranges that touch across midnight; array operations only, as plans with many resources
        have hundreds of distinct calendars and each is compiled (and recompiled when it grows)
        separately."""
        lo, hi = self._lo_day, self._hi_day
        layout = self._layouts.layout(self.working_time.week, lo, hi)
        removed = self.working_time.removed
        starts, ends = layout.start, layout.end
        first, last = np.searchsorted(removed, (lo, hi))
        overrides = self.working_time.overrides
        if overrides is not None:
            starts, ends = overrides.lay_over(layout, lo, hi, removed[first:last])
        elif first < last:
            working = np.ones(hi - lo, dtype=bool)
            working[removed[first:last] - lo] = False
            kept = working[layout.day]
            starts, ends = starts[kept], ends[kept]
        if not len(starts):
            self._grow(before=True, after=True)
            return
        if layout.touching or overrides is not None:  # contiguous ranges (to 24:00, from 00:00)
            gap = starts[1:] != ends[:-1]
            starts = starts[np.concatenate(([True], gap))]
            ends = ends[np.concatenate((gap, [True]))]
        lengths = ends - starts
        cum_end = np.cumsum(lengths)
        self._starts = _int_array(starts)
        self._ends = _int_array(ends)
        # Shift so that W(origin) == 0 whatever range is compiled: values stay stable on growth.
        i = bisect_right(self._starts, 0) - 1
        if i >= 0:
            start, end = self._starts[i], self._ends[i]
            cum_end -= int(cum_end[i]) - (end - start) + min(0, end) - start
        self._cum = _int_array(cum_end - lengths)
        self._cum_end = _int_array(cum_end)
        self._lo = self._lo_day * MINUTES_PER_DAY
        self._hi = self._hi_day * MINUTES_PER_DAY
        self._w_lo = self._cum[0]  # W at the start and the end of the compiled range
        self._w_hi = self._cum_end[-1]

    def _grow(self, *, before: bool = False, after: bool = False) -> None:
        """Double the compiled range in the direction needed, up to the horizon."""
        span = self._hi_day - self._lo_day
        lo = max(self._lo_day - span, -_MAX_DAYS) if before else self._lo_day
        hi = min(self._hi_day + span, _MAX_DAYS) if after else self._hi_day
        if (lo, hi) == (self._lo_day, self._hi_day):
            raise HorizonExceededError(
                f"calendar '{self.working_time.id}' has too little working time to schedule "
                "this plan"
            )
        self._lo_day, self._hi_day = lo, hi
        self._compile()

    # -- queries -------------------------------------------------------------------------------

    # The passes make some 100,000 of these calls on a 10,000-task plan: each checks the compiled
    # range with one comparison and leaves growing to a separate method.

    def work_at(self, t: int) -> int:
        """W(t): working minutes from the origin to instant ``t`` (negative before it)."""
        if not self._lo <= t <= self._hi:
            self._cover_instant(t)
        starts = self._starts
        i = bisect_right(starts, t) - 1
        if i < 0:  # before the first working interval of the compiled range
            return self._w_lo
        end = self._ends[i]
        return self._cum[i] + (t if t < end else end) - starts[i]

    def start_of(self, w: int) -> int:
        """The latest instant with W = w: where work number w+1 begins."""
        if not self._w_lo <= w < self._w_hi:
            self._cover_work(w, w + 1)
        i = bisect_right(self._cum_end, w)
        return self._starts[i] + w - self._cum[i]

    def finish_of(self, w: int) -> int:
        """The earliest instant with W = w: where work number w ends."""
        if not self._w_lo < w <= self._w_hi:
            self._cover_work(w - 1, w)
        i = bisect_left(self._cum_end, w)
        return self._starts[i] + w - self._cum[i]

    def span(self, w: int, duration: int) -> tuple[int, int]:
        """(start_of(w), finish_of(w + duration)) for a duration > 0: where work placed at
        position w starts and ends, in one call."""
        end = w + duration
        if not (self._w_lo <= w and end <= self._w_hi):
            self._cover_work(w, end)
        cum_end = self._cum_end
        i = bisect_right(cum_end, w)
        k = bisect_left(cum_end, end, i)
        return self._starts[i] + w - self._cum[i], self._starts[k] + end - self._cum[k]

    def cover(self, t: int) -> None:
        """Compile the range up to instant ``t`` (HorizonExceededError beyond the horizon)."""
        if not self._lo <= t <= self._hi:
            self._cover_instant(t)

    def cover_work(self, first: int, last: int) -> None:
        """Compile the range holding work numbers ``first`` to ``last``."""
        if first <= self._w_lo or last >= self._w_hi:
            self._cover_work(first - 1, last + 1)

    def intervals(self) -> tuple[array[int], array[int], array[int], array[int]]:
        """The compiled interval starts, ends, and W at each start and end: what batched
        look-ups (a simulation's) search in place. A new tuple of arrays after each growth."""
        return self._starts, self._ends, self._cum, self._cum_end

    def _cover_instant(self, t: int) -> None:
        while t < self._lo:
            self._grow(before=True)
        while t > self._hi:
            self._grow(after=True)

    def _cover_work(self, first: int, last: int) -> None:
        """Grow until work numbers ``first`` to ``last`` are compiled (W from _w_lo to _w_hi)."""
        while first < self._w_lo or last > self._w_hi:
            self._grow(before=first < self._w_lo, after=last > self._w_hi)

    def work_floor(self, t: int) -> int:
        """The greatest w with start_of(w) <= t."""
        w = self.work_at(t)
        return w if self.start_of(w) <= t else w - 1

    def next_start(self, t: int) -> int:
        """The first working minute at or after ``t``."""
        return self.start_of(self.work_at(t))
