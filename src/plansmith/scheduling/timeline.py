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
from datetime import date

import numpy as np

from plansmith.domain.calendar import MINUTES_PER_DAY, Calendar

_INITIAL_DAYS_BEFORE = 120
_INITIAL_DAYS_AFTER = 6 * 366
_MAX_DAYS = 100 * 366  # the horizon, each way from the origin


class HorizonExceededError(Exception):
    """The calendar has no working time within a century of the project origin."""


def _int_array(values: np.ndarray) -> array[int]:
    out = array("q")
    out.frombytes(values.astype(np.int64).tobytes())
    return out


class Timeline:
    def __init__(self, calendar: Calendar, origin: date) -> None:
        if calendar.week.minutes_per_week == 0:
            raise HorizonExceededError(f"calendar '{calendar.id}' has no working time in its week")
        self.calendar = calendar
        self.origin = origin
        self._lo_day = -_INITIAL_DAYS_BEFORE
        self._hi_day = _INITIAL_DAYS_AFTER
        self._compile()

    # -- compilation ---------------------------------------------------------------------------

    def _compile(self) -> None:
        """Lay the week pattern over the compiled range of days, minus holidays, merging ranges
        that touch across midnight; vectorised, as plans with many resources have hundreds of
        distinct calendars and each is compiled (and recompiled when it grows) separately."""
        week = self.calendar.week.days
        days = np.arange(self._lo_day, self._hi_day, dtype=np.int64)
        weekdays = (days + self.origin.weekday()) % 7
        working = np.ones(len(days), dtype=bool)
        if self.calendar.holidays:
            offsets = np.fromiter(map(date.toordinal, self.calendar.holidays), dtype=np.int64)
            offsets -= self.origin.toordinal()
            working &= ~np.isin(days, offsets)
        chunks_start: list[np.ndarray] = []
        chunks_end: list[np.ndarray] = []
        for weekday, ranges in enumerate(week):
            chosen = days[working & (weekdays == weekday)] * MINUTES_PER_DAY
            for start, end in ranges:
                chunks_start.append(chosen + start)
                chunks_end.append(chosen + end)
        if not chunks_start or not sum(len(c) for c in chunks_start):
            self._grow(before=True, after=True)
            return
        starts = np.concatenate(chunks_start)
        ends = np.concatenate(chunks_end)
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        gap = starts[1:] != ends[:-1]  # contiguous ranges (up to 24:00, from 00:00) are one
        starts = starts[np.concatenate(([True], gap))]
        ends = ends[np.concatenate((gap, [True]))]
        lengths = ends - starts
        cum = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        # Shift so that W(origin) == 0 whatever range is compiled: values stay stable on growth.
        i = int(np.searchsorted(starts, 0, side="right")) - 1
        at_origin = 0 if i < 0 else int(cum[i] + min(0, int(ends[i])) - starts[i])
        cum -= at_origin
        # array('q') from the raw bytes: a memcpy, where tolist() makes a Python int per entry.
        self._starts = _int_array(starts)
        self._ends = _int_array(ends)
        self._cum = _int_array(cum)
        self._cum_end = _int_array(cum + lengths)
        self._lo = self._lo_day * MINUTES_PER_DAY
        self._hi = self._hi_day * MINUTES_PER_DAY

    def _grow(self, *, before: bool = False, after: bool = False) -> None:
        """Double the compiled range in the direction needed, up to the horizon."""
        span = self._hi_day - self._lo_day
        lo = max(self._lo_day - span, -_MAX_DAYS) if before else self._lo_day
        hi = min(self._hi_day + span, _MAX_DAYS) if after else self._hi_day
        if (lo, hi) == (self._lo_day, self._hi_day):
            raise HorizonExceededError(
                f"calendar '{self.calendar.id}' has too little working time to schedule this plan"
            )
        self._lo_day, self._hi_day = lo, hi
        self._compile()

    # -- queries -------------------------------------------------------------------------------

    def work_at(self, t: int) -> int:
        """W(t): working minutes from the origin to instant ``t`` (negative before it)."""
        while t < self._lo:
            self._grow(before=True)
        while t > self._hi:
            self._grow(after=True)
        i = bisect_right(self._starts, t) - 1
        if i < 0:  # before the first working interval of the compiled range
            return self._cum[0]
        start = self._starts[i]
        end = self._ends[i]
        return self._cum[i] + (t if t < end else end) - start

    def start_of(self, w: int) -> int:
        """The latest instant with W = w: where work number w+1 begins."""
        while w < self._cum[0] or w >= self._cum_end[-1]:
            self._grow(before=w < self._cum[0], after=w >= self._cum_end[-1])
        i = bisect_right(self._cum_end, w)
        return self._starts[i] + w - self._cum[i]

    def finish_of(self, w: int) -> int:
        """The earliest instant with W = w: where work number w ends."""
        while w <= self._cum[0] or w > self._cum_end[-1]:
            self._grow(before=w <= self._cum[0], after=w > self._cum_end[-1])
        i = bisect_left(self._cum_end, w)
        return self._starts[i] + w - self._cum[i]

    def work_ceil(self, t: int) -> int:
        """The least w with finish_of(w) >= t."""
        w = self.work_at(t)
        return w if self.finish_of(w) >= t else w + 1

    def work_floor(self, t: int) -> int:
        """The greatest w with start_of(w) <= t."""
        w = self.work_at(t)
        return w if self.start_of(w) <= t else w - 1

    def next_start(self, t: int) -> int:
        """The first working minute at or after ``t``."""
        return self.start_of(self.work_at(t))
