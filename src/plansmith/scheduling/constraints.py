"""Date constraints: what they allow the passes, and what to say when they are not met.

A constraint on a summary task applies to every task under it (a phase that may not start before
the budget is approved holds all of its work). Start constraints are snapped to the first working
minute on the task's calendar, so "must start on 2027-01-06" means 09:00 that day, not midnight.
Finish limits (``finish_no_later_than``, ``deadline``) only bound the late dates: a miss is a
warning and shows as negative float, never a moved task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from plansmith.domain.diagnostics import Diagnostic, warning
from plansmith.domain.model import Project, Task
from plansmith.scheduling.network import Network
from plansmith.scheduling.timeline import Timeline


def offset(origin: datetime, instant: datetime | None) -> int | None:
    """Minutes from the origin, or None."""
    if instant is None:
        return None
    return _minutes(origin, instant)


@dataclass(frozen=True, slots=True)
class NodeBounds:
    """Per network node (gates have none): bounds the passes apply, inherited ones included."""

    earliest_start: list[int | None]
    latest_start: list[int | None]
    latest_finish: list[int | None]
    actual_start: list[int | None]  # work already started there: the node never moves


def node_bounds(project: Project, network: Network) -> NodeBounds:
    origin = project.origin_datetime
    index = network.task_index
    count = len(network.node_task)
    earliest: list[int | None] = [None] * count
    latest_start: list[int | None] = [None] * count
    latest_finish: list[int | None] = [None] * count
    actual: list[int | None] = [None] * count
    # Per task, the raw start and finish bounds of the task and every summary above it (None
    # when there are none, as for most tasks); a child shares its parent's when it adds none.
    starts: list[tuple[int, ...] | None] = [None] * len(project.tasks)
    finishes: list[tuple[int, ...] | None] = [None] * len(project.tasks)
    for j, task in enumerate(project.tasks):
        if task.actual_start is not None:
            actual[j] = offset(origin, task.actual_start)
        if task.parent is not None:
            up = index[task.parent]
            starts[j], finishes[j] = starts[up], finishes[up]
        if task.start_no_earlier_than is not None or task.must_start_on is not None:
            starts[j] = _chain(origin, task.start_no_earlier_than, task.must_start_on, starts[j])
        if task.finish_no_later_than is not None or task.deadline is not None:
            finishes[j] = _chain(origin, task.finish_no_later_than, task.deadline, finishes[j])
        if task.is_summary:
            continue
        tl = network.timelines[j]
        start_bounds, finish_bounds = starts[j], finishes[j]
        if start_bounds is not None:
            earliest[j] = max(tl.next_start(b) for b in start_bounds)
        if finish_bounds is not None:
            latest_finish[j] = min(finish_bounds)
        if task.must_start_on is not None:
            latest_start[j] = tl.next_start(_minutes(origin, task.must_start_on))
    return NodeBounds(earliest, latest_start, latest_finish, actual)


def _has_constraints(task: Task) -> bool:
    return not (
        task.start_no_earlier_than is None
        and task.must_start_on is None
        and task.finish_no_later_than is None
        and task.deadline is None
    )


def _minutes(origin: datetime, instant: datetime) -> int:
    return int((instant - origin).total_seconds() // 60)


def _chain(
    origin: datetime,
    first: datetime | None,
    second: datetime | None,
    inherited: tuple[int, ...] | None,
) -> tuple[int, ...]:
    """A task's own two bounds (as minute offsets, in order) followed by those it inherits."""
    offsets = tuple(_minutes(origin, t) for t in (first, second) if t is not None)
    return offsets + inherited if inherited is not None else offsets


def constraint_diagnostics(
    project: Project, network: Network, start: list[int], finish: list[int]
) -> list[Diagnostic]:
    """Warnings for constraints that are contradictory or not met by the scheduled dates.

    ``start`` and ``finish`` are per task (summaries rolled up) in minutes from the origin.
    """
    origin = project.origin_datetime
    out: list[Diagnostic] = []
    for j, task in enumerate(project.tasks):
        if not _has_constraints(task):
            continue  # most tasks: nothing to check
        subject = f"task:{task.id}"
        tl = network.project_timeline if task.is_summary else network.timelines[j]
        snet = offset(origin, task.start_no_earlier_than)
        must = offset(origin, task.must_start_on)
        snet = tl.next_start(snet) if snet is not None else None
        must = tl.next_start(must) if must is not None else None
        limits = (
            ("finish_no_later_than", offset(origin, task.finish_no_later_than)),
            ("deadline", offset(origin, task.deadline)),
        )
        conflict = _conflict(
            task, tl, snet=snet, must=must, limits=limits, duration=network.duration[j]
        )
        if conflict:
            out.append(warning("conflicting_constraints", conflict, subject, task.origin))
            continue
        if must is not None and start[j] > must:
            out.append(
                warning(
                    "must_start_on_missed",
                    f"task '{task.id}' must start on {_fmt(origin, must)} but its predecessors "
                    f"let it start only on {_fmt(origin, start[j])}",
                    subject,
                    (*task.origin, "must_start_on"),
                )
            )
        for key, limit in limits:
            if limit is not None and finish[j] > limit:
                code = "deadline_missed" if key == "deadline" else "finish_no_later_than_missed"
                out.append(
                    warning(
                        code,
                        f"task '{task.id}' finishes {_fmt(origin, finish[j])}, after its "
                        f"{key.replace('_', ' ')} {_fmt_limit(origin, limit)}",
                        subject,
                        (*task.origin, key),
                    )
                )
    return out


def _conflict(
    task: Task,
    tl: Timeline,
    *,
    snet: int | None,
    must: int | None,
    limits: tuple[tuple[str, int | None], ...],
    duration: int,
) -> str:
    """A reason when a task's own constraints contradict each other, whatever its links."""
    if must is not None and snet is not None and snet > must:
        return f"task '{task.id}': start_no_earlier_than is after must_start_on"
    earliest = must if must is not None else snet
    if earliest is None:
        return ""
    first_finish = (
        earliest
        if task.is_milestone or task.is_summary
        else tl.finish_of(tl.work_at(earliest) + duration)
    )
    for key, limit in limits:
        if limit is not None and first_finish > limit:
            return (
                f"task '{task.id}' cannot meet its {key.replace('_', ' ')} when it starts no "
                "earlier than its start constraint"
            )
    return ""


def _fmt(origin: datetime, minutes: int) -> str:
    return (origin + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def _fmt_limit(origin: datetime, minutes: int) -> str:
    """A finish limit as the user wrote it: midnight is the end of the previous day."""
    instant = origin + timedelta(minutes=minutes)
    if instant.hour == 0 and instant.minute == 0:
        return f"{(instant - timedelta(days=1)).date().isoformat()} (end of day)"
    return instant.strftime("%Y-%m-%d %H:%M")
