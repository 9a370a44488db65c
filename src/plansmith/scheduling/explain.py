"""Why a task moved, and how loaded each resource is.

Explanations are read off the final schedule, not recorded during the search, so they are always
true of the dates the user sees: a task that starts later than its unconstrained early start was
held either by a predecessor that itself moved, or by resources that would have been overbooked,
over named dates, by named tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from plansmith.domain.model import Project
from plansmith.scheduling.cpm import CpmPasses
from plansmith.scheduling.profile import MILLI
from plansmith.scheduling.rules import LinkRules
from plansmith.scheduling.sgs import Demand, LevelingProblem


@dataclass(frozen=True, slots=True)
class DelayReason:
    kind: str  # "resource" or "predecessor"
    start: int  # minutes from the origin
    end: int
    resource: str | None = None
    held_by: tuple[str, ...] = ()
    predecessor: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceLoad:
    resource: str
    name: str
    capacity: float
    segments: tuple[tuple[int, int, float], ...]  # (from, to, units in use)

    @property
    def peak(self) -> float:
        return max((units for _, _, units in self.segments), default=0.0)

    @property
    def overloads(self) -> tuple[tuple[int, int, float], ...]:
        """(from, to, units above capacity)."""
        return tuple(
            (a, b, round(units - self.capacity, 3))
            for a, b, units in self.segments
            if units > self.capacity + 1e-9
        )


def _usage(
    demands: Sequence[Demand], start: Sequence[int], finish: Sequence[int], resources: int
) -> list[list[tuple[int, int, int, int]]]:
    """Per resource: (from, to, milli-units, node) of every booking, in wall-clock time."""
    out: list[list[tuple[int, int, int, int]]] = [[] for _ in range(resources)]
    for j, demand in enumerate(demands):
        for r, units in demand:
            if start[j] < finish[j]:
                out[r].append((start[j], finish[j], units, j))
    return out


def _segments(bookings: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int, int]]:
    """The step function of total use: (from, to, milli-units) where use is non-zero."""
    events: dict[int, int] = {}
    for a, b, units, _ in bookings:
        events[a] = events.get(a, 0) + units
        events[b] = events.get(b, 0) - units
    out: list[tuple[int, int, int]] = []
    level = 0
    times = sorted(events)
    for t0, t1 in pairwise(times):
        level += events[t0]
        if level:
            if out and out[-1][1] == t0 and out[-1][2] == level:
                out[-1] = (out[-1][0], t1, level)
            else:
                out.append((t0, t1, level))
    return out


def resource_loads(
    project: Project,
    demands: Sequence[Demand],
    start: Sequence[int],
    finish: Sequence[int],
) -> tuple[ResourceLoad, ...]:
    """Each resource's use over the given wall-clock dates."""
    usage = _usage(demands, start, finish, len(project.resources))
    return tuple(
        ResourceLoad(
            res.id,
            res.name,
            res.capacity,
            tuple((a, b, level / MILLI) for a, b, level in _segments(usage[r])),
        )
        for r, res in enumerate(project.resources)
    )


def delay_reasons(
    project: Project,
    passes: CpmPasses,
    problem: LevelingProblem,
    start: Sequence[int],
    finish: Sequence[int],
    rules: LinkRules,
) -> dict[str, tuple[DelayReason, ...]]:
    net = passes.net
    tasks = project.tasks
    usage = _usage(problem.demands, start, finish, len(project.resources))
    out: dict[str, tuple[DelayReason, ...]] = {}
    for j, task in enumerate(tasks):
        if task.is_summary or start[j] <= passes.es[j]:
            continue
        reasons: list[DelayReason] = []
        allowed = rules.dates(j, rules.earliest(j, start, finish))[0]
        if net.instant[j]:  # a milestone books nothing: only its predecessors can hold it
            allowed = start[j]
        if allowed > passes.es[j]:
            driver = _driving_task(j, start, finish, rules, len(tasks))
            if driver is not None:
                reasons.append(
                    DelayReason("predecessor", passes.es[j], allowed, predecessor=tasks[driver].id)
                )
        if start[j] > allowed:
            for r, units in problem.demands[j]:
                reasons.extend(_resource_reasons(project, r, units, usage[r], j, allowed, start[j]))
        out[task.id] = tuple(reasons)
    return out


def _resource_reasons(
    project: Project,
    r: int,
    units: int,
    bookings: Sequence[tuple[int, int, int, int]],
    j: int,
    lo: int,
    hi: int,
) -> list[DelayReason]:
    """Stretches of [lo, hi) where the others' use plus this task's would exceed capacity."""
    capacity = round(project.resources[r].capacity * MILLI)
    others = [b for b in bookings if b[3] != j and b[0] < hi and b[1] > lo]
    reasons: list[DelayReason] = []
    for x0, y0, level in _segments(others):
        a, b = max(x0, lo), min(y0, hi)
        if a >= b or level + units <= capacity:
            continue
        holders = sorted({project.tasks[n].id for x, y, _, n in others if x < b and y > a})
        last = reasons[-1] if reasons else None
        if last is not None and last.end == a:
            merged = tuple(sorted(set(last.held_by) | set(holders)))
            reasons[-1] = DelayReason("resource", last.start, b, last.resource, merged)
        else:
            reasons.append(DelayReason("resource", a, b, project.resources[r].id, tuple(holders)))
    return reasons


def _driving_task(
    j: int, start: Sequence[int], finish: Sequence[int], rules: LinkRules, task_count: int
) -> int | None:
    """The predecessor whose link sets ``j``'s earliest start (through gates to a task)."""
    net = rules.net
    best: tuple[int, int] | None = None
    for k in net.incoming[j]:
        e = net.edges[k]
        bound = rules.shift(finish[e.pred] if e.pred_finish else start[e.pred], e.lag)
        if best is None or bound > best[0]:
            best = (bound, e.pred)
    if best is None:
        return None
    pred = best[1]
    return pred if pred < task_count else _driving_task(pred, start, finish, rules, task_count)
