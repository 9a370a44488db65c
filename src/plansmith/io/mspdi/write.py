"""Writing a plan as MSPDI, streamed element by element (lxml's incremental writer), with the
fidelity report of what MS Project has no field for.

Ids travel in a custom text field ("Plansmith ID", Text1 of tasks and resources) so that a plan
read back from the file keeps them; MS Project shows it as an ordinary column. Dates come from our
schedule, so the file opens with the dates Plansmith computed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from lxml import etree

from plansmith.domain.durations import parse_duration
from plansmith.io.baselines import Baseline
from plansmith.io.mspdi.baselines import baseline_name, numbered_baselines
from plansmith.io.mspdi.fidelity import Fidelity
from plansmith.io.mspdi.source import NAMESPACE
from plansmith.io.mspdi.values import (
    CONSTRAINT_CODES,
    FORMAT_DAYS,
    ID_ALIAS,
    LINK_CODES,
    RESOURCE_ID_FIELD,
    TASK_ID_FIELD,
    datetime_text,
    finish_text,
    iso_duration,
    start_text,
)
from plansmith.io.mspdi.xml_out import XmlOut, tag, work_weeks, working_exceptions
from plansmith.io.plan_schema import PlanSpec, ResourceSpec, TaskSpec

_ACCRUALS = {"start": "1", "prorated": "2", "end": "3"}
_FORMATS = {"min": "3", "m": "3", "h": "5", "d": "7", "w": "9"}
_NOT_IN_MSPDI = {
    "estimate": "three-point estimates",
    "distribution": "estimate distributions",
    "ev_method": "earned-value methods",
    "steps": "weighted milestones (steps)",
}


class _Writer(XmlOut):
    def __init__(
        self,
        spec: PlanSpec,
        dates: dict[str, tuple[str, str]],
        out: Any,
        baselines: dict[int, Baseline],
    ) -> None:
        self.spec = spec
        self.baselines = baselines
        self.dates = dates
        super().__init__(out)
        self.fidelity = Fidelity()
        self.per_day = round(spec.project.hours_per_day * 60)
        self.per_week = round(spec.project.hours_per_week * 60)
        self.calendar_uids = {cid: str(k + 1) for k, cid in enumerate(spec.calendars)}
        self.task_uids: dict[str, str] = {}
        self.resource_uids = {r.id: str(k + 1) for k, r in enumerate(spec.resources)}

    def minutes(self, value: str | int | float) -> int:
        return parse_duration(
            value,
            hours_per_day=self.spec.project.hours_per_day,
            hours_per_week=self.spec.project.hours_per_week,
            allow_negative=True,
        )

    def project(self) -> None:
        p = self.spec.project
        for name, value in (
            ("SaveVersion", 14),
            ("Name", p.id),
            ("Title", p.name),
            ("ScheduleFromStart", 1),
            ("StartDate", f"{p.start.isoformat()}T00:00:00"),
            ("CurrencyCode", p.currency),
            ("CalendarUID", self.calendar_uids.get(self._project_calendar(), "-1")),
            ("MinutesPerDay", self.per_day),
            ("MinutesPerWeek", self.per_week),
            ("DurationFormat", FORMAT_DAYS),
        ):
            self.leaf(name, value)
        if p.status_date is not None:
            self.leaf("StatusDate", f"{p.status_date.isoformat()}T00:00:00")
        with self.block("ExtendedAttributes"):
            for field_id, name in ((TASK_ID_FIELD, "Text1"), (RESOURCE_ID_FIELD, "Text1")):
                with self.block("ExtendedAttribute"):
                    self.leaf("FieldID", field_id)
                    self.leaf("FieldName", name)
                    self.leaf("Alias", ID_ALIAS)
        if p.timezone != "UTC":
            self.fidelity.dropped("Project", "timezone", "MSPDI has no time zone")
        if self.spec.holidays:
            self.fidelity.approximated(
                "Project", "holidays", "company holidays are written into every calendar"
            )

    def _project_calendar(self) -> str:
        if self.spec.project.calendar:
            return self.spec.project.calendar
        if "standard" in self.spec.calendars or not self.spec.calendars:
            return "standard"
        return next(iter(self.spec.calendars))

    def calendars(self) -> None:
        with self.block("Calendars"):
            for cid, calendar in self.spec.calendars.items():
                holidays = [*calendar.holidays, *self.spec.holidays]
                self.calendar(
                    self.calendar_uids[cid],
                    cid,
                    calendar.day_ranges(),
                    holidays,
                    working_exceptions(calendar, self.spec.holidays),
                    work_weeks(calendar),
                )
                if calendar.name:
                    self.fidelity.dropped(
                        "Calendar",
                        "name",
                        "the calendar's display name: its id is its Name",
                        cid,
                    )
            uid = len(self.calendar_uids)
            for resource in self.spec.resources:
                if resource.vacations:
                    uid += 1
                    self.calendar_uids[f"resource:{resource.id}"] = str(uid)
                    base = self.calendar_uids.get(resource.calendar or self._project_calendar())
                    name = resource.name or resource.id
                    self.resource_calendar(str(uid), name, base or "-1", list(resource.vacations))

    # Tasks ---------------------------------------------------------------------------------

    def tasks(self) -> None:
        rows = list(_outline(self.spec.tasks))
        self.task_uids = {task.id: str(k + 1) for k, (task, _, _) in enumerate(rows)}
        with self.block("Tasks"):
            for task, level, number in rows:
                self._task(task, level, number)

    def _task(self, task: TaskSpec, level: int, number: str) -> None:
        uid = self.task_uids[task.id]
        start, finish = self.dates.get(task.id, ("", ""))
        summary = task.children is not None
        minutes = self._task_minutes(task, start, finish)
        with self.block("Task"):
            self.leaf("UID", uid)
            self.leaf("ID", uid)
            self.leaf("Name", task.name)
            self.leaf("Type", 2 if task.effort is not None else 1)
            self.leaf("IsNull", 0)
            self.leaf("WBS", number)
            self.leaf("OutlineNumber", number)
            self.leaf("OutlineLevel", level)
            self.leaf("Priority", task.priority)
            if start:
                self.leaf("Start", f"{start}:00")
                self.leaf("Finish", f"{finish}:00")
            self.leaf("Duration", iso_duration(minutes))
            self.leaf("DurationFormat", self._format(task))
            if task.effort is not None:
                self.leaf("Work", iso_duration(self.minutes(task.effort)))
            self.leaf("EffortDriven", 1 if task.effort is not None else 0)
            self.leaf("Milestone", 1 if task.milestone else 0)
            self.leaf("Summary", 1 if summary else 0)
            if task.cost is not None:
                self.leaf("FixedCost", task.cost.amount)
                self.leaf("FixedCostAccrual", _ACCRUALS[task.cost.accrue])
                if task.cost.category != "services":
                    self.fidelity.dropped("Task", "cost.category", "cost categories", task.id)
            self._progress(task, minutes)
            constraint = self._constraint(task)
            if constraint is not None:
                self.leaf("ConstraintType", constraint[0])
            if task.calendar:  # between the constraint's type and date, as the schema orders
                self.leaf("CalendarUID", self.calendar_uids.get(task.calendar, "-1"))
            if constraint is not None:
                self.leaf("ConstraintDate", constraint[1])
            if task.deadline is not None:
                self.leaf("Deadline", finish_text(task.deadline))
            if task.notes:
                self.leaf("Notes", task.notes)
            self._links(task)
            with self.block("ExtendedAttribute"):
                self.leaf("FieldID", TASK_ID_FIELD)
                self.leaf("Value", task.id)
            for baseline_number, baseline in self.baselines.items():
                saved = baseline.tasks.get(task.id)
                if saved is not None:
                    with self.block("Baseline"):
                        self.leaf("Number", baseline_number)
                        self.leaf("Start", f"{saved.start}:00")
                        self.leaf("Finish", f"{saved.finish}:00")
                        self.leaf("Cost", saved.cost)
        for key, what in _NOT_IN_MSPDI.items():
            if key in task.model_fields_set:
                self.fidelity.dropped("Task", key, f"{what} have no MSPDI field", task.id)

    def _task_minutes(self, task: TaskSpec, start: str, finish: str) -> int:
        if task.duration is not None:
            return self.minutes(task.duration)
        if task.estimate is not None and task.effort is None and not task.milestone:
            return self.minutes(task.estimate.likely)
        if task.effort is not None:
            units = sum(_units(a.units) for a in task.assign) or 1.0
            return round(self.minutes(task.effort) / units)
        return 0

    def _format(self, task: TaskSpec) -> str:
        text = str(task.duration if task.duration is not None else task.effort or "")
        unit = text.rstrip("0123456789.").lstrip("-0123456789. ").lower()
        return _FORMATS.get(unit, str(FORMAT_DAYS))

    def _progress(self, task: TaskSpec, minutes: int) -> None:
        if task.progress is not None:
            self.leaf("PercentComplete", _plain(task.progress * 100))
        elif task.actual_finish is not None:
            self.leaf("PercentComplete", 100)
        if task.actual_start is not None:
            self.leaf("ActualStart", start_text(task.actual_start))
        if task.actual_finish is not None:
            self.leaf("ActualFinish", finish_text(task.actual_finish))
        if task.remaining is not None:
            self.leaf("RemainingDuration", iso_duration(self.minutes(task.remaining)))

    def _constraint(self, task: TaskSpec) -> tuple[str, str] | None:
        """MSPDI holds one constraint per task: a start limit wins over a finish limit."""
        chosen = None
        for key in ("must_start_on", "start_no_earlier_than", "finish_no_later_than"):
            value = getattr(task, key)
            if value is None:
                continue
            if chosen is not None:
                self.fidelity.dropped(
                    "Task", key, "a second constraint: MS Project keeps one per task", task.id
                )
                continue
            text = finish_text(value) if key == "finish_no_later_than" else start_text(value)
            chosen = (CONSTRAINT_CODES[key], text)
        return chosen

    def _links(self, task: TaskSpec) -> None:
        links = [(task_id, "FS", "0") for task_id in task.after]
        links += [(d.task, d.type, str(d.lag)) for d in task.depends]
        for predecessor, kind, lag in links:
            with self.block("PredecessorLink"):
                self.leaf("PredecessorUID", self.task_uids.get(predecessor, "-1"))
                self.leaf("Type", LINK_CODES[kind])
                self.leaf("CrossProject", 0)
                self.leaf("LinkLag", self.minutes(lag) * 10)
                self.leaf("LagFormat", _FORMATS.get(lag.lstrip("-0123456789. "), "7"))

    # Resources and assignments ------------------------------------------------------------

    def resources(self) -> None:
        with self.block("Resources"):
            for resource in self.spec.resources:
                self._resource(resource)

    def _resource(self, resource: ResourceSpec) -> None:
        uid = self.resource_uids[resource.id]
        with self.block("Resource"):
            self.leaf("UID", uid)
            self.leaf("ID", uid)
            self.leaf("Name", resource.name or resource.id)
            self.leaf("Type", 1)
            self.leaf("IsNull", 0)
            if resource.email:
                self.leaf("EmailAddress", resource.email)
            self.leaf("MaxUnits", _plain(Decimal(str(resource.capacity))))
            if resource.rate is not None:
                self.leaf("StandardRate", resource.rate)
                self.leaf("StandardRateFormat", 2)
            if resource.overtime_rate is not None:
                self.leaf("OvertimeRate", resource.overtime_rate)
                self.leaf("OvertimeRateFormat", 2)
            calendar = self.calendar_uids.get(f"resource:{resource.id}") or self.calendar_uids.get(
                resource.calendar or self._project_calendar(), "-1"
            )
            self.leaf("CalendarUID", calendar)
            with self.block("ExtendedAttribute"):
                self.leaf("FieldID", RESOURCE_ID_FIELD)
                self.leaf("Value", resource.id)
            if resource.rates:
                self._rates(resource)
        if resource.kind != "person":
            self.fidelity.dropped("Resource", "kind", "MSPDI has no equipment kind", resource.id)
        if resource.skills:
            self.fidelity.dropped("Resource", "skills", "MSPDI has no skills", resource.id)

    def _rates(self, resource: ResourceSpec) -> None:
        starts = [datetime(1984, 1, 1)] + [
            datetime.combine(r.start, datetime.min.time()) for r in resource.rates
        ]
        values = [resource.rate or Decimal(0)] + [r.rate for r in resource.rates]
        ends = [s - timedelta(minutes=1) for s in starts[1:]] + [datetime(2049, 12, 31, 23, 59)]
        with self.block("Rates"):
            for first, last, value in zip(starts, ends, values, strict=True):
                with self.block("Rate"):
                    self.leaf("RatesFrom", datetime_text(first))
                    self.leaf("RatesTo", datetime_text(last))
                    self.leaf("RateTable", 0)
                    self.leaf("StandardRate", value)
                    self.leaf("StandardRateFormat", 2)

    def assignments(self) -> None:
        uid = 0
        with self.block("Assignments"):
            for task, _, _ in _outline(self.spec.tasks):
                minutes = self._task_minutes(task, "", "")
                for assignment in task.assign:
                    uid += 1
                    units = _units(assignment.units)
                    with self.block("Assignment"):
                        self.leaf("UID", uid)
                        self.leaf("TaskUID", self.task_uids[task.id])
                        self.leaf("ResourceUID", self.resource_uids.get(assignment.resource))
                        self.leaf("Units", _plain(Decimal(str(units))))
                        self.leaf("Work", iso_duration(round(minutes * units)))


def write_mspdi(
    spec: PlanSpec,
    dates: dict[str, tuple[str, str]],
    handle: IO[bytes],
    baselines: Sequence[Baseline] = (),
) -> Fidelity:
    """Write ``spec`` to ``handle``; ``dates`` maps task ids to our scheduled start and finish
    ("YYYY-MM-DDTHH:MM"). Returns what the file could not carry."""
    numbered, extra = numbered_baselines(baselines)
    with etree.xmlfile(handle, encoding="utf-8") as out:
        out.write_declaration(standalone=True)
        with out.element(tag("Project"), nsmap={None: NAMESPACE}):
            out.write("\n")
            writer = _Writer(spec, dates, out, numbered)
            writer.project()
            writer.calendars()
            writer.tasks()
            writer.resources()
            writer.assignments()
    for baseline in extra:
        writer.fidelity.dropped(
            "Project", "baselines", "MSPDI holds eleven baselines", baseline.name
        )
    for number, baseline in numbered.items():
        if baseline.name != baseline_name(str(number)):
            writer.fidelity.approximated(
                "Project",
                "baselines",
                f"written as MS Project's baseline {number}: MSPDI "
                "numbers baselines, it does not name them",
                baseline.name,
            )
    for part, what in (
        ("risks", "the risk register"),
        ("correlations", "estimate correlations"),
        ("budget", "budget lines"),
        ("expenses", "expenses"),
        ("actuals", "time bookings"),
    ):
        if getattr(spec, part):
            writer.fidelity.dropped("Project", part, f"{what}: not written to MSPDI")
    return writer.fidelity


def _outline(
    tasks: list[TaskSpec], level: int = 1, prefix: str = ""
) -> Iterator[tuple[TaskSpec, int, str]]:
    for k, task in enumerate(tasks, start=1):
        number = f"{prefix}{k}"
        yield task, level, number
        if task.children:
            yield from _outline(task.children, level + 1, f"{number}.")


def _units(value: float | str) -> float:
    if isinstance(value, str):
        text = value.strip()
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    return float(value)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
