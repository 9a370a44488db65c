"""When a communication plan's report is next due: weekly, every two weeks, monthly, or at each
milestone.

Pure and clock-free, so the delivery job, the pages and the property tests all agree on the one
rule: the next due moment is always strictly after the last one, so a job that runs late (or twice)
advances an entry exactly one occurrence at a time and never sends an occurrence twice. Moments
are UTC; the hour of day is the entry's.

- ``weekly``: every ``weekday`` (Monday = 0) at ``hour``.
- ``biweekly``: every second ``weekday``, counted in whole fortnights from the week of
  ``anchor``, so the parity does not drift when a run is late.
- ``monthly``: on ``day`` of each month at ``hour``; a month shorter than ``day`` sends on its
  last day (the 31st becomes the 30th, or February's last).
- ``milestone``: at the finish of each milestone of the schedule (given by the caller, who
  knows the schedule; none left means not due again).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    MILESTONE = "milestone"


@dataclass(frozen=True, slots=True)
class CadenceRule:
    cadence: Cadence
    anchor: date  # no occurrence before this day; biweekly counts fortnights from its week
    weekday: int = 0  # 0 (Monday) to 6, for weekly and biweekly
    day: int = 1  # 1 to 31, for monthly
    hour: int = 8  # 0 to 23, UTC

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")
        if not 1 <= self.day <= 31:
            raise ValueError(f"day {self.day} is not 1 to 31")
        if not 0 <= self.hour <= 23:
            raise ValueError(f"hour {self.hour} is not 0 to 23")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def month_day(year: int, month: int, day: int) -> date:
    """``day`` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_due(
    rule: CadenceRule, after: datetime, milestones: Iterable[datetime] = ()
) -> datetime | None:
    """The first occurrence of ``rule`` strictly after ``after`` and not before its anchor;
    None when there is none (a milestone cadence with no milestone left)."""
    after = _utc(after)
    if rule.cadence is Cadence.MILESTONE:
        floor = max(after, _at(rule.anchor, 0) - timedelta(microseconds=1))
        later = [m for m in (_utc(m) for m in milestones) if m > floor]
        return min(later, default=None)
    start = max(after.date(), rule.anchor)
    if rule.cadence is Cadence.MONTHLY:
        year, month = start.year, start.month
        while True:
            moment = _at(month_day(year, month, rule.day), rule.hour)
            if moment > after and moment.date() >= rule.anchor:
                return moment
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = 7 if rule.cadence is Cadence.WEEKLY else 14
    first = rule.anchor + timedelta(days=(rule.weekday - rule.anchor.weekday()) % 7)
    if start > first:
        first += timedelta(days=(start - first).days // step * step)
    moment = _at(first, rule.hour)
    while moment <= after:
        moment += timedelta(days=step)
    return moment
