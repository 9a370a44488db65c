"""Dated working ranges (work weeks, working days) in the form a timeline compiles them.

Kept apart from :mod:`plansmith.scheduling.timeline` so that calendars without overrides, nearly
all of them, compile exactly as before: the shared week layout masked by removed days. A calendar
with overrides also masks its overridden days and lays their own ranges in, except on removed
days (a holiday or a vacation beats a working day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from plansmith.domain.calendar import (
    MINUTES_PER_DAY,
    DayRanges,
    Overrides,
    WeekPattern,
    intersect_ranges,
)

if TYPE_CHECKING:
    from plansmith.scheduling.timeline import _Layout

DatedRanges = tuple[tuple[int, DayRanges], ...]  # (day offset from the origin, ranges), sorted


@dataclass(frozen=True, slots=True, eq=False)
class DayOverrides:
    """Overridden days as day offsets from the origin, with their ranges flattened to arrays."""

    items: DatedRanges
    days: np.ndarray  # the overridden days, sorted and distinct (some may have no ranges)
    day: np.ndarray  # the day of each range, sorted
    start: np.ndarray  # each range's start and end, minutes from the origin
    end: np.ndarray

    @classmethod
    def make(cls, items: DatedRanges) -> DayOverrides | None:
        if not items:
            return None
        flat = [(d, start, end) for d, ranges in items for start, end in ranges]
        day = np.array([d for d, _, _ in flat], dtype=np.int64)
        return cls(
            items,
            np.array([d for d, _ in items], dtype=np.int64),
            day,
            day * MINUTES_PER_DAY + np.array([s for _, s, _ in flat], dtype=np.int64),
            day * MINUTES_PER_DAY + np.array([e for _, _, e in flat], dtype=np.int64),
        )

    @classmethod
    def of(cls, overrides: Overrides, origin: date) -> DayOverrides | None:
        first = origin.toordinal()
        return cls.make(tuple((day.toordinal() - first, ranges) for day, ranges in overrides))

    def dated(self, origin: date) -> Overrides:
        return tuple((origin + timedelta(days=d), ranges) for d, ranges in self.items)

    def lay_over(
        self, layout: _Layout, lo: int, hi: int, removed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Working ranges of days ``lo`` to ``hi``: the week's layout on days neither removed nor
        overridden, and the overridden days' own ranges on days not removed (``removed`` holds
        only days within the range), sorted by start."""
        working = np.ones(hi - lo, dtype=bool)
        working[removed - lo] = False
        a, b = np.searchsorted(self.days, (lo, hi))
        working[self.days[a:b] - lo] = False
        kept = working[layout.day]
        a, b = np.searchsorted(self.day, (lo, hi))
        day = self.day[a:b]
        own = ~_members(day, removed)
        starts = np.concatenate((layout.start[kept], self.start[a:b][own]))
        ends = np.concatenate((layout.end[kept], self.end[a:b][own]))
        order = np.argsort(starts, kind="stable")
        return starts[order], ends[order]


def _members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_set`` (sorted, distinct)."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return np.asarray(sorted_set[at] == values)


def intersect_overrides(
    parts: Sequence[tuple[WeekPattern, DayOverrides | None]],
    week: WeekPattern,
    removed: np.ndarray,
    origin: date,
) -> DayOverrides | None:
    """The overrides of the intersection of ``parts`` (each a week and its overrides), whose
    week is ``week`` and whose removed days are ``removed``: on each day any part overrides and
    none removes, the ranges common to every part's ranges of that day; days whose result is
    the intersected week's day anyway are left out, so equal working time keeps one key."""
    found = [dict(o.items) for _, o in parts if o is not None]
    if not found:
        return None
    days = np.array(sorted({d for items in found for d in items}), dtype=np.int64)
    days = days[~_members(days, removed)]
    weekday = origin.weekday()
    tables = [(w.days, dict(o.items) if o is not None else {}) for w, o in parts]
    out: list[tuple[int, DayRanges]] = []
    for d in days.tolist():
        wd = (weekday + d) % 7
        ranges: DayRanges | None = None
        for week_days, own in tables:
            mine = own.get(d, week_days[wd])
            ranges = mine if ranges is None else intersect_ranges(ranges, mine)
        if ranges is not None and ranges != week.days[wd]:
            out.append((d, ranges))
    return DayOverrides.make(tuple(out))
