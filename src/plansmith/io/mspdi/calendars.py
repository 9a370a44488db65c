"""MSPDI calendars to plan calendars: weekly hours, non-working exceptions as holidays,
working exceptions as working days, and work weeks as work weeks.

MS Project calendars inherit: a resource's calendar is usually its base calendar plus that
person's days off. Plansmith says the same with a resource's ``calendar`` and ``vacations``, so a
derived calendar that only adds days off becomes exactly that, and one that changes weekly hours
or adds working time is written out in full (its base's hours, holidays, working days and work
weeks copied in, the derived calendar's own winning where both give a date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from plansmith.io.mspdi.calendar_full import full_calendar
from plansmith.io.mspdi.fidelity import Fidelity
from plansmith.io.mspdi.source import Record
from plansmith.io.mspdi.values import IdMaker, parse_datetime

# MSPDI's DayType: 1 = Sunday .. 7 = Saturday; 0 marks a dated exception (the 2003 encoding).
_DAY_NAMES = {1: "sun", 2: "mon", 3: "tue", 4: "wed", 5: "thu", 6: "fri", 7: "sat"}
_MAX_EXPANDED_DAYS = 40_000  # a recurrence is expanded day by day; this bounds a hostile one


@dataclass
class MspdiCalendar:
    uid: str
    name: str
    base_uid: str
    is_base: bool
    line: int
    week: dict[str, list[str]] = field(default_factory=dict)  # only the days it defines
    holidays: list[Any] = field(default_factory=list)
    working_days: list[dict[str, Any]] = field(default_factory=list)
    # work weeks as {name, from, to, days}: ``days`` holds only the days the work week defines
    work_weeks: list[dict[str, Any]] = field(default_factory=list)


def read_calendar(record: Record, fidelity: Fidelity) -> MspdiCalendar:
    calendar = MspdiCalendar(
        uid=record.text("UID"),
        name=record.text("Name"),
        base_uid=record.text("BaseCalendarUID", "-1"),
        is_base=record.flag("IsBaseCalendar"),
        line=record.line,
    )
    subject = f"calendar {calendar.name or calendar.uid}"
    legacy: list[Record] = []
    for day in record.all("WeekDays", "WeekDay"):
        kind = int(day.number("DayType", -1))
        if kind == 0:
            legacy.append(day)
        elif kind in _DAY_NAMES:
            calendar.week[_DAY_NAMES[kind]] = _hours(day) if day.flag("DayWorking") else []
    fidelity.mapped("Calendar", "WeekDays", "weekly working hours")
    if legacy:
        for day in legacy:
            _exception(calendar, day, fidelity, subject)
    else:
        for exception in record.all("Exceptions", "Exception"):
            _exception(calendar, exception, fidelity, subject)
    for work_week in record.all("WorkWeeks", "WorkWeek"):
        _work_week(calendar, work_week, fidelity, subject)
    return calendar


def _work_week(calendar: MspdiCalendar, record: Record, fidelity: Fidelity, subject: str) -> None:
    period = record.all("TimePeriod")
    first = parse_datetime(period[0].text("FromDate")) if period else None
    last = parse_datetime(period[0].text("ToDate")) if period else None
    if first is None or last is None or last.date() < first.date():
        fidelity.dropped("Calendar", "WorkWeeks", "a work week without dates", subject)
        return
    days: dict[str, list[str]] = {}
    # MS Project writes the days under WeekDays; its schema once put them right under WorkWeek
    for day in [*record.all("WeekDays", "WeekDay"), *record.all("WeekDay")]:
        kind = int(day.number("DayType", -1))
        if kind in _DAY_NAMES:
            days[_DAY_NAMES[kind]] = _hours(day) if day.flag("DayWorking") else []
    fidelity.mapped("Calendar", "WorkWeeks", "other weekly hours for a date range, as work weeks")
    entry = {"from": first.date().isoformat(), "to": last.date().isoformat(), "days": days}
    calendar.work_weeks.append({"name": record.text("Name"), **entry})


def _hours(day: Record) -> list[str]:
    ranges = []
    for time in day.all("WorkingTimes", "WorkingTime"):
        start, end = time.text("FromTime")[:5], time.text("ToTime")[:5]
        if start and end:
            ranges.append(f"{start}-{'24:00' if end == '00:00' else end}")
    return ranges


def _exception(calendar: MspdiCalendar, record: Record, fidelity: Fidelity, subject: str) -> None:
    period = record.all("TimePeriod")
    first = parse_datetime(period[0].text("FromDate")) if period else None
    last = parse_datetime(period[0].text("ToDate")) if period else None
    if first is None or last is None:
        fidelity.dropped("Calendar", "Exceptions", "an exception without dates", subject)
        return
    working = record.flag("DayWorking")
    hours = _hours(record) if working else []
    if working and not hours:
        fidelity.dropped(
            "Calendar", "Exceptions", "a working exception without working times", subject
        )
        return
    name = record.text("Name")
    days = _occurrences(record, first.date(), last.date())
    if days is None:
        fidelity.dropped(
            "Calendar",
            "Exceptions",
            "a monthly or yearly recurring exception with no expanded dates in the file",
            subject,
        )
        return
    if working:
        fidelity.mapped(
            "Calendar", "Exceptions", "working time on given dates, as the calendar's working days"
        )
        for start, end in days:
            span = {"date": start.isoformat()}
            if start != end:
                span = {"from": start.isoformat(), "to": end.isoformat()}
            calendar.working_days.append(
                {**span, "hours": hours, **({"name": name} if name else {})}
            )
        return
    fidelity.mapped("Calendar", "Exceptions", "non-working days, as the calendar's holidays")
    for start, end in days:
        entry: dict[str, str] = {"from": start.isoformat(), "to": end.isoformat()}
        if start == end:
            entry = {"date": start.isoformat()}
        if name:
            entry["name"] = name
        calendar.holidays.append(entry if (name or start != end) else start.isoformat())


def _occurrences(record: Record, first: date, last: date) -> list[tuple[date, date]] | None:
    """The dated ranges of a (possibly recurring) exception."""
    kind = record.text("Type", "1")
    occurrences = int(record.number("Occurrences", 1))
    every = max(1, int(record.number("Period", 1)))
    if occurrences <= 1 or kind == "1":
        return [(first, last)]
    if (last - first).days > _MAX_EXPANDED_DAYS:
        return None
    if kind == "7":  # every N days
        return [(d, d) for d in _days(first, last) if (d - first).days % every == 0]
    if kind == "6":  # weekly on a set of weekdays, every N weeks; bit 1 = Sunday
        mask = int(record.number("DaysOfWeek", 0))
        week_of = first - timedelta(days=(first.weekday() + 1) % 7)  # the Sunday of its week
        return [
            (d, d)
            for d in _days(first, last)
            if mask & (1 << ((d.weekday() + 1) % 7)) and ((d - week_of).days // 7) % every == 0
        ]
    return None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


@dataclass
class CalendarPlan:
    """Where each MSPDI calendar went: a plan calendar id, or a base calendar plus vacations."""

    specs: dict[str, dict[str, Any]]
    ids: dict[str, str]  # MSPDI calendar uid -> plan calendar id
    vacations: dict[str, list[Any]]  # uid of a derived resource calendar -> its days off


def plan_calendars(
    calendars: dict[str, MspdiCalendar], used_by_resources: set[str]
) -> CalendarPlan:
    """Base calendars become plan calendars; a resource calendar that only adds days off to
    its base becomes that base plus vacations; one that changes hours is written in full."""
    ids = IdMaker("calendar")
    plan = CalendarPlan({}, {}, {})
    derived: list[MspdiCalendar] = []
    for calendar in calendars.values():
        adds_only_days_off = not (calendar.week or calendar.work_weeks or calendar.working_days)
        only_adds_days_off = adds_only_days_off and calendar.base_uid in calendars
        if calendar.uid in used_by_resources and not calendar.is_base and only_adds_days_off:
            derived.append(calendar)
            continue
        cid = ids.make(calendar.name, calendar.uid)
        plan.ids[calendar.uid] = cid
        plan.specs[cid] = full_calendar(calendar, calendars, cid)
    for calendar in derived:
        if calendar.base_uid in plan.ids:
            plan.ids[calendar.uid] = plan.ids[calendar.base_uid]
            plan.vacations[calendar.uid] = calendar.holidays
        else:  # its base is itself a person's calendar: write this one in full
            cid = ids.make(calendar.name, calendar.uid)
            plan.ids[calendar.uid] = cid
            plan.specs[cid] = full_calendar(calendar, calendars, cid)
    return plan
