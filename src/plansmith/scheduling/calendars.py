"""Which calendar each task works on, compiled once per distinct working time.

The rule (docs/plan-format.md): a task's own ``calendar`` if set, or its nearest summary's; else the
intersection of its assigned resources' calendars (each with the resource's vacations removed), so
the task works only when all of them can; else the project calendar. Global holidays are removed
from every calendar.

Plans with many resources have hundreds of such calendars (one per resource, one per pair of
resources working together) that differ only in the days they remove; they are made as
:class:`WorkingTime` values (removed days as NumPy arrays, unions instead of sets of dates) and
compiled against each week pattern's shared layout (:class:`WeekLayouts`). Work weeks and working
days (dated overrides) carry over to every resource on a calendar and intersect day by day.
"""

from __future__ import annotations

import numpy as np

from plansmith.domain.calendar import WeekPattern, intersect_weeks
from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.model import Project, Resource, Task
from plansmith.scheduling.timeline import (
    HorizonExceededError,
    Timeline,
    WeekLayouts,
    WorkingKey,
    WorkingTime,
    union,
)
from plansmith.scheduling.timeline_overrides import intersect_overrides


class CalendarBook:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.diagnostics: list[Diagnostic] = []
        self._origin = project.start
        self._layouts = WeekLayouts(project.start)
        global_days = [day for holiday in project.holidays for day in holiday.days()]
        self._calendars = {
            cid: WorkingTime.of(calendar.without(global_days), project.start)
            for cid, calendar in project.calendars.items()
        }
        self._resources = {resource.id: resource for resource in project.resources}
        self._tasks = {task.id: task for task in project.tasks}
        self._inherited: dict[str, str | None] = {}
        self._resource_times: dict[str, WorkingTime | None] = {}
        # per set of resources: their timeline (None if there is none), and whether they never
        # work at the same time
        self._intersections: dict[tuple[str, ...], tuple[Timeline | None, bool]] = {}
        self._assigned: dict[tuple[str, ...], tuple[Timeline | None, bool, tuple[str, ...]]] = {}
        self._weeks: dict[tuple[WeekPattern, WeekPattern], WeekPattern] = {}
        self._timelines: dict[WorkingKey, Timeline | None] = {}
        self._compiled: dict[WorkingTime, Timeline | None] = {}  # by identity
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

    def timeline(self, working: WorkingTime) -> Timeline | None:
        """The compiled calendar, or None (with a diagnostic) if it has no working time.

        Calendars with the same working time share one timeline, whatever their ids."""
        if working in self._compiled:
            return self._compiled[working]
        key = working.key
        if key not in self._timelines:
            try:
                self._timelines[key] = Timeline(working, self._origin, self._layouts)
            except HorizonExceededError as exc:
                self._timelines[key] = None
                self.diagnostics.append(
                    error(
                        "calendar_no_working_time",
                        str(exc),
                        f"calendar:{working.id}",
                        _calendar_path(working.id),
                    )
                )
        self._compiled[working] = self._timelines[key]
        return self._timelines[key]

    def project_timeline(self) -> Timeline | None:
        return self.timeline(self.project_calendar) if self.project_calendar is not None else None

    def _own_calendar(self, task: Task) -> str | None:
        """The task's calendar, or the nearest enclosing summary's: a phase can set it for all."""
        if task.calendar is not None or task.parent is None:
            return task.calendar
        if task.parent not in self._inherited:
            self._inherited[task.parent] = self._own_calendar(self._tasks[task.parent])
        return self._inherited[task.parent]

    def resource_calendar(self, resource_id: str) -> WorkingTime | None:
        if resource_id not in self._resource_times:
            self._resource_times[resource_id] = self._resource_time(self._resources[resource_id])
        return self._resource_times[resource_id]

    def _resource_time(self, resource: Resource) -> WorkingTime | None:
        base_id = resource.calendar or self.project.calendar
        base = self._calendars.get(base_id)
        if base is None:
            self.diagnostics.append(
                error(
                    "unknown_calendar",
                    f"resource '{resource.id}' uses calendar '{base_id}', which is not defined",
                    f"resource:{resource.id}",
                    (*resource.origin, "calendar"),
                )
            )
            return None
        removed = base.removed
        if resource.vacations:
            first = self._origin.toordinal()
            away = [
                np.arange(v.first.toordinal() - first, v.last.toordinal() - first + 1)
                for v in resource.vacations
            ]
            removed = union(removed, np.concatenate(away))
        return WorkingTime(
            f"resource:{resource.id}", base.week, removed, resource.name, overrides=base.overrides
        )

    def task_timeline(self, task: Task) -> Timeline | None:
        """The timeline a (leaf) task works on, or None with a diagnostic saying why not."""
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
                return None
            return self.timeline(calendar)
        if not task.assignments:
            return self.project_timeline()
        written = tuple([a.resource for a in task.assignments])  # tasks share these: cache them
        found = self._assigned.get(written)
        if found is None:
            found = self._assigned[written] = self._resolve(written)
        timeline, never, resource_ids = found
        if never:
            self._never_meet(task, resource_ids)
        return timeline

    def _resolve(self, written: tuple[str, ...]) -> tuple[Timeline | None, bool, tuple[str, ...]]:
        """For resources as a task lists them: the timeline of those that exist (the project's
        if none does), whether they never work at the same time, and their sorted ids."""
        known = [rid for rid in written if rid in self._resources]
        if not known:
            return self.project_timeline(), False, ()
        resource_ids = tuple(sorted(set(known)))
        found = self._intersections.get(resource_ids)
        if found is None:
            combined, never = self._intersect(resource_ids)
            usable = combined is not None and not never
            found = (self.timeline(combined) if combined is not None and usable else None, never)
            self._intersections[resource_ids] = found
        return found[0], found[1], resource_ids

    def _never_meet(self, task: Task, resource_ids: tuple[str, ...]) -> None:
        self.diagnostics.append(
            error(
                "no_common_working_time",
                f"task '{task.id}': resources {', '.join(resource_ids)} never work at the "
                "same time",
                f"task:{task.id}",
                (*task.origin, "assign"),
            )
        )

    def _intersect(self, resource_ids: tuple[str, ...]) -> tuple[WorkingTime | None, bool]:
        """The working time common to the resources, and whether their weeks never meet."""
        parts = [self.resource_calendar(rid) for rid in resource_ids]
        known = [p for p in parts if p is not None]
        if len(known) < len(parts):
            return None, False
        if len(known) == 1:
            combined = known[0]
        else:
            week, removed = known[0].week, known[0].removed
            for other in known[1:]:
                week = self._intersect_weeks(week, other.week)
                removed = union(removed, other.removed)
            new_id = "resources:" + "+".join(resource_ids)
            overrides = None
            if any(part.overrides is not None for part in known):  # dated ranges, day by day
                sides = [(part.week, part.overrides) for part in known]
                overrides = intersect_overrides(sides, week, removed, self._origin)
            combined = WorkingTime(new_id, week, removed, new_id, overrides=overrides)
        return combined, combined.week.minutes_per_week == 0

    def _intersect_weeks(self, a: WeekPattern, b: WeekPattern) -> WeekPattern:
        if (a, b) not in self._weeks:
            self._weeks[a, b] = intersect_weeks(a, b)
        return self._weeks[a, b]


def _calendar_path(calendar_id: str) -> tuple[str, ...]:
    """Where a calendar was defined; compiled ones (a resource's, an intersection) point at the
    holidays, the usual way a calendar loses all its working time."""
    if ":" in calendar_id:
        return ("holidays",)
    return ("calendars", calendar_id)
