"""Which calendar each task works on, compiled once per distinct calendar.

The rule (docs/plan-format.md): a task's own ``calendar`` if set, or its nearest summary's; else the
intersection of its assigned resources' calendars (each with the resource's vacations removed), so
the task works only when all of them can; else the project calendar. Global holidays are removed
from every calendar.
"""

from __future__ import annotations

from plansmith.domain.calendar import Calendar, intersect
from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.model import Project, Task
from plansmith.scheduling.timeline import HorizonExceededError, Timeline


class CalendarBook:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.diagnostics: list[Diagnostic] = []
        global_days = [day for holiday in project.holidays for day in holiday.days()]
        self._calendars = {
            cid: calendar.without(global_days) for cid, calendar in project.calendars.items()
        }
        self._resources = {resource.id: resource for resource in project.resources}
        self._tasks = {task.id: task for task in project.tasks}
        self._intersections: dict[tuple[str, ...], Calendar | None] = {}
        self._resource_calendars: dict[str, Calendar | None] = {}
        self._timelines: dict[tuple[object, frozenset[object]], Timeline | None] = {}
        self.project_calendar = self._calendars.get(project.calendar)
        if self.project_calendar is None:
            self.diagnostics.append(
                error(
                    "unknown_calendar",
                    f"project calendar '{project.calendar}' is not defined under calendars",
                    "project",
                    ("project", "calendar"),
                )
            )

    def timeline(self, calendar: Calendar) -> Timeline | None:
        """The compiled calendar, or None (with a diagnostic) if it has no working time.

        Calendars with the same working time share one timeline, whatever their ids."""
        key = (calendar.week, calendar.holidays)
        if key not in self._timelines:
            try:
                self._timelines[key] = Timeline(calendar, self.project.start)
            except HorizonExceededError as exc:
                self._timelines[key] = None
                self.diagnostics.append(
                    error(
                        "calendar_no_working_time",
                        str(exc),
                        f"calendar:{calendar.id}",
                        _calendar_path(calendar.id),
                    )
                )
        return self._timelines[key]

    def _own_calendar(self, task: Task) -> str | None:
        """The task's calendar, or the nearest enclosing summary's: a phase can set it for all."""
        node: Task | None = task
        while node is not None:
            if node.calendar is not None:
                return node.calendar
            node = self._tasks[node.parent] if node.parent is not None else None
        return None

    def resource_calendar(self, resource_id: str) -> Calendar | None:
        if resource_id not in self._resource_calendars:
            resource = self._resources[resource_id]
            base_id = resource.calendar or self.project.calendar
            base = self._calendars.get(base_id)
            if base is None:
                self.diagnostics.append(
                    error(
                        "unknown_calendar",
                        f"resource '{resource_id}' uses calendar '{base_id}', which is not defined",
                        f"resource:{resource_id}",
                        (*resource.origin, "calendar"),
                    )
                )
                self._resource_calendars[resource_id] = None
            else:
                days = [day for vacation in resource.vacations for day in vacation.days()]
                own = Calendar(f"resource:{resource_id}", base.week, base.holidays, resource.name)
                self._resource_calendars[resource_id] = own.without(days)
        return self._resource_calendars[resource_id]

    def task_calendar(self, task: Task) -> Calendar | None:
        own = self._own_calendar(task)
        if own is not None:
            calendar = self._calendars.get(own)
            if calendar is None:
                self.diagnostics.append(
                    error(
                        "unknown_calendar",
                        f"task '{task.id}' uses calendar '{own}', which is not defined",
                        f"task:{task.id}",
                        (*task.origin, "calendar"),
                    )
                )
            return calendar
        known = [a.resource for a in task.assignments if a.resource in self._resources]
        if not known:
            return self.project_calendar
        resource_ids = tuple(sorted(set(known)))
        if resource_ids not in self._intersections:
            parts = [self.resource_calendar(rid) for rid in resource_ids]
            self._intersections[resource_ids] = (
                None
                if any(part is None for part in parts)
                else intersect(
                    [p for p in parts if p is not None], "resources:" + "+".join(resource_ids)
                )
            )
        combined = self._intersections[resource_ids]
        if combined is None:
            return None
        if combined.week.minutes_per_week == 0:
            self.diagnostics.append(
                error(
                    "no_common_working_time",
                    f"task '{task.id}': resources {', '.join(resource_ids)} never work at the "
                    "same time",
                    f"task:{task.id}",
                    (*task.origin, "assign"),
                )
            )
            return None
        return combined


def _calendar_path(calendar_id: str) -> tuple[str, ...]:
    """Where a calendar was defined; compiled ones (a resource's, an intersection) point at the
    holidays, the usual way a calendar loses all its working time."""
    if ":" in calendar_id:
        return ("holidays",)
    return ("calendars", calendar_id)
