"""Shaping the plan read from MSPDI where MS Project and Plansmith say things differently:
company holidays, the project's start time, summaries and leaves, calendars nobody uses, and
resources that never work at the same time. Each change is noted in the fidelity report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from plansmith.domain.calendar import WEEKDAYS, standard_week
from plansmith.io.mspdi.fidelity import Fate, Fidelity
from plansmith.io.mspdi.tasks import ELAPSED_CALENDAR, TaskRow
from plansmith.io.mspdi.values import duration_text

LEAF_ONLY = ("actual_start", "actual_finish", "progress", "remaining", "cost", "must_start_on")


def lift_common_holidays(document: dict[str, Any]) -> None:
    """Days off that every calendar has are the organisation's holidays: written once at
    the top, as a plan says them (and as our export spreads them into every calendar).
    Not with an elapsed-time calendar, which works through holidays in MS Project."""
    specs = document["calendars"]
    if ELAPSED_CALENDAR in specs:
        return
    lists = [spec.get("holidays", []) for spec in specs.values()]
    common = [h for h in lists[0] if all(h in other for other in lists[1:])]
    if not common:
        return
    document["holidays"] = common
    for spec in specs.values():
        spec["holidays"] = [h for h in spec["holidays"] if h not in common]
        if not spec["holidays"]:
            del spec["holidays"]


def drop_idle_calendars(
    document: dict[str, Any], resource_calendars: set[str | None], fidelity: Fidelity
) -> None:
    """A calendar with no working time that nothing we import uses (that of a cost
    resource, say) would only make the plan invalid."""
    used = {document["project"].get("calendar")} | resource_calendars
    used |= {t.get("calendar") for t in walk(document.get("tasks", []))}
    calendars = document.get("calendars", {})
    for cid in list(calendars):
        spec = calendars[cid]
        if cid not in used and not spec.get("workdays") and not spec.get("week"):
            del calendars[cid]
            fidelity.dropped(
                "Calendar",
                "WeekDays",
                "a calendar with no working time that no imported task or resource uses",
                f"calendar {cid}",
            )
    if "calendars" in document and not calendars:
        del document["calendars"]


def keep_start_time(
    roots: list[dict[str, Any]],
    rows: dict[str, TaskRow],
    start: datetime | None,
    project_calendar: dict[str, Any] | None,
    fidelity: Fidelity,
) -> None:
    """MS Project starts work at the project's start time (09:00, say); a plan's start is a
    day, and work begins at the first working minute of it. Where the two differ, the
    start time is kept as start_no_earlier_than on the top-level tasks."""
    if start is None or (start.hour, start.minute) == (0, 0):
        return
    minute = start.hour * 60 + start.minute
    day = start.strftime("%a").lower()
    at = start.strftime("%Y-%m-%dT%H:%M")
    if minute > first_minute(project_calendar, day):
        for task in roots:
            if not any(k in task for k in ("start_no_earlier_than", "must_start_on")):
                task["start_no_earlier_than"] = at
                reorder(task)
        fidelity.approximated(
            "Project",
            "StartDate",
            f"work starts at {at[11:]}, after the calendar's first "
            "working minute: kept as start_no_earlier_than on the top-level tasks",
        )
        return
    for row_id, row in rows.items():
        if row.elapsed and not row.links:
            found = find(roots, row_id)
            if found is not None and "start_no_earlier_than" not in found:
                found["start_no_earlier_than"] = at
                reorder(found)


def finish_kinds(
    tasks: list[dict[str, Any]], rows: dict[str, TaskRow], per_day: int, fidelity: Fidelity
) -> None:
    """Summaries lose what only a leaf may have; a leaf is a milestone, effort or duration."""
    for task in tasks:
        row = rows[task["id"]]
        if "children" in task:
            for key in LEAF_ONLY:
                if task.pop(key, None) is not None:
                    fidelity.note(
                        "Task",
                        key,
                        Fate.RECOMPUTED,
                        "on a summary: rolled up from its tasks",
                        row.subject,
                    )
            if task.pop("assign", None):
                fidelity.dropped("Assignment", "TaskUID", "an assignment on a summary task")
            finish_kinds(task["children"], rows, per_day, fidelity)
            continue
        if not row.minutes:
            task["milestone"] = True
        elif row.fixed_work and task.get("assign") and row.work_minutes:
            task["effort"] = duration_text(row.work_minutes, per_day)
            fidelity.mapped("Task", "Work", "fixed work: an effort task", row.subject)
        else:
            task["duration"] = duration_text(row.minutes or 0, per_day)
            fidelity.mapped("Task", "Duration", "duration", row.subject)
        reorder(task)


def follow_project_calendar(
    document: dict[str, Any], fidelity: Fidelity, task_ids: set[str]
) -> bool:
    """Give tasks whose resources never work at the same time the project calendar.

    MS Project schedules each assignment on its own resource's calendar; Plansmith schedules a
    task when all its resources can work. Where those calendars never overlap (a day shift and
    a night shift), the closest plan is the task on the project calendar."""
    calendar = document.get("project", {}).get("calendar")
    changed = False
    for task in walk(document.get("tasks", [])):
        if task["id"] in task_ids and "calendar" not in task and calendar:
            task["calendar"] = calendar
            reorder(task)
            changed = True
            fidelity.approximated(
                "Assignment",
                "ResourceUID",
                "resources whose calendars never overlap: MS "
                "Project schedules each on its own calendar; the task follows the project "
                "calendar",
                f"{task['name']} ({task['id']})",
            )
    return changed


def walk(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for task in tasks:
        found.append(task)
        found.extend(walk(task.get("children", [])))
    return found


def first_minute(calendar: dict[str, Any] | None, day: str) -> int:
    """The first working minute of a weekday on a plan calendar (the built-in one if None)."""
    if calendar is None:
        ranges = standard_week().days[WEEKDAYS.index(day)]
        return ranges[0][0] if ranges else 24 * 60
    if "week" in calendar:
        hours = calendar["week"].get(day, [])
    else:
        hours = calendar["hours"] if day in calendar["workdays"] else []
    if not hours:
        return 24 * 60
    first = min(hours)
    return int(first[:2]) * 60 + int(first[3:5])


def find(tasks: list[dict[str, Any]], task_id: str) -> dict[str, Any] | None:
    for task in tasks:
        if task["id"] == task_id:
            return task
        found = find(task.get("children", []), task_id)
        if found is not None:
            return found
    return None


def reorder(task: dict[str, Any]) -> None:
    """Links and assignments last, as a person writes a task."""
    for key in ("after", "depends", "assign"):
        if key in task:
            task[key] = task.pop(key)
