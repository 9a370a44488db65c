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
    return int((instant - origin).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class NodeBounds:
    """Per network node (gates have none): bounds the passes apply, inherited ones included."""

    earliest_start: list[int | None]
    latest_start: list[int | None]
    latest_finish: list[int | None]
    actual_start: list[int | None]  # work already started there: the node never moves


def node_bounds(project: Project, network: Network) -> NodeBounds:
    origin = project.origin_datetime
    index = {task.id: j for j, task in enumerate(project.tasks)}
    count = len(network.node_task)
    earliest: list[int | None] = [None] * count
    latest_start: list[int | None] = [None] * count
    latest_finish: list[int | None] = [None] * count
    actual: list[int | None] = [None] * count
    for j, task in enumerate(project.tasks):
        actual[j] = offset(origin, task.actual_start)
        if task.is_summary:
            continue
        tl = network.timelines[j]
        starts: list[int] = []
        finishes: list[int] = []
        node: Task | None = task
        while node is not None:
            starts += [
                tl.next_start(b)
                for b in (
                    offset(origin, node.start_no_earlier_than),
                    offset(origin, node.must_start_on),
                )
                if b is not None
            ]
            finishes += [
                b
                for b in (offset(origin, node.finish_no_later_than), offset(origin, node.deadline))
                if b is not None
            ]
            node = project.tasks[index[node.parent]] if node.parent is not None else None
        must = offset(origin, task.must_start_on)
        earliest[j] = max(starts) if starts else None
        latest_start[j] = tl.next_start(must) if must is not None else None
        latest_finish[j] = min(finishes) if finishes else None
    return NodeBounds(earliest, latest_start, latest_finish, actual)


def constraint_diagnostics(
    project: Project, network: Network, start: list[int], finish: list[int]
) -> list[Diagnostic]:
    """Warnings for constraints that are contradictory or not met by the scheduled dates.

    ``start`` and ``finish`` are per task (summaries rolled up) in minutes from the origin.
    """
    origin = project.origin_datetime
    out: list[Diagnostic] = []
    for j, task in enumerate(project.tasks):
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
