"""MSPDI calendars to plan calendars: weekly hours, and non-working exceptions as holidays.

MS Project calendars inherit: a resource's calendar is usually its base calendar plus that
person's days off. Plansmith says the same with a resource's ``calendar`` and ``vacations``, so a
derived calendar that only adds exceptions becomes exactly that, and one that changes weekly hours
is written out in full (its base's hours and holidays copied in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from plansmith.io.mspdi.fidelity import Fidelity
from plansmith.io.mspdi.source import Record
from plansmith.io.mspdi.values import IdMaker, parse_datetime

# MSPDI's DayType: 1 = Sunday .. 7 = Saturday; 0 marks a dated exception (the 2003 encoding).
_DAY_NAMES = {1: "sun", 2: "mon", 3: "tue", 4: "wed", 5: "thu", 6: "fri", 7: "sat"}
_WEEK_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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
    for _ in record.all("WorkWeeks", "WorkWeek"):
        fidelity.dropped(
            "Calendar", "WorkWeeks", "alternative work weeks for a date range", subject
        )
    return calendar


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
    if record.flag("DayWorking"):
        fidelity.dropped(
            "Calendar",
            "Exceptions",
            "extra working time on given dates (working exception)",
            subject,
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
    fidelity.mapped("Calendar", "Exceptions", "non-working days, as the calendar's holidays")
    for start, end in days:
        entry: dict[str, str] = {"from": start.isoformat(), "to": end.isoformat()}
        if start == end:
            entry = {"date": start.isoformat()}
        if name:
            entry["name"] = name
        calendar.holidays.append(entry if (name or start != end) else start.isoformat())


def _occurrences(record: Record, first: date, last: date) -> list[tuple[date, date]] | None:
    """The dated ranges of a (possibly recurring) non-working exception."""
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


def weekly_hours(calendar: MspdiCalendar, calendars: dict[str, MspdiCalendar]) -> dict[str, Any]:
    """The full week of a calendar, its base's days filling the days it does not define."""
    week: dict[str, list[str]] = {}
    seen: set[str] = set()
    current: MspdiCalendar | None = calendar
    while current is not None and current.uid not in seen:
        seen.add(current.uid)
        for day, hours in current.week.items():
            week.setdefault(day, hours)
        current = calendars.get(current.base_uid)
    return {day: week[day] for day in _WEEK_ORDER if week.get(day)}


def inherited_holidays(calendar: MspdiCalendar, calendars: dict[str, MspdiCalendar]) -> list[Any]:
    holidays: list[Any] = []
    seen: set[str] = set()
    current: MspdiCalendar | None = calendar
    while current is not None and current.uid not in seen:
        seen.add(current.uid)
        holidays.extend(current.holidays)
        current = calendars.get(current.base_uid)
    return holidays


def calendar_spec(week: dict[str, Any], holidays: list[Any], name: str, cid: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if name and name != cid:
        spec["name"] = name
    days = list(week)
    hours = {tuple(v) for v in week.values()}
    if len(hours) == 1 and days:
        spec["workdays"] = days
        spec["hours"] = list(next(iter(hours)))
    else:
        spec["week"] = week
    if holidays:
        spec["holidays"] = holidays
    return spec


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
        only_adds_days_off = not calendar.week and calendar.base_uid in calendars
        if calendar.uid in used_by_resources and not calendar.is_base and only_adds_days_off:
            derived.append(calendar)
            continue
        cid = ids.make(calendar.name, calendar.uid)
        plan.ids[calendar.uid] = cid
        base = calendars.get(calendar.base_uid)
        holidays = calendar.holidays if base is None else inherited_holidays(calendar, calendars)
        plan.specs[cid] = calendar_spec(
            weekly_hours(calendar, calendars), holidays, calendar.name, cid
        )
    for calendar in derived:
        if calendar.base_uid in plan.ids:
            plan.ids[calendar.uid] = plan.ids[calendar.base_uid]
            plan.vacations[calendar.uid] = calendar.holidays
        else:  # its base is itself a person's calendar: write this one in full
            cid = ids.make(calendar.name, calendar.uid)
            plan.ids[calendar.uid] = cid
            plan.specs[cid] = calendar_spec(
                weekly_hours(calendar, calendars),
                inherited_holidays(calendar, calendars),
                calendar.name,
                cid,
            )
    return plan
