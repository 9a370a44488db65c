"""Reading one spreadsheet cell as a plan value: durations, dates, links, assignments.

Task lists come from MS Project, Smartsheet and hand-made Excel sheets, each writing the same
thing its own way ("5 days?", "5d", "1 wk"; "Mon 3/1/27", "2027-03-01"; "3FS+2 days"; "Ana[50%]").
Each reader accepts the common spellings and turns them into what a plan file writes, or raises
:class:`CellProblem` with a message saying what it accepts, which the table reader turns into a
located ``invalid_row_value`` diagnostic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

CellValue = str | int | float | bool | date | datetime | None

DAYS_PER_MONTH = 20  # MS Project's default: a month of work is 20 working days
_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
_AMOUNT = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]*)\s*\??\s*$")
_UNITS = {
    "": "d",
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "min"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("d", "dy", "dys", "day", "days"), "d"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
    **dict.fromkeys(("mo", "mon", "mons", "month", "months"), "mo"),
}
_LINK_TYPES = ("FS", "SS", "FF", "SF")
# A reference, then optionally a type (after a digit or a space, so "class" is not "cla" SS),
# then optionally a signed lag that starts with a digit (so the "-" inside an id such as
# "db-migrate" is never taken for a lag's sign).
_LINK = re.compile(
    r"^(?P<ref>.+?)\s*(?:(?<=[\d\s])(?P<type>FS|SS|FF|SF))?\s*(?:(?P<sign>[+-])\s*(?P<lag>\d.*))?$",
    re.IGNORECASE,
)
_ASSIGNMENT = re.compile(r"^(?P<name>.+?)\s*(?:\[(?P<units>[^\]]*)\])?$")
_WEEKDAY_PREFIX = re.compile(r"^[A-Za-z]{2,9}\.?,?\s+(?=\d)")
_TIME_SUFFIX = re.compile(r"(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?)$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y/%m/%d",
)
_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "✔"}
_FALSE = {"no", "n", "false", "f", "0", ""}
_EMPTY = {"", "na", "n/a", "none", "-"}
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


class CellProblem(ValueError):
    """A cell that cannot be read for its field; the message says what would be accepted."""


def cell_text(value: CellValue) -> str:
    """The cell as a person reads it in the sheet (numbers without a needless ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


TEXT_FIELDS = frozenset({"name", "id", "notes"})


def is_empty(value: CellValue, field: str) -> bool:
    """A blank cell; for a value that is not text, also MS Project's "NA" (no date) and the
    like, while a task may well be called "NA"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return field not in TEXT_FIELDS and isinstance(value, str) and value.strip().lower() in _EMPTY


def slug(text: str, fallback: str = "task") -> str:
    """A readable id from a name: ``"Order access points"`` -> ``order-access-points``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")
    return words[:MAX_SLUG].rstrip("-") or fallback


def _amount(value: CellValue, what: str, *, signed: bool) -> str:
    """``value`` as plan duration text (``"5d"``, ``"2.5h"``, ``"90min"``)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CellProblem(
            f"'{cell_text(value)}' is not a {what}: write e.g. '5d', '5 days' or '4h'"
        )
    match = _AMOUNT.match(cell_text(value))
    if match is None:
        raise CellProblem(
            f"'{cell_text(value)}' is not a {what}: write e.g. '5d', '5 days', '2 wks' or '4h'"
        )
    number, unit = match.group(1).replace(",", "."), match.group(2).lower()
    if unit.startswith("e") and unit[1:] in _UNITS:
        raise CellProblem(
            f"'{cell_text(value)}' is elapsed (calendar) time, which a plan cannot hold: "
            "write working time such as '5d'"
        )
    if unit not in _UNITS:
        raise CellProblem(f"'{cell_text(value)}': '{unit}' is not a unit (use min, h, d, w, mo)")
    if number.startswith("-") and not signed:
        raise CellProblem(f"'{cell_text(value)}' is negative; a {what} cannot be")
    amount = float(number)
    plan_unit = _UNITS[unit]
    if plan_unit == "mo":
        amount, plan_unit = amount * DAYS_PER_MONTH, "d"
    return f"{amount:.6f}".rstrip("0").rstrip(".") + plan_unit


def read_duration(value: CellValue) -> str:
    return _amount(value, "duration", signed=False)


def read_lag(text: str) -> str:
    if text.strip().endswith("%"):
        raise CellProblem(
            f"a lag of '{text.strip()}' is a share of the predecessor's duration, which a plan "
            "cannot hold: write working time such as '2d'"
        )
    return _amount(text, "lag", signed=True)


def read_date(value: CellValue) -> date:
    """A day from a date cell or from text in the common spellings. Slashes are month first
    (MS Project's and Excel's US default); a time of day is read past, since a plan limits
    tasks by day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _TIME_SUFFIX.sub("", _WEEKDAY_PREFIX.sub("", cell_text(value).strip())).strip()
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise CellProblem(
        f"'{cell_text(value)}' is not a date: write 2027-03-01 (or 3/1/2027, month first)"
    )


def read_bool(value: CellValue) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem(f"'{cell_text(value)}' is not yes or no")


def read_percent(value: CellValue) -> float:
    """0 to 100 from ``40``, ``"40%"`` or ``"40 %"``."""
    text = cell_text(value).strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise CellProblem(f"'{cell_text(value)}' is not a percentage such as 40%") from None
    if not 0 <= number <= 100:
        raise CellProblem(f"'{cell_text(value)}' is outside 0% to 100%")
    return number


def read_whole(value: CellValue, what: str, low: int, high: int) -> int:
    text = cell_text(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise CellProblem(f"'{text}' is not a {what}: write a whole number") from None
    if not number.is_integer() or not low <= number <= high:
        raise CellProblem(f"'{text}' is not a {what}: write a whole number from {low} to {high}")
    return int(number)


def wbs_depth(value: CellValue) -> int:
    """How deep an outline number is: ``1`` is 1, ``1.2.3`` is 3 (``0`` is the project)."""
    text = cell_text(value).strip().rstrip(".")
    parts = text.split(".")
    if not text or any(not part.strip() or " " in part.strip() for part in parts):
        raise CellProblem(f"'{cell_text(value)}' is not an outline number such as 1.2.3")
    return 0 if text == "0" else len(parts)


def split_list(text: str) -> list[str]:
    """Items of a list cell: separated by ``;`` when it has any (MS Project's separator in
    most locales, and safe inside names like "Smith, Jo"), else by ``,``."""
    separator = ";" if ";" in text else ","
    return [item.strip() for item in text.split(separator) if item.strip()]


@dataclass(frozen=True)
class Link:
    """A predecessor as written: the row it names, the link type and the lag (plan text)."""

    ref: str
    type: str
    lag: str | None


def read_predecessors(value: CellValue, known: Collection[str] = ()) -> list[Link]:
    """``"3FS+2d; 4SS, 5"`` style lists; a missing type is FS, a missing lag none. An item that
    is a ``known`` reference as a whole is that reference (an id may end in "ss")."""
    links = []
    for item in split_list(cell_text(value)):
        if item in known:
            links.append(Link(item, "FS", None))
            continue
        match = _LINK.match(item)
        if match is None:  # pragma: no cover - the pattern matches any non-empty text
            raise CellProblem(f"'{item}' is not a predecessor such as 3FS+2d")
        kind = (match.group("type") or "FS").upper()
        lag = None
        if match.group("lag") is not None:
            lag = read_lag(match.group("sign") + match.group("lag"))
        links.append(Link(match.group("ref").strip(), kind, lag))
    return links


@dataclass(frozen=True)
class Booking:
    """An assignment as written: the resource's name and its units (1 = full time)."""

    name: str
    units: float


def read_resources(value: CellValue) -> list[Booking]:
    """``"Ana[50%];Ben"``: names with optional units in brackets (a percentage or a number)."""
    bookings = []
    for item in split_list(cell_text(value)):
        match = _ASSIGNMENT.match(item)
        if match is None:  # pragma: no cover - the pattern matches any non-empty text
            raise CellProblem(f"'{item}' is not an assignment such as Ana[50%]")
        units = 1.0
        written = match.group("units")
        if written is not None:
            text = written.strip().replace(",", ".")
            try:
                units = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
            except ValueError:
                raise CellProblem(f"'{item}': '{written}' is not units such as 50%") from None
            if not units > 0 or units > 1_000_000:
                raise CellProblem(f"'{item}': units must be more than 0%")
        bookings.append(Booking(match.group("name").strip(), units))
    return bookings


def is_zero(duration: str) -> bool:
    return float(duration.rstrip("abcdefghijklmnopqrstuvwxyz")) == 0


def weekdays(start: date, finish: date) -> int:
    """Monday-to-Friday days from ``start`` to ``finish``, both included (at least one)."""
    days = (finish - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(
        1 for k in range(rest) if (start + timedelta(days=weeks * 7 + k)).weekday() < 5
    )
    return max(count, 1)
