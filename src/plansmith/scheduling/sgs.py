"""Schedule generation schemes: turn a priority order into a resource-feasible schedule.

- serial forward: take nodes in list order, place each at its earliest position where links
  and resources allow (every schedule in the "active" set is reachable this way);
- serial backward: the mirror image, placing each as late as possible before a horizon, used for
  forward-backward improvement (justification);
- parallel forward: advance a clock and start, in priority order, whatever fits now (non-delay
  schedules, strong on large, tightly loaded plans).

Every generator only ever delays a node to get past an overbooked stretch, so links are honoured
by construction; capacity is checked on the space's common axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from heapq import heapify, heappop, heappush

from plansmith.scheduling.profile import GridProfile, ResourceProfile
from plansmith.scheduling.space import TimeSpace

Demand = tuple[tuple[int, int], ...]  # (resource index, milli-units)
Profile = ResourceProfile | GridProfile


@dataclass(frozen=True, slots=True)
class Placement:
    position: list[int]
    start: list[int]
    finish: list[int]

    @property
    def makespan(self) -> int:
        return max(self.finish) if self.finish else 0


@dataclass(frozen=True, slots=True)
class LevelingProblem:
    """The nodes to place, what they use, and what is pinned already."""

    space: TimeSpace
    node_count: int
    order: tuple[int, ...]  # a topological order of the nodes to place
    demands: tuple[Demand, ...]
    capacities: tuple[int, ...]
    pinned: tuple[int | None, ...]  # positions that never move (work already started)
    # With "level within float": no node moves past these positions; where resources do not
    # allow it in time the node stays at its earliest position, overbooked, and is reported.
    latest: tuple[int, ...] | None = None

    # With a grid cell, positions and spans are multiples of it and never negative (a working-time
    # axis): profiles are then arrays of cells, much faster to query.
    cell: int | None = None

    def empty_profiles(self) -> list[Profile]:
        if self.cell is not None:
            return [GridProfile(c, self.cell) for c in self.capacities]
        return [ResourceProfile(c) for c in self.capacities]


def _fits(profiles: list[Profile], demand: Demand, a: int, b: int) -> tuple[int, int] | None:
    for r, units in demand:
        conflict = profiles[r].first_conflict(a, b, units)
        if conflict is not None:
            return conflict
    return None


def _book(profiles: list[Profile], demand: Demand, a: int, b: int) -> None:
    for r, units in demand:
        profiles[r].add(a, b, units)


def _prebook(
    problem: LevelingProblem, start: list[int], finish: list[int], position: list[int]
) -> list[Profile]:
    profiles = problem.empty_profiles()
    for j, pinned in enumerate(problem.pinned):
        if pinned is not None:
            position[j] = pinned
            start[j], finish[j] = problem.space.span(j, pinned)
            _book(profiles, problem.demands[j], start[j], finish[j])
    return profiles


def serial_forward(problem: LevelingProblem, sequence: Sequence[int]) -> Placement:
    space = problem.space
    n = problem.node_count
    position, start, finish = [0] * n, [0] * n, [0] * n
    profiles = _prebook(problem, start, finish, position)
    demands, pinned, latest = problem.demands, problem.pinned, problem.latest
    for j in sequence:
        if pinned[j] is not None:
            continue
        p = space.earliest(j, start, finish)
        a, b = space.span(j, p)
        demand = demands[j]
        if demand and a < b:
            first = p
            conflict = _fits(profiles, demand, a, b)
            while conflict is not None:
                p = max(p, space.starting_at_or_after(j, conflict[1]))
                if latest is not None and p > latest[j]:
                    p = first  # cannot be resolved within float: stay put, overbooked
                    break
                a, b = space.span(j, p)
                conflict = _fits(profiles, demand, a, b)
            a, b = space.span(j, p)
            _book(profiles, demand, a, b)
        position[j], start[j], finish[j] = p, a, b
    return Placement(position, start, finish)


def serial_backward(problem: LevelingProblem, sequence: Sequence[int], horizon: int) -> Placement:
    """Place nodes (successors first) as late as possible, finishing by ``horizon``."""
    space = problem.space
    n = problem.node_count
    position, start, finish = [0] * n, [0] * n, [0] * n
    profiles = _prebook(problem, start, finish, position)
    demands, pinned = problem.demands, problem.pinned
    for j in sequence:
        if pinned[j] is not None:
            continue
        p = space.latest(j, start, finish, horizon)
        a, b = space.span(j, p)
        demand = demands[j]
        if demand and a < b:
            conflict = _last_conflict(profiles, demand, a, b)
            while conflict is not None:
                p = min(p, space.finishing_at_or_before(j, conflict[0]))
                a, b = space.span(j, p)
                conflict = _last_conflict(profiles, demand, a, b)
            _book(profiles, demand, a, b)
        position[j], start[j], finish[j] = p, a, b
    return Placement(position, start, finish)


def _last_conflict(
    profiles: list[Profile], demand: Demand, a: int, b: int
) -> tuple[int, int] | None:
    worst: tuple[int, int] | None = None
    for r, units in demand:
        conflict = profiles[r].last_conflict(a, b, units)
        if conflict is not None and (worst is None or conflict[0] < worst[0]):
            worst = conflict
    return worst


def parallel_forward(
    problem: LevelingProblem,
    rank: Sequence[float],
    predecessors: Sequence[Sequence[int]],
    successors: Sequence[Sequence[int]],
) -> Placement:
    """Non-delay schedule: at each decision time, start the best-ranked (lowest ``rank``) eligible
    nodes that fit, then move the clock to the next release or finish.

    A node's earliest position is final once all its predecessors are placed, so it is worked
    out once, when the node becomes eligible."""
    space = problem.space
    n = problem.node_count
    position, start, finish = [0] * n, [0] * n, [0] * n
    profiles = _prebook(problem, start, finish, position)
    demands, pinned = problem.demands, problem.pinned
    waiting = [len(predecessors[j]) for j in range(n)]
    to_place = set(problem.order)
    earliest: dict[int, int] = {}
    first: dict[int, int] = {}

    def make_eligible(j: int) -> None:
        earliest[j] = space.earliest(j, start, finish)
        first[j] = space.span(j, earliest[j])[0]

    def release(j: int) -> None:
        to_place.discard(j)
        for s in successors[j]:
            waiting[s] -= 1
            if waiting[s] == 0 and s in to_place:
                make_eligible(s)

    for j in problem.order:
        if pinned[j] is not None:
            release(j)
    for j in problem.order:
        if waiting[j] == 0 and j in to_place and j not in earliest:
            make_eligible(j)
    clock: int | None = None
    # Finish times of placed nodes, a heap: the moments resources come free.
    running = [finish[j] for j in range(n) if pinned[j] is not None]
    heapify(running)
    while earliest:
        now = min(first.values())
        clock = now if clock is None else max(clock, now)
        progress = True
        while progress:  # placing a node may make others eligible at this same time
            progress = False
            for j in sorted((j for j in earliest if first[j] <= clock), key=rank.__getitem__):
                p = max(earliest[j], space.starting_at_or_after(j, clock))
                a, b = space.span(j, p)
                demand = demands[j]
                if demand and a < b:
                    if _fits(profiles, demand, a, b) is not None:
                        continue
                    _book(profiles, demand, a, b)
                position[j], start[j], finish[j] = p, a, b
                heappush(running, b)
                del earliest[j], first[j]
                release(j)
                progress = True
        if not earliest:
            break
        while running and running[0] <= clock:
            heappop(running)
        later = [t for t in first.values() if t > clock]
        if running:
            later.append(running[0])
        clock = min(later)
    return Placement(position, start, finish)
