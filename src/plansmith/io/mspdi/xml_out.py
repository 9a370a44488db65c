"""Streaming MSPDI elements, one a line, and the calendar elements both writers of MS Project
XML need (a base calendar, a person's calendar, dated exceptions, work weeks)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from plansmith.domain.calendar import WEEKDAYS, DateRange, DayRanges
from plansmith.io.calendar_schema import CalendarSpec
from plansmith.io.mspdi.source import NAMESPACE
from plansmith.io.schema_types import day_ranges

_DAY_TYPES = {day: (k + 1) % 7 + 1 for k, day in enumerate(WEEKDAYS)}  # mon=2 .. sun=1
# A working exception or a work week: its dates, and its ranges (one day's, or a week's).
WorkingDay = tuple[DateRange, DayRanges]
WorkWeek = tuple[DateRange, tuple[DayRanges, ...]]
_DAY = timedelta(days=1)


class XmlOut:
    """Elements in MS Project's namespace, written through lxml's incremental writer."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def leaf(self, name: str, value: object) -> None:
        with self.out.element(tag(name)):
            self.out.write(str(value))
        self.out.write("\n")  # one element a line: readable, and diffs well under git

    @contextmanager
    def block(self, name: str) -> Iterator[None]:
        with self.out.element(tag(name)):
            self.out.write("\n")
            yield
        self.out.write("\n")

    def calendar(
        self,
        uid: str,
        name: str,
        week: tuple[DayRanges, ...],
        holidays: list[DateRange],
        working_days: Sequence[WorkingDay] = (),
        work_weeks: Sequence[WorkWeek] = (),
    ) -> None:
        """A base calendar: its week, its days off and working days as dated exceptions (in
        the schema's order: WeekDays, Exceptions, WorkWeeks), and its work weeks."""
        with self.block("Calendar"):
            self.leaf("UID", uid)
            self.leaf("Name", name)
            self.leaf("IsBaseCalendar", 1)
            self.leaf("BaseCalendarUID", -1)
            self._week_days(week)
            self._exceptions(holidays, working_days)
            if work_weeks:
                with self.block("WorkWeeks"):
                    for dates, days in work_weeks:
                        with self.block("WorkWeek"):
                            self._time_period(dates)
                            if dates.name:
                                self.leaf("Name", dates.name)
                            self._week_days(days)

    def _week_days(self, week: tuple[DayRanges, ...]) -> None:
        with self.block("WeekDays"):
            for day, ranges in zip(WEEKDAYS, week, strict=True):
                with self.block("WeekDay"):
                    self.leaf("DayType", _DAY_TYPES[day])
                    self.leaf("DayWorking", 1 if ranges else 0)
                    if ranges:
                        self._working_times(ranges)

    def resource_calendar(self, uid: str, name: str, base: str, days_off: list[DateRange]) -> None:
        """A person's calendar as MS Project keeps it: the base calendar plus their days off."""
        with self.block("Calendar"):
            self.leaf("UID", uid)
            self.leaf("Name", name)
            self.leaf("IsBaseCalendar", 0)
            self.leaf("BaseCalendarUID", base)
            self._exceptions(days_off)

    def _working_times(self, ranges: tuple[tuple[int, int], ...]) -> None:
        with self.block("WorkingTimes"):
            for start, end in ranges:
                with self.block("WorkingTime"):
                    self.leaf("FromTime", _clock(start))
                    self.leaf("ToTime", _clock(end % 1440))

    def _exceptions(
        self,
        holidays: list[DateRange],
        working_days: Sequence[WorkingDay] = (),
    ) -> None:
        entries: list[tuple[DateRange, DayRanges]] = [(holiday, ()) for holiday in holidays]
        entries += working_days
        if not entries:
            return
        with self.block("Exceptions"):
            for dates, ranges in entries:
                with self.block("Exception"):
                    self.leaf("EnteredByOccurrences", 0)
                    self._time_period(dates)
                    self.leaf("Occurrences", 1)
                    if dates.name:
                        self.leaf("Name", dates.name)
                    self.leaf("Type", 1)
                    self.leaf("DayWorking", 1 if ranges else 0)
                    if ranges:
                        self._working_times(ranges)

    def _time_period(self, dates: DateRange) -> None:
        with self.block("TimePeriod"):
            self.leaf("FromDate", f"{dates.first.isoformat()}T00:00:00")
            self.leaf("ToDate", f"{dates.last.isoformat()}T23:59:00")


def working_exceptions(calendar: CalendarSpec, company: Sequence[DateRange]) -> list[WorkingDay]:
    """A calendar's working days as MS Project's working exceptions, less the company holidays:
    those are exceptions of every calendar (MS Project allows no two on one date) and beat a
    working day, as they do in a plan."""
    off = {day for holiday in company for day in holiday.days()}
    out: list[WorkingDay] = []
    for working in calendar.working_days:
        span = working.days()
        ranges = day_ranges(list(working.hours))
        run: list[date] = []
        for day in [*span.days(), None]:
            if day is not None and day not in off and (not run or run[-1] == day - _DAY):
                run.append(day)
                continue
            if run:
                out.append((DateRange(run[0], run[-1], span.name), ranges))
            run = [day] if day is not None and day not in off else []
    return out


def work_weeks(calendar: CalendarSpec) -> list[WorkWeek]:
    return [(DateRange(w.first, w.last, w.name), w.day_ranges()) for w in calendar.work_weeks]


def tag(name: str) -> str:
    return "{" + NAMESPACE + "}" + name


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}:00"
