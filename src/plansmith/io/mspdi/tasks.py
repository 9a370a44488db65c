"""One MSPDI task to the fields of a plan task; links and assignments are joined later, once
every task and resource has been read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from plansmith.io.mspdi.baselines import SavedDates, saved_dates
from plansmith.io.mspdi.fidelity import Fate, Fidelity
from plansmith.io.mspdi.source import Record
from plansmith.io.mspdi.values import (
    CONSTRAINT_KEYS,
    CONSTRAINT_NAMES,
    LINK_TYPES,
    duration_minutes,
    duration_text,
    format_name,
    is_elapsed,
    is_percent,
    parse_datetime,
)

ELAPSED_CALENDAR = "elapsed-24x7"
_ACCRUALS = {"1": "start", "2": "prorated", "3": "end"}


@dataclass
class Link:
    predecessor_uid: str
    type: str
    lag_tenths: int
    lag_format: str


@dataclass
class TaskRow:
    """What the assembly needs of one task: its fields so far and how it joins the rest."""

    uid: str
    line: int
    level: int
    name: str
    fields: dict[str, Any]
    minutes: int | None
    work_minutes: int | None
    fixed_work: bool
    links: list[Link] = field(default_factory=list)
    file_start: datetime | None = None
    file_finish: datetime | None = None
    wanted_id: str = ""
    elapsed: bool = False
    calendar_uid: str = "-1"
    baselines: dict[str, SavedDates] = field(default_factory=dict)

    @cached_property
    def subject(self) -> str:
        return f"{self.name or 'unnamed'} (UID {self.uid})"


_USED = {
    "Name",
    "OutlineLevel",
    "Duration",
    "Work",
    "Milestone",
    "ConstraintType",
    "ConstraintDate",
    "Deadline",
    "Priority",
    "PercentComplete",
    "ActualStart",
    "ActualFinish",
    "RemainingDuration",
    "Notes",
    "CalendarUID",
    "FixedCost",
    "FixedCostAccrual",
    "Manual",
    "Start",
    "Finish",
}


def read_task(record: Record, minutes_per_day: int, fidelity: Fidelity, id_field: str) -> TaskRow:
    get = record.fields.get  # some thirty look-ups a task, for tens of thousands of tasks
    subject = f"{get('Name', '') or 'unnamed'} (UID {get('UID', '')})"
    fields: dict[str, Any] = {}
    minutes = duration_minutes(get("Duration", "PT0H0M0S"))
    row = TaskRow(
        uid=get("UID", ""),
        line=record.line,
        level=int(record.number("OutlineLevel", 1)),
        name=get("Name", ""),
        fields=fields,
        minutes=minutes,
        work_minutes=duration_minutes(get("Work", "PT0H0M0S")),
        fixed_work=get("Type", "") == "2" and record.flag("EffortDriven"),
        file_start=parse_datetime(get("Start", "")),
        file_finish=parse_datetime(get("Finish", "")),
        calendar_uid=get("CalendarUID", "-1"),
    )
    for attribute in record.all("ExtendedAttribute"):
        if id_field and attribute.text("FieldID") == id_field:
            row.wanted_id = attribute.text("Value")
    fidelity.mapped("Task", "Name", "name", subject)
    for name in ("Start", "Finish"):
        if get(name, ""):
            fidelity.note(
                "Task", name, Fate.RECOMPUTED, "computed by our schedule, compared with the file"
            )
    if get("Duration", "") and minutes is None:
        fidelity.dropped("Task", "Duration", f"unreadable value {get('Duration', '')!r}", subject)
    if is_elapsed(get("DurationFormat", "")) and (minutes or 0) > 0:
        row.elapsed = True
        fidelity.mapped(
            "Task",
            "Duration",
            f"{format_name(get('DurationFormat', ''))}, on a round-the-clock calendar",
            subject,
        )
    if record.flag("Milestone") and minutes:
        fidelity.approximated(
            "Task", "Milestone", "a milestone with a duration: planned as a task", subject
        )
    if not record.flag("Manual"):  # MS Project ignores a manual task's constraint
        _constraint(record, fields, fidelity, subject)
    deadline = parse_datetime(get("Deadline", ""))
    if deadline is not None:
        fields["deadline"] = finish_instant(deadline)
        fidelity.mapped("Task", "Deadline", "deadline", subject)
    priority = int(record.number("Priority", 500))
    if priority != 500:
        fields["priority"] = min(1000, max(1, priority))
        if priority < 1:
            fidelity.approximated("Task", "Priority", "priority 0 read as 1, our lowest", subject)
        else:
            fidelity.mapped("Task", "Priority", "priority", subject)
    _progress(record, row, minutes_per_day, fidelity, subject)
    if get("Notes", ""):
        fields["notes"] = get("Notes", "")
        fidelity.mapped("Task", "Notes", "notes", subject)
    fixed_cost = record.number("FixedCost", 0)
    if fixed_cost > 0:
        accrue = _ACCRUALS.get(get("FixedCostAccrual", "3"), "end")
        fields["cost"] = {"amount": get("FixedCost", ""), "accrue": accrue}
        fidelity.mapped("Task", "FixedCost", "fixed cost with its accrual", subject)
    if record.flag("Manual"):
        start = row.file_start
        if start is not None:
            fields["must_start_on"] = start_instant(start)
        fidelity.approximated(
            "Task",
            "Manual",
            "manually scheduled: scheduled automatically, pinned to its start with must_start_on",
            subject,
        )
    for link in record.all("PredecessorLink"):
        row.links.append(
            Link(
                link.text("PredecessorUID"),
                LINK_TYPES.get(link.text("Type", "1"), "FS"),
                int(link.number("LinkLag", 0)),
                link.text("LagFormat", "7"),
            )
        )
        if link.flag("CrossProject"):
            fidelity.dropped("Task", "PredecessorLink", "a link to another project", subject)
    for baseline in record.all("Baseline"):
        number = baseline.text("Number", "0")
        entry = saved_dates(
            parse_datetime(baseline.text("Start")),
            parse_datetime(baseline.text("Finish")),
            baseline.text("Cost"),
        )
        if entry is None:
            fidelity.dropped("Task", f"Baseline{number}", "a baseline entry without dates", subject)
            continue
        row.baselines[number] = entry
        fidelity.approximated(
            "Task",
            f"Baseline{number}",
            "start, finish and cost kept; the cost is spread "
            "evenly over the weekdays for planned value",
            subject,
        )
    used = _USED | {"PredecessorLink", "Baseline"}
    fidelity.rest("Task", record.fields, used, subject)
    return row


def _constraint(record: Record, fields: dict[str, Any], fidelity: Fidelity, subject: str) -> None:
    get = record.fields.get
    kind = get("ConstraintType", "0")
    when = parse_datetime(get("ConstraintDate", ""))
    if kind == "0":
        return
    name = CONSTRAINT_NAMES.get(kind, f"type {kind}")
    key = CONSTRAINT_KEYS.get(kind)
    if key is not None and when is not None:
        fields[key] = finish_instant(when) if key == "finish_no_later_than" else start_instant(when)
        fidelity.mapped("Task", "ConstraintType", f"{name}", subject)
    elif kind == "3" and when is not None:
        fields["finish_no_later_than"] = finish_instant(when)
        fidelity.approximated(
            "Task",
            "ConstraintType",
            "must finish on: kept as finish no later than (the task may finish earlier)",
            subject,
        )
    else:
        fidelity.dropped("Task", "ConstraintType", f"{name}: not supported", subject)


def _progress(
    record: Record, row: TaskRow, minutes_per_day: int, fidelity: Fidelity, subject: str
) -> None:
    fields = row.fields
    get = record.fields.get
    actual_start = parse_datetime(get("ActualStart", ""))
    actual_finish = parse_datetime(get("ActualFinish", ""))
    percent = record.number("PercentComplete", 0)
    if actual_start is not None:
        fields["actual_start"] = start_instant(actual_start)
        fidelity.mapped("Task", "ActualStart", "actual start", subject)
    if actual_finish is not None:
        fields["actual_finish"] = finish_instant(actual_finish)
        fidelity.mapped("Task", "ActualFinish", "actual finish", subject)
    if actual_start is None or actual_finish is not None:
        return
    remaining = duration_minutes(get("RemainingDuration", ""))
    if 0 < percent < 100:
        fields["progress"] = int(percent) if percent == int(percent) else percent
        fidelity.mapped("Task", "PercentComplete", "progress", subject)
    implied = round((row.minutes or 0) * (100 - percent) / 100)
    if remaining is not None and abs(remaining - implied) > 1:
        fields["remaining"] = duration_text(remaining, minutes_per_day)
        fidelity.mapped("Task", "RemainingDuration", "remaining duration", subject)


def start_instant(value: datetime) -> str:
    """A start at midnight is the plain date (which means the start of that day)."""
    if value.hour == 0 and value.minute == 0:
        return value.date().isoformat()
    return value.strftime("%Y-%m-%dT%H:%M")


def finish_instant(value: datetime) -> str:
    """A finish at midnight is the day before as a plain date (which means the end of it)."""
    if value.hour == 0 and value.minute == 0:
        return (value.date() - timedelta(days=1)).isoformat()
    return value.strftime("%Y-%m-%dT%H:%M")


def lag_text(
    link: Link,
    predecessor_minutes: int | None,
    minutes_per_day: int,
    fidelity: Fidelity,
    subject: str,
) -> str | int:
    """LinkLag is in tenths of a minute; elapsed and percent lags are approximated."""
    minutes = round(link.lag_tenths / 10)
    if is_percent(link.lag_format):
        minutes = round((predecessor_minutes or 0) * link.lag_tenths / 1000)
        fidelity.approximated(
            "Task",
            "LinkLag",
            "a lag in percent of the predecessor's duration: fixed at that much working time",
            subject,
        )
    elif is_elapsed(link.lag_format) and minutes:
        minutes = round(minutes * minutes_per_day / 1440)
        fidelity.approximated(
            "Task", "LinkLag", "an elapsed lag: read as the same number of working days", subject
        )
    elif minutes:
        fidelity.mapped("Task", "LinkLag", "lag", subject)
    return duration_text(minutes, minutes_per_day) if minutes else 0
