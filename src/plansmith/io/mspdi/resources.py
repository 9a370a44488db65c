"""MSPDI resources and assignments to plan resources and ``assign`` entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plansmith.io.mspdi.fidelity import Fidelity
from plansmith.io.mspdi.source import Record
from plansmith.io.mspdi.values import duration_minutes, parse_datetime

UNASSIGNED = "-65535"  # the resource UID of MS Project's placeholder assignments


@dataclass
class ResourceRow:
    uid: str
    line: int
    name: str
    fields: dict[str, Any]
    calendar_uid: str
    wanted_id: str = ""
    usable: bool = True


_USED = {"Name", "Type", "MaxUnits", "StandardRate", "OvertimeRate", "CalendarUID", "EmailAddress"}


def read_resource(record: Record, fidelity: Fidelity, id_field: str) -> ResourceRow | None:
    uid = record.text("UID")
    if uid == "0" or record.flag("IsNull"):
        return None  # MS Project's unnamed placeholder resource
    name = record.text("Name")
    subject = f"{name or 'unnamed'} (UID {uid})"
    row = ResourceRow(uid, record.line, name, {}, record.text("CalendarUID", "-1"))
    for attribute in record.all("ExtendedAttribute"):
        if id_field and attribute.text("FieldID") == id_field:
            row.wanted_id = attribute.text("Value")
    if record.flag("IsBudget"):
        row.usable = False
        fidelity.dropped(
            "Resource", "IsBudget", "a budget resource (budgets are plan budget lines)", subject
        )
    elif record.flag("IsCostResource") or record.text("Type") == "2":
        row.usable = False
        fidelity.dropped("Resource", "Type", "a cost resource (costs are task costs here)", subject)
    elif record.text("Type", "1") == "0":
        row.usable = False
        fidelity.dropped("Resource", "Type", "a material resource (consumables)", subject)
    fields = row.fields
    if name:
        fields["name"] = name
        fidelity.mapped("Resource", "Name", "name", subject)
    units = record.number("MaxUnits", 1.0)
    if units > 0 and units != 1:
        fields["capacity"] = units
        fidelity.mapped("Resource", "MaxUnits", "capacity", subject)
    elif units <= 0 and "MaxUnits" in record.fields:
        fidelity.approximated("Resource", "MaxUnits", "0 % available read as 1", subject)
    rate = record.number("StandardRate", 0)
    if rate > 0:
        fields["rate"] = record.text("StandardRate")
        fidelity.mapped("Resource", "StandardRate", "hourly rate", subject)
    overtime = record.number("OvertimeRate", 0)
    if overtime > 0:
        fields["overtime_rate"] = record.text("OvertimeRate")
        fidelity.mapped("Resource", "OvertimeRate", "overtime rate", subject)
    if record.text("EmailAddress"):
        fields["email"] = record.text("EmailAddress")
        fidelity.mapped("Resource", "EmailAddress", "e-mail address", subject)
    _rate_changes(record, fields, fidelity, subject)
    for availability in record.all("AvailabilityPeriods", "AvailabilityPeriod"):
        if availability.text("AvailableFrom"):
            fidelity.dropped("Resource", "AvailabilityPeriods", "availability over time", subject)
    for baseline in record.all("Baseline"):
        fidelity.dropped(
            "Resource", f"Baseline{baseline.text('Number', '0')}", "resource baselines", subject
        )
    fidelity.rest("Resource", record.fields, _USED, subject)
    return row


def _rate_changes(record: Record, fields: dict[str, Any], fidelity: Fidelity, subject: str) -> None:
    """Cost rate table A's later rows become ``rates``; tables B to E (alternative rates per
    assignment) have no counterpart."""
    changes = []
    for rate in record.all("Rates", "Rate"):
        table = rate.text("RateTable", "0")
        start = parse_datetime(rate.text("RatesFrom"))
        if table != "0":
            if rate.number("StandardRate", 0) > 0:
                fidelity.dropped("Resource", "Rates", "cost rate tables B to E", subject)
            continue
        if start is not None and start.year > 1984:  # the first row starts at MS Project's epoch
            changes.append({"from": start.date().isoformat(), "rate": rate.text("StandardRate")})
    if changes:
        fields["rates"] = changes
        fidelity.mapped("Resource", "Rates", "rate changes over time (table A)", subject)


@dataclass
class AssignmentRow:
    task_uid: str
    resource_uid: str
    units: float
    work_minutes: int | None
    line: int
    extra: dict[str, Any] = field(default_factory=dict)


_ASSIGNMENT_USED = {"TaskUID", "ResourceUID", "Units", "Work", "WorkContour", "UID"}


def read_assignment(record: Record, fidelity: Fidelity) -> AssignmentRow | None:
    resource = record.text("ResourceUID", UNASSIGNED)
    subject = f"task UID {record.text('TaskUID')}, resource UID {resource}"
    if resource == UNASSIGNED:
        return None
    contour = record.text("WorkContour", "0")
    if contour != "0":
        fidelity.approximated(
            "Assignment", "WorkContour", "a work contour: work spread evenly (flat)", subject
        )
    for baseline in record.all("Baseline"):
        fidelity.dropped(
            "Assignment",
            f"Baseline{baseline.text('Number', '0')}",
            "assignment baselines",
            subject,
        )
    fidelity.rest("Assignment", record.fields, _ASSIGNMENT_USED, subject)
    return AssignmentRow(
        record.text("TaskUID"),
        resource,
        record.number("Units", 1.0),
        duration_minutes(record.text("Work", "PT0H0M0S")),
        record.line,
    )
