"""The JSON form of a schedule: the fixed contract of ``plansmith schedule --format json``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from plansmith.domain.calendar import MINUTES_PER_DAY
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
from plansmith.scheduling.explain import DelayReason, ResourceLoad
from plansmith.scheduling.leveling import LevelingResult
from plansmith.scheduling.result import ScheduleResult

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def diagnostic_to_json(diagnostic: Diagnostic) -> dict[str, Any]:
    location = diagnostic.location
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "subject": diagnostic.subject,
        "location": (
            {"file": location.file, "line": location.line, "column": location.column}
            if location is not None
            else None
        ),
    }


def schedule_to_json(
    project: Project | None,
    result: ScheduleResult | None,
    diagnostics: Iterable[Diagnostic],
) -> dict[str, Any]:
    """Dates as "YYYY-MM-DDTHH:MM" wall-clock time in the project's time zone."""
    doc: dict[str, Any] = {
        "project": None,
        "tasks": [],
        "critical_path": [],
        "diagnostics": [diagnostic_to_json(d) for d in diagnostics],
    }
    if project is not None:
        doc["project"] = {
            "id": project.id,
            "name": project.name,
            "timezone": project.timezone,
            "start": None,
            "finish": None,
        }
    if project is None or result is None or not result.ok:
        return doc

    at = _formatter(result)

    doc["project"]["start"] = at(result.start)
    doc["project"]["finish"] = at(result.finish)
    doc["tasks"] = [
        {
            "id": t.id,
            "name": t.name,
            "wbs": t.wbs,
            "start": at(t.start),
            "finish": at(t.finish),
            "early_start": at(t.early_start),
            "early_finish": at(t.early_finish),
            "late_start": at(t.late_start),
            "late_finish": at(t.late_finish),
            "duration_minutes": t.duration,
            "total_float_minutes": t.total_float,
            "free_float_minutes": t.free_float,
            "critical": t.critical,
            "milestone": t.milestone,
            "summary": t.summary,
            "resources": list(t.resources),
        }
        for t in result.tasks
    ]
    doc["critical_path"] = list(result.critical_path)
    return doc


def _formatter(result: ScheduleResult) -> Callable[[int], str]:
    """Minute offsets as ``result.at(minutes).strftime(TIME_FORMAT)``, cached: a plan's tasks
    share instants, and strftime, the slow part, runs once per day (the time of day is plain
    arithmetic)."""
    origin = result.origin
    midnight = origin.replace(hour=0, minute=0)
    after_midnight = origin.hour * 60 + origin.minute
    days: dict[int, str] = {}
    formatted: dict[int, str] = {}

    def at(minutes: int) -> str:
        text = formatted.get(minutes)
        if text is None:
            day, minute = divmod(after_midnight + minutes, MINUTES_PER_DAY)
            date_text = days.get(day)
            if date_text is None:
                date_text = days[day] = (midnight + timedelta(days=day)).strftime("%Y-%m-%d")
            text = formatted[minutes] = f"{date_text}T{minute // 60:02d}:{minute % 60:02d}"
        return text

    return at


def loads_to_json(result: ScheduleResult, loads: Iterable[ResourceLoad]) -> list[dict[str, Any]]:
    """Per resource: capacity, peak, the load as a step function, and where it is overbooked."""

    def at(minutes: int) -> str:
        return result.at(minutes).strftime(TIME_FORMAT)

    return [
        {
            "id": load.resource,
            "name": load.name,
            "capacity": load.capacity,
            "peak": load.peak,
            "load": [{"from": at(a), "to": at(b), "units": u} for a, b, u in load.segments],
            "overloads": [{"from": at(a), "to": at(b), "excess": u} for a, b, u in load.overloads],
        }
        for load in loads
    ]


def delay_reasons_json(
    leveled: LevelingResult, reasons: Iterable[DelayReason]
) -> list[dict[str, Any]]:
    result = leveled.schedule
    return [
        {
            "kind": reason.kind,
            "from": result.at(reason.start).strftime(TIME_FORMAT),
            "to": result.at(reason.end).strftime(TIME_FORMAT),
            "resource": reason.resource,
            "held_by": list(reason.held_by),
            "predecessor": reason.predecessor,
        }
        for reason in reasons
    ]


def leveling_to_json(doc: dict[str, Any], leveled: LevelingResult) -> None:
    """Add what leveling adds to a schedule document: per task ``delay_reasons``, per resource
    its load, and the search's status and bounds."""
    result = leveled.schedule

    def at(minutes: int) -> str:
        return result.at(minutes).strftime(TIME_FORMAT)

    for task in doc.get("tasks", ()):
        task["delay_reasons"] = delay_reasons_json(
            leveled, leveled.delay_reasons.get(task["id"], ())
        )
    doc["resources"] = loads_to_json(result, leveled.loads)
    gap = leveled.gap
    doc["leveling"] = {
        "mode": leveled.mode.value,
        "status": leveled.status.value,
        "finish": at(result.finish),
        "unleveled_finish": at(leveled.unleveled_finish),
        "lower_bound": at(leveled.lower_bound),
        "gap": round(gap, 6) if gap is not None else None,
        "schedules": leveled.schedules,
        "seconds": round(leveled.seconds, 3),
    }
