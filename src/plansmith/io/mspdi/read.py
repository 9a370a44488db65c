"""Reading an MSPDI file into a plan document, with its fidelity report.

The result is a plan document (what a YAML plan file parses to), so an imported plan goes
through exactly the checks a hand-written one does. Alongside it come the file's own task dates,
to compare with our schedule, and where each task was in the file, to point at it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from plansmith.domain.diagnostics import Diagnostic, SourceLocation, error
from plansmith.io.baselines import Baseline
from plansmith.io.mspdi.baselines import SavedDates, plan_baselines
from plansmith.io.mspdi.calendars import MspdiCalendar, plan_calendars, read_calendar
from plansmith.io.mspdi.fidelity import Fidelity
from plansmith.io.mspdi.plan_shape import (
    drop_idle_calendars,
    finish_kinds,
    keep_start_time,
    lift_common_holidays,
    walk,
)
from plansmith.io.mspdi.resources import (
    AssignmentRow,
    ResourceRow,
    read_assignment,
    read_resource,
)
from plansmith.io.mspdi.source import MspdiSyntaxError, Record, read_items
from plansmith.io.mspdi.tasks import ELAPSED_CALENDAR, TaskRow, lag_text, read_task
from plansmith.io.mspdi.values import ID_ALIAS, IdMaker, is_id, parse_datetime, slug


@dataclass(frozen=True)
class FileTask:
    """A task as the file has it: where it is, and the dates MS Project computed for it."""

    line: int
    name: str
    start: datetime | None
    finish: datetime | None


@dataclass
class MspdiImport:
    filename: str
    document: dict[str, Any] | None
    fidelity: Fidelity
    tasks: dict[str, FileTask] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)  # MS Project's saved ones


def read_mspdi_file(path: Path) -> MspdiImport:
    try:
        with path.open("rb") as handle:
            return read_mspdi(handle, str(path))
    except OSError as problem:
        result = MspdiImport(str(path), None, Fidelity())
        result.diagnostics.append(
            error("plan_not_found", f"cannot read {path}: {problem.strerror or problem}")
        )
        return result


def read_mspdi(handle: IO[bytes], filename: str) -> MspdiImport:
    reader = _Reader(filename)
    try:
        for item in read_items(handle):
            reader.take(item.section, item.record)
    except MspdiSyntaxError as problem:
        result = MspdiImport(filename, None, reader.fidelity)
        diagnostic = error(problem.code, problem.message)
        result.diagnostics.append(
            diagnostic.at(SourceLocation(filename, problem.line, max(1, problem.column)))
        )
        return result
    return reader.result()


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.fidelity = Fidelity()
        self.header: dict[str, str] = {}
        self.task_id_field = ""
        self.resource_id_field = ""
        self.calendars: dict[str, MspdiCalendar] = {}
        self.tasks: list[TaskRow] = []
        self.resources: list[ResourceRow] = []
        self.assignments: list[AssignmentRow] = []
        self.summary_name = ""
        self.project_calendar: dict[str, Any] | None = None
        self.resource_calendars: dict[str, str | None] = {}
        self._per_day: int | None = None

    def take(self, section: str, record: Record) -> None:
        if section == "Project":
            self.header.update(record.fields)
        elif section == "ExtendedAttributes":
            for definition in record.all("ExtendedAttribute"):
                if definition.text("Alias") == ID_ALIAS:
                    field_id = definition.text("FieldID")
                    if field_id.startswith("1887"):  # a task field (see values.ID_ALIAS)
                        self.task_id_field = field_id
                    elif field_id.startswith("2055"):
                        self.resource_id_field = field_id
        elif section == "Calendars":
            calendar = read_calendar(record, self.fidelity)
            self.calendars[calendar.uid] = calendar
        elif section == "Tasks":
            self._task(record)
        elif section == "Resources":
            resource = read_resource(record, self.fidelity, self.resource_id_field)
            if resource is not None:
                self.resources.append(resource)
        elif section == "Assignments":
            assignment = read_assignment(record, self.fidelity)
            if assignment is not None:
                self.assignments.append(assignment)

    def _task(self, record: Record) -> None:
        if record.flag("IsNull"):
            self.fidelity.dropped("Task", "IsNull", "a blank row", f"row {record.text('ID')}")
            return
        if record.text("UID") == "0":
            self.summary_name = record.text("Name")  # the project summary task
            return
        self.tasks.append(
            read_task(record, self._minutes_per_day(), self.fidelity, self.task_id_field)
        )

    def _minutes_per_day(self) -> int:
        """Read once: the header comes before the tasks that need it, and a 20,000-task file
        asks for it for every task and link."""
        if self._per_day is None:
            try:
                self._per_day = int(float(self.header.get("MinutesPerDay", "480"))) or 480
            except ValueError:
                self._per_day = 480
        return self._per_day

    # Assembly -----------------------------------------------------------------------------

    def result(self) -> MspdiImport:
        used = {r.calendar_uid for r in self.resources}
        calendars = plan_calendars(self.calendars, used)
        document: dict[str, Any] = {"project": self._project(calendars.ids)}
        specs = dict(calendars.specs)
        self.project_calendar = specs.get(document["project"].get("calendar", ""))
        if any(row.elapsed for row in self.tasks):
            everyday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            specs[ELAPSED_CALENDAR] = {"workdays": everyday, "hours": ["00:00-24:00"]}
        if specs:
            document["calendars"] = specs
            lift_common_holidays(document)
        resource_ids = self._resources(document, calendars.ids, calendars.vacations)
        result = MspdiImport(self.filename, document, self.fidelity)
        if self.tasks:
            document["tasks"] = self._tree(result, calendars.ids, resource_ids)
        drop_idle_calendars(document, set(self.resource_calendars.values()), self.fidelity)
        return result

    def _project(self, calendar_ids: dict[str, str]) -> dict[str, Any]:
        header = self.header
        stem = Path(self.filename).stem
        file_name = header.get("Name", "")
        if file_name.lower().endswith((".xml", ".mpp")):
            file_name = file_name[:-4]
        name = header.get("Title") or self.summary_name or file_name
        project: dict[str, Any] = {
            "id": file_name if is_id(file_name) else slug(name) or slug(stem) or "plan",
            "name": name or stem,
        }
        start = parse_datetime(header.get("StartDate", ""))
        first = min((r.file_start for r in self.tasks if r.file_start), default=None)
        project["start"] = (start or first or datetime(2000, 1, 3)).date().isoformat()
        minutes_per_day = self._minutes_per_day()
        if minutes_per_day != 480:
            project["hours_per_day"] = _number(minutes_per_day / 60)
        per_week = int(float(header.get("MinutesPerWeek", "2400") or 2400))
        if per_week != 2400:
            project["hours_per_week"] = _number(per_week / 60)
        currency = header.get("CurrencyCode", "")
        if len(currency) == 3 and currency.isalpha() and currency.isupper() and currency != "USD":
            project["currency"] = currency
        calendar = calendar_ids.get(header.get("CalendarUID", ""))
        if calendar:
            project["calendar"] = calendar
        status = parse_datetime(header.get("StatusDate", ""))
        if status is not None:
            # Without one, MS Project leaves unfinished work where it was planned, and so do we.
            project["status_date"] = status.date().isoformat()
            self.fidelity.mapped("Project", "StatusDate", "the status date")
        if header.get("ScheduleFromStart", "1") == "0":
            self.fidelity.dropped(
                "Project",
                "ScheduleFromStart",
                "scheduled from the finish date: we schedule forward from the start",
            )
        self.fidelity.mapped("Project", "StartDate", "the project start")
        return project

    def _resources(
        self, document: dict[str, Any], calendar_ids: dict[str, str], vacations: dict[str, Any]
    ) -> dict[str, str]:
        ids = IdMaker("resource")
        by_uid: dict[str, str] = {}
        resources = []
        project_calendar = document["project"].get("calendar")
        for row in self.resources:
            if not row.usable:
                continue
            rid = row.wanted_id if row.wanted_id and ids.take(row.wanted_id) else None
            rid = rid or ids.make(row.name, row.uid)
            by_uid[row.uid] = rid
            resource: dict[str, Any] = {"id": rid, **row.fields}
            if resource.get("name") == rid:
                del resource["name"]
            calendar = calendar_ids.get(row.calendar_uid)
            if calendar and calendar != project_calendar:
                resource["calendar"] = calendar
            self.resource_calendars[rid] = resource.get("calendar", project_calendar)
            if vacations.get(row.calendar_uid):
                resource["vacations"] = vacations[row.calendar_uid]
                self.fidelity.mapped("Resource", "CalendarUID", "a person's days off: vacations")
            resources.append(resource)
        if resources:
            document["resources"] = resources
        return by_uid

    def _tree(
        self, result: MspdiImport, calendar_ids: dict[str, str], resource_ids: dict[str, str]
    ) -> list[dict[str, Any]]:
        ids = IdMaker("task")
        task_ids: dict[str, str] = {}
        for row in self.tasks:
            wanted = row.wanted_id if row.wanted_id and ids.take(row.wanted_id) else None
            task_ids[row.uid] = wanted or ids.make(row.name, row.uid)
        minutes = {row.uid: row.minutes for row in self.tasks}
        assigned: dict[str, list[AssignmentRow]] = defaultdict(list)
        for assignment in self.assignments:
            assigned[assignment.task_uid].append(assignment)
        roots: list[dict[str, Any]] = []
        stack: list[tuple[int, dict[str, Any]]] = []
        for row in self.tasks:
            tid = task_ids[row.uid]
            task: dict[str, Any] = {"id": tid, "name": row.name or tid, **row.fields}
            result.tasks[tid] = FileTask(row.line, row.name, row.file_start, row.file_finish)
            calendar = calendar_ids.get(row.calendar_uid)
            if row.elapsed:
                task["calendar"] = ELAPSED_CALENDAR
            elif calendar:
                task["calendar"] = calendar
            self._links(row, task, task_ids, minutes)
            self._assign(row, task, assigned.get(row.uid, []), resource_ids)
            while stack and stack[-1][0] >= row.level:
                stack.pop()
            if stack:
                stack[-1][1].setdefault("children", []).append(task)
            else:
                roots.append(task)
            stack.append((row.level, task))
        rows = {task_ids[r.uid]: r for r in self.tasks}
        finish_kinds(roots, rows, self._minutes_per_day(), self.fidelity)
        saved: dict[str, dict[str, SavedDates]] = defaultdict(dict)
        for task_id, row in rows.items():
            for number, entry in row.baselines.items():
                saved[number][task_id] = entry
        leaves = {task["id"] for task in walk(roots) if "children" not in task}
        names = {task_id: row.name or task_id for task_id, row in rows.items()}
        stamp = parse_datetime(self.header.get("LastSaved", "")) or datetime(2000, 1, 1)
        result.baselines = plan_baselines(saved, names, leaves, stamp.strftime("%Y-%m-%dT%H:%M"))
        start = parse_datetime(self.header.get("StartDate", ""))
        keep_start_time(roots, rows, start, self.project_calendar, self.fidelity)
        return roots

    def _links(
        self,
        row: TaskRow,
        task: dict[str, Any],
        task_ids: dict[str, str],
        minutes: dict[str, int | None],
    ) -> None:
        after: list[str] = []
        depends: list[dict[str, Any]] = []
        for link in row.links:
            predecessor = task_ids.get(link.predecessor_uid)
            if predecessor is None:
                self.fidelity.dropped(
                    "Task", "PredecessorLink", "a link to a task not in the file", row.subject
                )
                continue
            lag = lag_text(
                link,
                minutes.get(link.predecessor_uid),
                self._minutes_per_day(),
                self.fidelity,
                row.subject,
            )
            self.fidelity.mapped("Task", "PredecessorLink", f"{link.type} link", row.subject)
            if link.type == "FS" and lag == 0:
                after.append(predecessor)
            else:
                entry: dict[str, Any] = {"task": predecessor, "type": link.type}
                if lag != 0:
                    entry["lag"] = lag
                depends.append(entry)
        if after:
            task["after"] = after
        if depends:
            task["depends"] = depends

    def _assign(
        self,
        row: TaskRow,
        task: dict[str, Any],
        assignments: list[AssignmentRow],
        resource_ids: dict[str, str],
    ) -> None:
        entries: list[Any] = []
        for assignment in assignments:
            resource = resource_ids.get(assignment.resource_uid)
            if resource is None:
                self.fidelity.dropped(
                    "Assignment",
                    "ResourceUID",
                    "an assignment of a cost or material resource",
                    row.subject,
                )
                continue
            units = assignment.units
            entries.append(resource if units == 1 else {"resource": resource, "units": units})
            self.fidelity.mapped("Assignment", "Units", "assignment with its units", row.subject)
        if entries:
            task["assign"] = entries


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value
