"""Value types of the plan file's schema, shared by every part of it (Pydantic).

Value parsers raise ``PydanticCustomError`` whose type *is* our stable diagnostic code; see
:mod:`plansmith.io.plan_schema` for the document's shape.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
)
from pydantic_core import PydanticCustomError

from plansmith.domain.calendar import DateRange, DayRanges

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


def day_ranges(ranges: list[tuple[int, int]]) -> DayRanges:
    return tuple(sorted(ranges))


def _duration_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError(
            "invalid_duration",
            "'{value}' is not a duration: use a number with min, h, d or w, e.g. '90min', '2.5d'",
            {"value": str(value)},
        )
    return value


# Each type also prints itself the way a plan file writes it, so that a spec's ``model_dump`` is
# a plan document again (JSON-compatible values only): see :mod:`plansmith.io.plan_writer`.


def _day_text(value: date) -> str:
    return value.isoformat()


def _instant_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def _date_entry(value: DateRange) -> str | dict[str, str]:
    if value.first == value.last:
        if not value.name:
            return value.first.isoformat()
        return {"date": value.first.isoformat(), "name": value.name}
    entry = {"from": value.first.isoformat(), "to": value.last.isoformat()}
    if value.name:
        entry["name"] = value.name
    return entry


def _time_range_text(value: tuple[int, int]) -> str:
    (h1, m1), (h2, m2) = divmod(value[0], 60), divmod(value[1], 60)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def decimal_text(value: Decimal) -> str:
    """Written as text, so no digit is lost to a binary float on the way back."""
    return str(value)


def percent_text(value: Decimal) -> str:
    return f"{format((value * 100).normalize(), 'f')}%"


Id = Annotated[str, PlainValidator(_id)]
Day = Annotated[date, PlainValidator(_date), PlainSerializer(_day_text)]
Instant = Annotated[date | datetime, PlainValidator(_instant), PlainSerializer(_instant_text)]
DateEntry = Annotated[DateRange, PlainValidator(_date_range), PlainSerializer(_date_entry)]
TimeRange = Annotated[
    tuple[int, int], PlainValidator(_time_range), PlainSerializer(_time_range_text)
]
DayHours = Annotated[list[TimeRange], AfterValidator(_disjoint)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Durations stay text until the project's hours per day and week are known.
DurationText = Annotated[str | int | float, PlainValidator(_duration_text)]


def lowercase(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def uppercase(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def probability_value(value: Any) -> Any:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            pass
    return value


def _amount(value: Any) -> Any:
    if isinstance(value, float):
        return str(value)  # keep the written digits, never binary float noise
    if isinstance(value, str):
        try:
            Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError(
                "invalid_value", "'{value}' is not an amount of money", {"value": value}
            ) from None
        return value.strip()
    return value


def percent(value: Any) -> Any:
    """Progress as written: 40, 40.5 or "40%" (percent), turned into a fraction."""
    if isinstance(value, str):
        text = value.strip().removesuffix("%")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise PydanticCustomError(
                "invalid_value", "'{value}' is not a percentage", {"value": value}
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("invalid_value", "progress is a percentage such as 40 or '40%'")
    fraction = Decimal(str(value)) / 100
    if not 0 <= fraction <= 1:
        raise PydanticCustomError(
            "invalid_value", "progress {value}% is outside 0-100", {"value": str(value)}
        )
    return fraction


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(decimal_text),
]


def _currency(value: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise PydanticCustomError(
            "invalid_currency",
            "'{value}' is not an ISO 4217 code such as USD or EUR",
            {"value": value},
        )
    return value


Currency = Annotated[str, AfterValidator(_currency)]
