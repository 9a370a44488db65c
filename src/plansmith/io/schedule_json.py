"""The JSON form of a schedule: the fixed contract of ``plansmith schedule --format json``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
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

    def at(minutes: int) -> str:
        return result.at(minutes).strftime(TIME_FORMAT)

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
