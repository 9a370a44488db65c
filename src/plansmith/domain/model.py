"""The project model: what a plan says, already validated and in engine units.

Durations and lags are working minutes; constraint instants are naive local date-times in the
project's time zone. ``origin`` fields remember where a thing was written (a path in the plan
document) so diagnostics raised far away can still point at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from plansmith.domain.calendar import Calendar, DateRange
from plansmith.domain.diagnostics import DocPath
from plansmith.domain.money import (
    NO_PROGRESS,
    Booking,
    BudgetLine,
    Expense,
    FixedCost,
    Progress,
    RateChange,
)
from plansmith.domain.risk import Correlation, Risk, ThreePoint
from plansmith.domain.team import NO_TEAM, Team


class DependencyType(StrEnum):
    FS = "FS"
    SS = "SS"
    FF = "FF"
    SF = "SF"

    @property
    def from_start(self) -> bool:
        """Whether the predecessor's start (not its finish) drives the link."""
        return self in (DependencyType.SS, DependencyType.SF)

    @property
    def to_finish(self) -> bool:
        """Whether the link constrains the successor's finish (not its start)."""
        return self in (DependencyType.FF, DependencyType.SF)


class ResourceKind(StrEnum):
    PERSON = "person"
    EQUIPMENT = "equipment"


@dataclass(frozen=True, slots=True)
class Dependency:
    predecessor: str
    type: DependencyType = DependencyType.FS
    lag: int = 0
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    resource: str
    units: float = 1.0
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    name: str
    kind: ResourceKind = ResourceKind.PERSON
    capacity: float = 1.0
    rate: Decimal | None = None
    rate_changes: tuple[RateChange, ...] = ()  # in date order
    overtime_rate: Decimal | None = None
    calendar: str | None = None
    vacations: tuple[DateRange, ...] = ()
    skills: tuple[str, ...] = ()
    email: str | None = None
    origin: DocPath = ()

    def rate_on(self, day: date) -> Decimal | None:
        """The hourly rate that applies on ``day``: the latest change on or before it."""
        rate = self.rate
        for change in self.rate_changes:
            if change.start <= day:
                rate = change.rate
        return rate


@dataclass(frozen=True, slots=True)
class Task:
    """A leaf task, a milestone or a summary (when ``children`` is non-empty).

    ``duration`` is always set for leaves: for effort-driven tasks the loader has already divided
    the effort by the assigned units, keeping ``effort`` for reporting; it has done the same to an
    effort ``estimate``, so engines only ever sample durations.
    """

    id: str
    name: str
    wbs: str
    parent: str | None = None
    children: tuple[str, ...] = ()
    duration: int = 0
    effort: int | None = None
    estimate: ThreePoint | None = None  # the duration's range, in working minutes
    milestone: bool = False
    dependencies: tuple[Dependency, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    start_no_earlier_than: datetime | None = None
    finish_no_later_than: datetime | None = None
    must_start_on: datetime | None = None
    deadline: datetime | None = None
    actual_start: datetime | None = None  # work has begun: the start is a fact, not a plan
    actual_finish: datetime | None = None
    progress: Progress = NO_PROGRESS
    cost: FixedCost | None = None
    priority: int = 500
    calendar: str | None = None
    notes: str = ""
    origin: DocPath = ()

    @property
    def is_summary(self) -> bool:
        return bool(self.children)

    @property
    def is_milestone(self) -> bool:
        # A zero duration makes a milestone, unless an estimate says the work may take time.
        return not self.children and (
            self.milestone or (self.duration == 0 and self.estimate is None)
        )


@dataclass(frozen=True, slots=True)
class Project:
    """A whole plan. ``tasks`` are in WBS (document) order, parents before children."""

    id: str
    name: str
    start: date
    calendar: str
    calendars: dict[str, Calendar]
    tasks: tuple[Task, ...]
    resources: tuple[Resource, ...] = ()
    holidays: tuple[DateRange, ...] = ()
    hours_per_day: float = 8.0
    hours_per_week: float = 40.0
    currency: str = "USD"
    timezone: str = "UTC"
    risks: tuple[Risk, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    status_date: date | None = None
    budget: tuple[BudgetLine, ...] = ()
    expenses: tuple[Expense, ...] = ()
    actuals: tuple[Booking, ...] = ()
    team: Team = NO_TEAM

    @property
    def origin_datetime(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)
