"""MSPDI's value encodings, both ways: ISO 8601 durations, tenths-of-minute lags, format codes,
link and constraint types, and the ids Plansmith gives things that MS Project only numbers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

# Link types as MSPDI numbers them.
LINK_TYPES = {"0": "FF", "1": "FS", "2": "SF", "3": "SS"}
LINK_CODES = {name: code for code, name in LINK_TYPES.items()}

# ConstraintType: 0 ASAP, 1 ALAP, 2 MSO, 3 MFO, 4 SNET, 5 SNLT, 6 FNET, 7 FNLT.
CONSTRAINT_KEYS = {"2": "must_start_on", "4": "start_no_earlier_than", "7": "finish_no_later_than"}
CONSTRAINT_CODES = {key: code for code, key in CONSTRAINT_KEYS.items()}
CONSTRAINT_NAMES = {
    "0": "as soon as possible",
    "1": "as late as possible",
    "2": "must start on",
    "3": "must finish on",
    "4": "start no earlier than",
    "5": "start no later than",
    "6": "finish no earlier than",
    "7": "finish no later than",
}

# Duration and lag formats (DurationFormat, LagFormat); the "estimated" variants add 32.
_ELAPSED = {4, 6, 8, 10, 12, 20}
_PERCENT = {19, 20}
_UNIT_NAMES = {3: "minutes", 5: "hours", 7: "days", 9: "weeks", 11: "months", 19: "percent"}
FORMAT_DAYS = 7
FORMAT_ELAPSED_DAYS = 8


def _base_format(code: str) -> int:
    try:
        number = int(code)
    except ValueError:
        return FORMAT_DAYS
    return number - 32 if number >= 35 else number


def is_elapsed(code: str) -> bool:
    return _base_format(code) in _ELAPSED


def is_percent(code: str) -> bool:
    return _base_format(code) in _PERCENT


def format_name(code: str) -> str:
    base = _base_format(code)
    plain = base - 1 if base in _ELAPSED else base
    return ("elapsed " if base in _ELAPSED else "") + _UNIT_NAMES.get(plain, f"format {code}")


_ISO_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


# Both parsers are pure and a large file repeats its values (a few durations, a few thousand
# dates across tens of thousands of tasks and assignments): remembered, each is read once.
@lru_cache(maxsize=8192)
def duration_minutes(text: str) -> int | None:
    """``PT16H30M0S`` -> 990. MS Project writes hours, minutes and seconds only; days count as
    24 hours as ISO 8601 says, and years or months (which no writer we know emits) are refused."""
    match = _ISO_DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        return None
    sign, years, months, days, hours, minutes, seconds = match.groups()
    if years or months:
        return None
    total = (float(days or 0) * 1440 + float(hours or 0) * 60 + float(minutes or 0)) + float(
        seconds or 0
    ) / 60
    value = round(total)
    return -value if sign else value


def iso_duration(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}PT{hours}H{rest}M0S"


def duration_text(minutes: int, minutes_per_day: int) -> str:
    """Minutes as a plan file writes them: whole days where they are, else hours, else minutes."""
    if minutes == 0:
        return "0"
    if minutes_per_day > 0 and minutes % minutes_per_day == 0:
        return f"{minutes // minutes_per_day}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}min"


def start_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return datetime_text(value)
    return f"{value.isoformat()}T00:00:00"


def finish_text(value: date | datetime) -> str:
    """A plain date as a finish means the end of that day: midnight of the next."""
    if isinstance(value, datetime):
        return datetime_text(value)
    return f"{(value + timedelta(days=1)).isoformat()}T00:00:00"


@lru_cache(maxsize=8192)
def parse_datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None, second=0, microsecond=0)
    except ValueError:
        return None


def datetime_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


# The custom text field (Text1 of tasks and of resources) our export keeps ids in, found again
# on import by its alias, whichever field a user moved it to. MS Project numbers task fields
# 1887xxxxx and resource fields 2055xxxxx.
ID_ALIAS = "Plansmith ID"
TASK_ID_FIELD = "188743731"
RESOURCE_ID_FIELD = "205520904"

_NOT_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class IdMaker:
    """Readable, unique ids for things MS Project only numbers: a name that is already a valid
    id stays as it is; otherwise its lower-case slug; a clash gets the item's number appended."""

    def __init__(self, fallback: str) -> None:
        self._fallback = fallback
        self._taken: set[str] = set()

    def take(self, wanted: str) -> bool:
        """Claim an id given in the file (our own export's); False when taken or invalid."""
        if not _ID.match(wanted) or wanted in self._taken:
            return False
        self._taken.add(wanted)
        return True

    def make(self, name: str, number: str) -> str:
        base = name.strip() if _ID.match(name.strip()) else slug(name)
        base = base[:48].rstrip("-.") or self._fallback
        if not _ID.match(base):
            base = f"{self._fallback}-{base}"
        candidate, extra = base, number
        while candidate in self._taken:
            candidate = f"{base}-{extra}"
            extra = f"{extra}x"
        self._taken.add(candidate)
        return candidate


def is_id(text: str) -> bool:
    return _ID.match(text) is not None


def slug(name: str) -> str:
    return _NOT_ID.sub("-", name.strip().lower()).strip("-.")
