"""Streaming MSPDI elements, one a line, and the calendar elements both writers of MS Project
XML need (a base calendar, a person's calendar, dated exceptions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from plansmith.domain.calendar import WEEKDAYS, DateRange, DayRanges
from plansmith.io.mspdi.source import NAMESPACE

_DAY_TYPES = {day: (k + 1) % 7 + 1 for k, day in enumerate(WEEKDAYS)}  # mon=2 .. sun=1


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
        self, uid: str, name: str, week: tuple[DayRanges, ...], holidays: list[DateRange]
    ) -> None:
        """A base calendar: its week, and its days off as dated exceptions."""
        with self.block("Calendar"):
            self.leaf("UID", uid)
            self.leaf("Name", name)
            self.leaf("IsBaseCalendar", 1)
            self.leaf("BaseCalendarUID", -1)
            with self.block("WeekDays"):
                for day, ranges in zip(WEEKDAYS, week, strict=True):
                    with self.block("WeekDay"):
                        self.leaf("DayType", _DAY_TYPES[day])
                        self.leaf("DayWorking", 1 if ranges else 0)
                        if ranges:
                            self._working_times(ranges)
            self._exceptions(holidays)

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

    def _exceptions(self, holidays: list[DateRange]) -> None:
        if not holidays:
            return
        with self.block("Exceptions"):
            for holiday in holidays:
                with self.block("Exception"):
                    self.leaf("EnteredByOccurrences", 0)
                    with self.block("TimePeriod"):
                        self.leaf("FromDate", f"{holiday.first.isoformat()}T00:00:00")
                        self.leaf("ToDate", f"{holiday.last.isoformat()}T23:59:00")
                    self.leaf("Occurrences", 1)
                    if holiday.name:
                        self.leaf("Name", holiday.name)
                    self.leaf("Type", 1)
                    self.leaf("DayWorking", 0)


def tag(name: str) -> str:
    return "{" + NAMESPACE + "}" + name


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}:00"
