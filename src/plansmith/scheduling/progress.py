"""The plan as it stands at its status date: what is done is fact, what remains comes after.

Progress is folded into the tasks before scheduling, so every engine (critical path, leveling,
simulation) reschedules the same way without knowing about progress:

- a finished task keeps its actual start and lasts exactly the working time it took;
- a started task keeps its actual start; the work done so far is the working time up to the
  status date, and its remaining work (given, or its duration times the share not complete)
  follows from the status date on;
- a task not started cannot start before the status date.

The status date is a day: progress is as of the end of it, so remaining work starts at the next
working minute after it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

from plansmith.domain.diagnostics import Diagnostic, warning
from plansmith.domain.model import Project, Task
from plansmith.domain.risk import ThreePoint
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.constraints import offset
from plansmith.scheduling.timeline import Timeline


def status_instant(project: Project) -> datetime | None:
    """The end of the status date: where remaining work may begin."""
    day = project.status_date
    return None if day is None else datetime(day.year, day.month, day.day) + timedelta(days=1)


def progressed(project: Project) -> tuple[Project, list[Diagnostic]]:
    """``project`` with progress folded into durations and constraints (unchanged when it has no
    status date and no actual dates)."""
    tasks = project.tasks
    status = status_instant(project)
    if status is None and not any(t.actual_start or t.actual_finish for t in tasks):
        return project, []
    book = CalendarBook(project)
    diagnostics: list[Diagnostic] = []
    out: list[Task] = []
    for task in tasks:
        timeline = None if task.is_summary else book.task_timeline(task)
        if timeline is None:
            out.append(task)
            continue
        for label, instant in (
            ("actual_start", task.actual_start),
            ("actual_finish", task.actual_finish),
        ):
            if status is None or instant is None:
                continue
            # A start at the end of the status date (the next day's 00:00) is after it too.
            if instant >= status if label == "actual_start" else instant > status:
                diagnostics.append(
                    warning(
                        "actual_after_status_date",
                        f"task '{task.id}' has {label} {_as_written(label, instant)}, after "
                        f"the status date {project.status_date}",
                        f"task:{task.id}",
                        (*task.origin, label),
                    )
                )
        out.append(_progressed_task(project, task, timeline, status))
    return replace(project, tasks=tuple(out)), diagnostics


def _progressed_task(
    project: Project, task: Task, timeline: Timeline, status: datetime | None
) -> Task:
    origin = project.origin_datetime
    if task.is_milestone:
        if task.actual_finish is not None:
            # A day given as the finish means the end of it: the end of its last working minute.
            at = timeline.finish_of(timeline.work_at(offset(origin, task.actual_finish) or 0))
            return replace(task, actual_start=origin + timedelta(minutes=at))
        if task.actual_start is not None:
            return task
        return _not_started(task, status)
    if task.actual_start is None:
        return _not_started(task, status)
    start = timeline.work_at(offset(origin, task.actual_start) or 0)
    if task.actual_finish is not None:
        finish = timeline.work_at(offset(origin, task.actual_finish) or 0)
        return replace(task, duration=max(0, finish - start), estimate=None)
    if status is None:
        return task
    done = max(0, timeline.work_at(offset(origin, status) or 0) - start)
    remaining = _remaining(task, done)
    estimate = task.estimate
    if estimate is not None and task.duration > 0:  # uncertainty is left only on what remains
        share = remaining / task.duration
        estimate = ThreePoint(
            done + estimate.optimistic * share,
            done + estimate.likely * share,
            done + estimate.pessimistic * share,
            estimate.distribution,
        )
    return replace(task, duration=done + remaining, estimate=estimate)


def _remaining(task: Task, done: int) -> int:
    """Working minutes left: as reported, else from the percent complete, else as planned."""
    if task.progress.remaining is not None:
        return task.progress.remaining
    if task.progress.complete is not None:
        return math.ceil(task.duration * (1 - task.progress.complete))
    return max(0, task.duration - done)


def _not_started(task: Task, status: datetime | None) -> Task:
    if status is None:
        return task
    earliest = task.start_no_earlier_than
    if earliest is None or earliest < status:
        earliest = status
    return replace(task, start_no_earlier_than=earliest)


def _as_written(label: str, instant: datetime) -> str:
    """A finish given as a day is kept as the end of it (the next midnight): show the day."""
    if label == "actual_finish" and instant.hour == instant.minute == 0:
        return f"{instant - timedelta(days=1):%Y-%m-%d}"
    return f"{instant:%Y-%m-%d %H:%M}"
