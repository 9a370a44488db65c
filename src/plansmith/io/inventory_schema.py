"""The plan file's optional ``systems:`` section: the hardware, software and services a team runs,
with their maintenance windows and update plans (see docs/portfolio-governance.md).

Recurring windows are RFC 5545 recurrence rules, the form calendar programs exchange, read and
expanded by python-dateutil; the simple forms ``weekly: sat`` and ``monthly: first sun`` are
spelled as rules here so that one code path expands every window. A window is a time range
within one day, in the project's time zone, like a calendar's working hours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from dateutil.rrule import rrulestr
from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from plansmith.analytics.inventory import System, SystemKind
from plansmith.io.schema_types import Amount, Day, Id, Spec, TimeRange, lowercase

_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_MONTHLY = re.compile(r"^\s*(first|second|third|fourth|last)\s+(mon|tue|wed|thu|fri|sat|sun)\s*$")
MAX_OCCURRENCES = 2000  # a feed or page asking for more windows than this is cut off


def _bad_form(value: Any, form: str) -> PydanticCustomError:
    return PydanticCustomError(
        "invalid_rrule", "'{value}' is not a {form}", {"value": str(value), "form": form}
    )


def _weekly(value: Any) -> str:
    days = value if isinstance(value, list) else [value]
    codes = [_DAYS.get(str(day).strip().lower()) for day in days]
    if not days or None in codes:
        raise _bad_form(value, "day of the week such as sat, or a list of them")
    return "FREQ=WEEKLY;BYDAY=" + ",".join(str(code) for code in codes)


def _monthly(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
        return f"FREQ=MONTHLY;BYMONTHDAY={value}"
    match = _MONTHLY.match(value.lower()) if isinstance(value, str) else None
    if match is None:
        raise _bad_form(value, "day of the month (1-31) or a form such as 'first sun'")
    return f"FREQ=MONTHLY;BYDAY={_NTH[match[1]]}{_DAYS[match[2]]}"


def check_rrule(text: str) -> str:
    """The rule as given if python-dateutil reads it; otherwise ``invalid_rrule``. A DTSTART
    inside the rule is refused: the window's ``from`` says when it starts."""
    rule = text.strip().removeprefix("RRULE:")
    if not rule or "DTSTART" in rule.upper():
        raise _bad_form(text, "recurrence rule such as FREQ=WEEKLY;BYDAY=SA")
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError):
        raise _bad_form(text, "recurrence rule such as FREQ=WEEKLY;BYDAY=SA") from None
    return rule


class WindowSpec(Spec):
    """A recurring maintenance window: one of ``rrule``, ``weekly`` or ``monthly``."""

    id: Id
    name: str = ""
    rrule: str | None = None
    weekly: str | list[str] | None = None
    monthly: int | str | None = None
    time: TimeRange
    first: Day | None = Field(None, alias="from")
    until: Day | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> WindowSpec:
        given = [name for name in ("rrule", "weekly", "monthly") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "invalid_rrule",
                "a maintenance window needs exactly one of 'rrule', 'weekly' or 'monthly'",
            )
        self.rule()  # raises invalid_rrule for a rule dateutil cannot read
        return self

    def rule(self) -> str:
        if self.weekly is not None:
            return _weekly(self.weekly)
        if self.monthly is not None:
            return _monthly(self.monthly)
        return check_rrule(self.rrule or "")


class UpdateSpec(Spec):
    """A planned update of the system, optionally inside one of its maintenance windows."""

    version: str
    date: Day
    window: Id | None = None
    notes: str = ""


class SystemSpec(Spec):
    id: Id
    name: str
    type: Annotated[Literal["hardware", "software", "service"], BeforeValidator(lowercase)]
    vendor: str = ""
    version: str = ""
    environment: str = ""
    owner: str = ""
    cost: Amount | None = None
    seats: int | None = Field(None, ge=0, strict=True)
    renewal: Day | None = None
    renewal_cost: Amount | None = None
    renewal_months: int = Field(12, ge=1, le=120, strict=True)
    warranty_end: Day | None = None
    end_of_life: Day | None = None
    support_contract: str = ""
    support_end: Day | None = None
    notes: str = ""
    maintenance: list[WindowSpec] = Field(default_factory=list)
    updates: list[UpdateSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> SystemSpec:
        """Window ids once per system, and updates naming one of the system's windows."""
        windows = [window.id for window in self.maintenance]
        twice = next((w for k, w in enumerate(windows) if w in windows[:k]), None)
        if twice is not None:
            raise PydanticCustomError(
                "duplicate_id",
                "window id '{id}' is used twice in this system",
                {"id": twice, "at": "maintenance"},
            )
        for update in self.updates:
            if update.window is not None and update.window not in windows:
                raise PydanticCustomError(
                    "unknown_window",
                    "the update to {version} names window '{window}', which this system does "
                    "not have",
                    {"version": update.version, "window": update.window, "at": "updates"},
                )
        return self


def _unique(specs: list[SystemSpec]) -> list[SystemSpec]:
    ids = [spec.id for spec in specs]
    for k, key in enumerate(ids):
        if key in ids[:k]:
            raise PydanticCustomError(
                "duplicate_id", "system id '{id}' is used twice", {"id": key, "at": k}
            )
    return specs


# The plan's ``systems:`` section.
Systems = Annotated[list[SystemSpec], AfterValidator(_unique)]


def systems(specs: Sequence[SystemSpec]) -> tuple[System, ...]:
    """The analytics' view of the section, each with its document path."""
    return tuple(
        System(
            id=spec.id,
            name=spec.name,
            kind=SystemKind(spec.type),
            renewal=spec.renewal,
            renewal_cost=spec.renewal_cost,
            renewal_months=spec.renewal_months,
            seats=spec.seats,
            warranty_end=spec.warranty_end,
            end_of_life=spec.end_of_life,
            origin=("systems", k),
        )
        for k, spec in enumerate(specs)
    )


def window_occurrences(
    window: WindowSpec, first: date, last: date, default_start: date
) -> list[tuple[datetime, datetime]]:
    """The window's (start, end) wall-clock times on days ``first`` .. ``last``."""
    begins = max(first, window.first or default_start)
    ends = min(last, window.until) if window.until is not None else last
    if ends < begins:
        return []
    anchor = datetime.combine(window.first or default_start, time())
    rule = rrulestr(window.rule(), dtstart=anchor)
    start_minute, end_minute = window.time
    out: list[tuple[datetime, datetime]] = []
    for moment in rule.xafter(datetime.combine(begins, time()), inc=True):
        if moment.date() > ends or len(out) >= MAX_OCCURRENCES:
            break
        day = datetime.combine(moment.date(), time())
        out.append((day + timedelta(minutes=start_minute), day + timedelta(minutes=end_minute)))
    return out
