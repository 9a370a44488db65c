"""Durations and lags as integer working minutes.

Plans say "90min", "4h", "2.5d" or "3w"; a day and a week are the project's ``hours_per_day`` and
``hours_per_week`` of *working* time, not calendar days, so "1d" on an 8-hour project is 480 working
minutes whatever the calendar. Engines only ever see :data:`WorkMinutes`.
"""

from __future__ import annotations

import math
import re
from typing import NewType

WorkMinutes = NewType("WorkMinutes", int)

_LONGEST = 100 * 366 * 24 * 60
_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(min|m|h|d|w)?\s*$")


class DurationError(ValueError):
    """The text is not a duration; the message says what is accepted."""


def parse_duration(
    value: object,
    *,
    hours_per_day: float = 8.0,
    hours_per_week: float = 40.0,
    allow_negative: bool = False,
) -> WorkMinutes:
    """Parse ``value`` into working minutes, rounding up to the next whole minute.

    A bare number means days, as most project tools read it.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DurationError(f"expected a duration such as '4h' or '2.5d', got {value!r}")
    text = str(value)
    match = _DURATION.match(text)
    if match is None:
        raise DurationError(
            f"'{text}' is not a duration: use a number with min, h, d or w, e.g. '90min', '2.5d'"
        )
    amount = float(match.group(1))
    unit = match.group(2) or "d"
    per_unit = {
        "min": 1.0,
        "m": 1.0,
        "h": 60.0,
        "d": hours_per_day * 60.0,
        "w": hours_per_week * 60.0,
    }[unit]
    minutes = amount * per_unit
    if not math.isfinite(minutes) or abs(minutes) > _LONGEST:
        raise DurationError(f"'{text}' is longer than a plan can hold (100 years of work)")
    if minutes < 0 and not allow_negative:
        raise DurationError(f"'{text}' is negative; only lags may be negative")
    rounded = math.ceil(minutes - 1e-9) if minutes >= 0 else -math.ceil(-minutes - 1e-9)
    return WorkMinutes(rounded)


def format_duration(minutes: int, hours_per_day: float = 8.0) -> str:
    """Render working minutes the way a plan would write them: days when whole, else hours."""
    day = int(hours_per_day * 60)
    if minutes == 0:
        return "0d"
    if day and minutes % day == 0:
        return f"{minutes // day}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    if day and abs(minutes) >= day:
        return f"{minutes / day:.2f}".rstrip("0").rstrip(".") + "d"
    return f"{minutes}min"
