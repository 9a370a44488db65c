"""An MSPDI calendar written out in full as a plan calendar: the days it defines and those it
inherits from its base calendars.

MS Project resolves a date on a derived calendar by its own exceptions and work weeks first,
then its base's. A plan calendar has no base, so the chain is flattened: entries of the calendar
nearest in the chain keep their dates and entries further up lose the dates already given (a
range split around them). Within one calendar a holiday beats a working day, as in the plan
format, so an imported plan never has the overlaps the plan reader refuses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plansmith.io.mspdi.calendars import MspdiCalendar

_WEEK_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _chain(calendar: MspdiCalendar, calendars: dict[str, MspdiCalendar]) -> list[MspdiCalendar]:
    """The calendar, its base, its base's base... (a loop stops where it closes)."""
    out: list[MspdiCalendar] = []
    seen: set[str] = set()
    current: MspdiCalendar | None = calendar
    while current is not None and current.uid not in seen:
        seen.add(current.uid)
        out.append(current)
        current = calendars.get(current.base_uid)
    return out


def weekly_hours(calendar: MspdiCalendar, calendars: dict[str, MspdiCalendar]) -> dict[str, Any]:
    """The full week of a calendar, its base's days filling the days it does not define."""
    week: dict[str, list[str]] = {}
    for current in _chain(calendar, calendars):
        for day, hours in current.week.items():
            week.setdefault(day, hours)
    return {day: week[day] for day in _WEEK_ORDER if week.get(day)}


def full_calendar(
    calendar: MspdiCalendar, calendars: dict[str, MspdiCalendar], cid: str
) -> dict[str, Any]:
    """The plan calendar (a spec document) of an MSPDI calendar and all it inherits."""
    week = weekly_hours(calendar, calendars)
    holidays: list[Any] = []
    working_days: list[Any] = []
    work_weeks: list[Any] = []
    given: set[date] = set()  # dates a nearer calendar gave already
    weeks_given: set[date] = set()
    for current in _chain(calendar, calendars):
        own_off = _trim(current.holidays, given, ranged=False)
        off_days = {day for entry in own_off for day in _entry_days(entry)}
        own_working = _trim(current.working_days, given | off_days, ranged=False)
        holidays += own_off
        working_days += own_working
        given |= off_days | {d for entry in own_working for d in _entry_days(entry)}
        for work_week in _trim(current.work_weeks, weeks_given, ranged=True):
            weeks_given |= set(_entry_days(work_week))
            full = {**week, **work_week["days"]}
            days = {d: full[d] for d in _WEEK_ORDER if full.get(d)}
            entry = {"name": work_week["name"]} if work_week["name"] else {}
            work_weeks.append(
                {**entry, "from": work_week["from"], "to": work_week["to"], **_week_form(days)}
            )
    spec: dict[str, Any] = {"name": calendar.name} if calendar.name and calendar.name != cid else {}
    spec |= _week_form(week)
    if holidays:
        spec["holidays"] = holidays
    if work_weeks:
        spec["work_weeks"] = sorted(work_weeks, key=lambda w: str(w["from"]))
    if working_days:
        spec["working_days"] = working_days
    return spec


def _week_form(week: dict[str, Any]) -> dict[str, Any]:
    """``workdays`` with ``hours`` when every working day has the same hours, else ``week``."""
    hours = {tuple(v) for v in week.values()}
    if len(hours) == 1 and week:
        return {"workdays": list(week), "hours": list(next(iter(hours)))}
    return {"week": week}


def _entry_days(entry: Any) -> list[date]:
    if isinstance(entry, str):
        return [date.fromisoformat(entry)]
    if "date" in entry:
        return [date.fromisoformat(entry["date"])]
    first, last = date.fromisoformat(entry["from"]), date.fromisoformat(entry["to"])
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _trim(entries: list[Any], taken: set[date], *, ranged: bool) -> list[Any]:
    """The entries (a date, or a mapping with date or from/to) without the ``taken`` dates; a
    range loses them by splitting into the runs left. ``ranged`` entries always use from/to."""
    if not taken:
        return list(entries)
    out: list[Any] = []
    for entry in entries:
        days = [day for day in _entry_days(entry) if day not in taken]
        if len(days) == len(_entry_days(entry)):
            out.append(entry)
            continue
        fields = {} if isinstance(entry, str) else entry
        rest = {k: v for k, v in fields.items() if k not in ("date", "from", "to")}
        for first, last in _runs(days):
            if first == last and not ranged:
                out.append({"date": first.isoformat(), **rest} if rest else first.isoformat())
            else:
                out.append({"from": first.isoformat(), "to": last.isoformat(), **rest})
    return out


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
