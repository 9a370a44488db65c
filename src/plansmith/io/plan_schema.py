"""The plan file's shape, checked by Pydantic.

Only structure and simple values are checked here (types, required and unknown keys, ranges);
references between things and anything needing the project's units (durations, lags) are checked
while building the model in :mod:`plansmith.io.plan_file`, where the document path is known.
Value parsers raise ``PydanticCustomError`` whose type *is* our stable diagnostic code.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from plansmith.domain.calendar import WEEKDAYS, DateRange, DayRanges

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$")


_VALID_IDS: set[str] = set()  # ids repeat across links and assignments: check each once


def _id(value: Any) -> str:
    if type(value) is str and value in _VALID_IDS:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _ID.match(value):
        raise PydanticCustomError(
            "invalid_value",
            "'{value}' is not a valid id: use letters, digits, '_', '-' and '.'",
            {"value": value},
        )
    if len(_VALID_IDS) < 1_000_000:
        _VALID_IDS.add(value)
    return value


# Plans are about the working lifetimes of people; this keeps every date arithmetic in range.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _in_range(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PydanticCustomError(
            "invalid_date",
            "{value} is outside the years {first}-{last} that plans can use",
            {"value": day.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return day


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, str):
        try:
            return _in_range(date.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise PydanticCustomError(
        "invalid_date", "'{value}' is not a date: write YYYY-MM-DD", {"value": str(value)}
    )


def _instant(value: Any) -> date | datetime:
    """A constraint instant: a whole day (YYYY-MM-DD) or a minute (YYYY-MM-DDTHH:MM)."""
    if isinstance(value, datetime):
        _in_range(value.date())
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, str) and _INSTANT.match(value.strip()):
        try:
            instant = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            _in_range(instant.date())
            return instant
    return _date(value)


def _date_range(value: Any) -> DateRange:
    """Holiday and vacation forms: a date, {date, name} or {from, to, name}."""
    if isinstance(value, dict):
        unknown = set(value) - {"date", "from", "to", "name"}
        if unknown:
            key = sorted(map(str, unknown))[0]
            raise PydanticCustomError(
                "unknown_key",
                "unknown key '{at}' in a date entry (use date, or from and to, and name)",
                {"at": key},
            )
        name = str(value.get("name") or "")
        if "date" in value and "from" not in value and "to" not in value:
            day = _date(value["date"])
            return DateRange(day, day, name)
        if "from" in value and "to" in value and "date" not in value:
            first, last = _date(value["from"]), _date(value["to"])
            if last < first:
                raise PydanticCustomError(
                    "invalid_date",
                    "range ends ({to}) before it starts ({first})",
                    {"to": str(last), "first": str(first)},
                )
            return DateRange(first, last, name)
        raise PydanticCustomError(
            "missing_key", "a date entry needs either 'date' or both 'from' and 'to'"
        )
    day = _date(value)
    return DateRange(day, day)


def _time_range(value: Any) -> tuple[int, int]:
    match = _RANGE.match(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError(
            "invalid_time_range",
            "'{value}' is not a time range: write HH:MM-HH:MM, e.g. 09:00-12:00",
            {"value": str(value)},
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or end <= start:
        raise PydanticCustomError(
            "invalid_time_range",
            "'{value}' is not a valid range within one day (end after start, at most 24:00)",
            {"value": value},
        )
    return start, end


def _disjoint(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Refuse overlapping ranges, pointing at the later one."""
    ordered = sorted((r, k) for k, r in enumerate(ranges))
    for ((_, end), _), ((start, _), k) in pairwise(ordered):
        if start < end:
            raise PydanticCustomError(
                "invalid_time_range", "this range overlaps another one of the same day", {"at": k}
            )
    return ranges


def _day_ranges(ranges: list[tuple[int, int]]) -> DayRanges:
    return tuple(sorted(ranges))


def _duration_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError(
            "invalid_duration",
            "'{value}' is not a duration: use a number with min, h, d or w, e.g. '90min', '2.5d'",
            {"value": str(value)},
        )
    return value


Id = Annotated[str, PlainValidator(_id)]
Day = Annotated[date, PlainValidator(_date)]
Instant = Annotated[date | datetime, PlainValidator(_instant)]
DateEntry = Annotated[DateRange, PlainValidator(_date_range)]
TimeRange = Annotated[tuple[int, int], PlainValidator(_time_range)]
DayHours = Annotated[list[TimeRange], AfterValidator(_disjoint)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Durations stay text until the project's hours per day and week are known.
DurationText = Annotated[str | int | float, PlainValidator(_duration_text)]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class ProjectSpec(_Spec):
    id: Id
    name: str
    start: Day
    calendar: Id | None = None
    hours_per_day: float = Field(8.0, gt=0, le=24, allow_inf_nan=False)
    hours_per_week: float = Field(40.0, gt=0, le=168, allow_inf_nan=False)
    currency: str = "USD"
    timezone: str = "UTC"

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise PydanticCustomError(
                "invalid_currency",
                "'{value}' is not an ISO 4217 code such as USD or EUR",
                {"value": value},
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "invalid_timezone",
                "'{value}' is not an IANA time zone such as Europe/Berlin",
                {"value": value},
            ) from None
        return value


class CalendarSpec(_Spec):
    name: str = ""
    week: dict[Weekday, DayHours] | None = None
    workdays: list[Annotated[Weekday, BeforeValidator(_lower)]] | None = None
    hours: DayHours | None = None
    holidays: list[DateEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_form(self) -> CalendarSpec:
        if self.week is not None and (self.workdays is not None or self.hours is not None):
            raise PydanticCustomError(
                "invalid_value", "a calendar has either 'week' or 'workdays' with 'hours', not both"
            )
        if self.week is None and (self.workdays is None or self.hours is None):
            raise PydanticCustomError(
                "missing_key", "a calendar needs 'week', or both 'workdays' and 'hours'"
            )
        return self

    def day_ranges(self) -> tuple[DayRanges, ...]:
        """Working ranges for Monday..Sunday."""
        if self.week is not None:
            week = self.week
            return tuple(_day_ranges(list(week.get(day, []))) for day in WEEKDAYS)  # type: ignore[call-overload]
        hours = _day_ranges(list(self.hours or []))
        workdays = set(self.workdays or [])
        return tuple(hours if day in workdays else () for day in WEEKDAYS)


class ResourceSpec(_Spec):
    id: Id
    name: str | None = None
    kind: Annotated[Literal["person", "equipment"], BeforeValidator(_lower)] = "person"
    capacity: float = Field(1.0, gt=0, le=1_000_000, allow_inf_nan=False)
    rate: Decimal | None = Field(None, ge=0, allow_inf_nan=False)
    calendar: Id | None = None
    vacations: list[DateEntry] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    email: str | None = None

    @field_validator("rate", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> Any:
        if isinstance(value, float):
            return str(value)  # keep the written digits, never binary float noise
        if isinstance(value, str):
            try:
                Decimal(value)
            except InvalidOperation:
                raise PydanticCustomError(
                    "invalid_value", "'{value}' is not an amount of money", {"value": value}
                ) from None
        return value


class DependencySpec(_Spec):
    task: Id
    type: Annotated[Literal["FS", "SS", "FF", "SF"], BeforeValidator(_upper)] = "FS"
    lag: DurationText = 0


class AssignSpec(_Spec):
    resource: Id
    units: float | str = 1.0


def _assign(value: Any) -> Any:
    return {"resource": value} if isinstance(value, str | int) else value


Distribution = Annotated[
    Literal["pert", "triangular", "uniform", "lognormal"], BeforeValidator(_lower)
]


class EstimateSpec(_Spec):
    """A three-point range; the order optimistic <= likely <= pessimistic is checked later."""

    optimistic: DurationText
    likely: DurationText
    pessimistic: DurationText


def _probability(value: Any) -> Any:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            pass
    return value


def _amount(value: Any) -> Any:
    return str(value) if isinstance(value, float) else value  # keep the written digits


Amount = Annotated[Decimal, BeforeValidator(_amount), Field(ge=0, allow_inf_nan=False)]


class CostRangeSpec(_Spec):
    optimistic: Amount
    likely: Amount
    pessimistic: Amount


class ImpactSpec(_Spec):
    schedule: DurationText | EstimateSpec | None = None
    cost: Amount | CostRangeSpec | None = None


class RiskSpec(_Spec):
    id: Id
    title: str
    probability: Annotated[float, BeforeValidator(_probability), Field(ge=0, le=1)]
    impact: ImpactSpec
    tasks: list[Id] = Field(default_factory=list)
    owner: str | None = None
    response: str = ""
    status: Annotated[Literal["open", "closed"], BeforeValidator(_lower)] = "open"


class CorrelationSpec(_Spec):
    tasks: list[Id] = Field(min_length=2)
    coefficient: float = Field(ge=-1, le=1, allow_inf_nan=False)


class TaskSpec(_Spec):
    id: Id
    name: str
    children: list[TaskSpec] | None = None
    duration: DurationText | None = None
    effort: DurationText | None = None
    estimate: EstimateSpec | None = None
    distribution: Distribution = "pert"
    milestone: bool = False
    after: list[Id] = Field(default_factory=list)
    depends: list[DependencySpec] = Field(default_factory=list)
    assign: list[Annotated[AssignSpec, BeforeValidator(_assign)]] = Field(default_factory=list)
    start_no_earlier_than: Instant | None = None
    finish_no_later_than: Instant | None = None
    must_start_on: Instant | None = None
    deadline: Instant | None = None
    actual_start: Instant | None = None
    priority: int = Field(500, ge=1, le=1000)
    calendar: Id | None = None
    notes: str = ""


class PoolSpec(_Spec):
    """A shared resource pool file: the resources several plans book, and their calendars."""

    calendars: dict[Id, CalendarSpec] = Field(default_factory=dict)
    resources: list[ResourceSpec] = Field(default_factory=list)


class PlanSpec(_Spec):
    project: ProjectSpec
    pool: str | None = None
    calendars: dict[Id, CalendarSpec] = Field(default_factory=dict)
    holidays: list[DateEntry] = Field(default_factory=list)
    resources: list[ResourceSpec] = Field(default_factory=list)
    tasks: list[TaskSpec] = Field(default_factory=list)
    risks: list[RiskSpec] = Field(default_factory=list)
    correlations: list[CorrelationSpec] = Field(default_factory=list)
