"""Plan calendars to domain calendars: the week, holidays, and work weeks and working days
expanded to dated overrides.

Work weeks are finite date ranges, so expanding them to one override a date keeps the engine's
calendar a single form (week, removed days, dated ranges) that intersects exactly. Per date a
calendar's holiday removes the day; otherwise a working day's hours apply; otherwise the work
week covering the date; otherwise the week. Overlaps that would make that order ambiguous are
errors located at the entry that overlaps.
"""

from __future__ import annotations

from datetime import date

from plansmith.domain.calendar import Calendar, DayRanges, WeekPattern, overrides_of
from plansmith.domain.diagnostics import Diagnostic, DocPath, error
from plansmith.io.calendar_schema import CalendarSpec
from plansmith.io.schema_types import day_ranges


def build_calendars(
    own: dict[str, CalendarSpec], pooled: dict[str, CalendarSpec], diagnostics: list[Diagnostic]
) -> dict[str, Calendar]:
    """The pool's calendars and the plan's own (an id in both is a ``duplicate_id``)."""
    calendars: dict[str, Calendar] = {}
    entries: list[tuple[str, CalendarSpec, DocPath]] = [
        (cid, cal, ("pool",)) for cid, cal in pooled.items()
    ]
    entries += [(cid, cal, ("calendars", cid)) for cid, cal in own.items()]
    for cid, cal, path in entries:
        if cid in calendars:
            diagnostics.append(
                error(
                    "duplicate_id",
                    f"calendar '{cid}' is also defined in the pool",
                    f"calendar:{cid}",
                    path,
                )
            )
            continue
        calendars[cid] = _calendar(cid, cal, path, diagnostics)
    return calendars


def _week(days: tuple[DayRanges, ...]) -> WeekPattern:
    return WeekPattern((days[0], days[1], days[2], days[3], days[4], days[5], days[6]))


def _calendar(
    cid: str, cal: CalendarSpec, path: DocPath, diagnostics: list[Diagnostic]
) -> Calendar:
    week = _week(cal.day_ranges())
    if week.minutes_per_week == 0:
        diagnostics.append(
            error(
                "calendar_no_working_time",
                f"calendar '{cid}' has no working time in its week",
                f"calendar:{cid}",
                path,
            )
        )
    holidays = frozenset(day for entry in cal.holidays for day in entry.days())
    check = _Checks(cid, path, diagnostics)
    days = check.work_weeks(cal)
    days.update(check.working_days(cal, holidays))
    return Calendar(cid, week, holidays, cal.name or cid, overrides_of(week, days, holidays))


class _Checks:
    """Expands one calendar's work weeks and working days, reporting overlaps at the entry."""

    def __init__(self, cid: str, path: DocPath, diagnostics: list[Diagnostic]) -> None:
        self.cid, self.path, self.diagnostics = cid, path, diagnostics

    def _error(self, code: str, message: str, *rest: str | int) -> None:
        where = self.path if self.path == ("pool",) else (*self.path, *rest)
        self.diagnostics.append(
            error(code, f"calendar '{self.cid}': {message}", f"calendar:{self.cid}", where)
        )

    def work_weeks(self, cal: CalendarSpec) -> dict[date, DayRanges]:
        days: dict[date, DayRanges] = {}
        latest: tuple[date, int] | None = None  # the work week reaching furthest so far
        for k in sorted(range(len(cal.work_weeks)), key=lambda k: cal.work_weeks[k].first):
            work_week = cal.work_weeks[k]
            if latest is not None and work_week.first <= latest[0]:
                other = cal.work_weeks[latest[1]]
                self._error(
                    "work_weeks_overlap",
                    f"work week {_named(work_week.name, k)} ({work_week.first} to "
                    f"{work_week.last}) overlaps {_named(other.name, latest[1])} "
                    f"({other.first} to {other.last})",
                    "work_weeks",
                    k,
                    "from",
                )
            if latest is None or work_week.last > latest[0]:
                latest = (work_week.last, k)
            ranges = work_week.day_ranges()
            for day in _dates(work_week.first, work_week.last):
                days[day] = ranges[day.weekday()]
        return days

    def working_days(self, cal: CalendarSpec, holidays: frozenset[date]) -> dict[date, DayRanges]:
        days: dict[date, DayRanges] = {}
        taken: dict[date, int] = {}
        for k, working in enumerate(cal.working_days):
            span = working.days()
            dates = _dates(span.first, span.last)
            key = "date" if working.date is not None else "from"
            clash = [day for day in dates if day in taken]
            if clash:
                first = taken[clash[0]]
                earlier = _named(cal.working_days[first].name, first)
                self._error(
                    "working_days_overlap",
                    f"working day {_named(working.name, k)} gives {clash[0]} hours again "
                    f"(working day {earlier} does already)",
                    "working_days",
                    k,
                    key,
                )
            off = [day for day in dates if day in holidays]
            if off:
                self._error(
                    "calendar_day_conflict",
                    f"{off[0]} is both a holiday and a working day of this calendar; "
                    "remove one of them",
                    "working_days",
                    k,
                    key,
                )
            hours = day_ranges(list(working.hours))
            for day in dates:
                taken.setdefault(day, k)
                days[day] = hours
        return days


def _named(name: str, k: int) -> str:
    return f"'{name}'" if name else f"#{k + 1}"


def _dates(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
