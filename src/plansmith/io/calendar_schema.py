"""The plan file's calendars, checked by Pydantic: a week, holidays, work weeks, working days.

A work week (MS Project's name) replaces the week between two dates, "summer hours"; a working
day gives one date, or a range of dates, hours of its own, a release Saturday. Both are written
with the forms the calendar itself uses (``week``, or ``workdays`` with ``hours``; a date or
``from``/``to``), so nothing new is learnt to write them. Whether they overlap or collide with a
holiday is checked while building the model (:mod:`plansmith.io.calendar_build`), where the
document path of each entry is known.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from plansmith.domain.calendar import WEEKDAYS, DateRange, DayRanges
from plansmith.io.schema_types import DateEntry, Day, DayHours, Spec, Weekday, day_ranges, lowercase

Workdays = list[Annotated[Weekday, BeforeValidator(lowercase)]]


def _one_form(week: object, workdays: object, hours: object, what: str) -> None:
    if week is not None and (workdays is not None or hours is not None):
        raise PydanticCustomError(
            "invalid_value",
            "{what} has either 'week' or 'workdays' with 'hours', not both",
            {"what": what},
        )
    if week is None and (workdays is None or hours is None):
        raise PydanticCustomError(
            "missing_key", "{what} needs 'week', or both 'workdays' and 'hours'", {"what": what}
        )


def _week_ranges(
    week: dict[Weekday, list[tuple[int, int]]] | None,
    workdays: list[Weekday] | None,
    hours: list[tuple[int, int]] | None,
) -> tuple[DayRanges, ...]:
    """Working ranges for Monday..Sunday, from either form."""
    if week is not None:
        return tuple(day_ranges(list(week.get(day, []))) for day in WEEKDAYS)  # type: ignore[call-overload]
    each = day_ranges(list(hours or []))
    chosen = set(workdays or [])
    return tuple(each if day in chosen else () for day in WEEKDAYS)


def _in_order(first: date, last: date) -> None:
    if last < first:
        raise PydanticCustomError(
            "invalid_date",
            "range ends ({to}) before it starts ({first})",
            {"to": str(last), "first": str(first), "at": "to"},
        )


class WorkWeekSpec(Spec):
    """Another week between two dates (inclusive)."""

    name: str = ""
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")
    week: dict[Weekday, DayHours] | None = None
    workdays: Workdays | None = None
    hours: DayHours | None = None

    @model_validator(mode="after")
    def _valid(self) -> WorkWeekSpec:
        _one_form(self.week, self.workdays, self.hours, "a work week")
        _in_order(self.first, self.last)
        return self

    def day_ranges(self) -> tuple[DayRanges, ...]:
        return _week_ranges(self.week, self.workdays, self.hours)


class WorkingDaySpec(Spec):
    """Hours of its own on a date, or on each date of a range."""

    date: Day | None = None
    first: Day | None = Field(None, alias="from")
    last: Day | None = Field(None, alias="to")
    hours: DayHours
    name: str = ""

    @model_validator(mode="after")
    def _valid(self) -> WorkingDaySpec:
        ranged = self.first is not None and self.last is not None
        partial = (self.first is None) != (self.last is None)
        if (self.date is not None) == ranged or partial:
            raise PydanticCustomError(
                "missing_key", "a working day needs either 'date' or both 'from' and 'to'"
            )
        if self.first is not None and self.last is not None:
            _in_order(self.first, self.last)
        if not self.hours:
            raise PydanticCustomError(
                "invalid_value",
                "a working day needs working hours; a day off is a holiday",
                {"at": "hours"},
            )
        return self

    def days(self) -> DateRange:
        first, last = self.date or self.first, self.date or self.last
        if first is None or last is None:
            raise ValueError("a working day without dates")  # refused when read
        return DateRange(first, last, self.name)


class CalendarSpec(Spec):
    name: str = ""
    week: dict[Weekday, DayHours] | None = None
    workdays: Workdays | None = None
    hours: DayHours | None = None
    holidays: list[DateEntry] = Field(default_factory=list)
    work_weeks: list[WorkWeekSpec] = Field(default_factory=list)
    working_days: list[WorkingDaySpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_form(self) -> CalendarSpec:
        _one_form(self.week, self.workdays, self.hours, "a calendar")
        return self

    def day_ranges(self) -> tuple[DayRanges, ...]:
        """Working ranges for Monday..Sunday."""
        return _week_ranges(self.week, self.workdays, self.hours)
