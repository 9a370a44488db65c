"""Optimal leveling with OR-Tools CP-SAT: one interval per task, a cumulative per resource.

Imported lazily (the core must not need OR-Tools to schedule). When every task shares one
calendar the model is on working time, where a task is an interval of fixed length; otherwise
:mod:`plansmith.scheduling.cpsat_calendar` builds the exact calendar model. The best fast-mode
schedule is the hint, so the solver only ever improves on it; the result carries the proven lower
bound, and is compacted afterwards (CP-SAT minimises only the finish, so tasks off the critical
chain may sit later than they need to).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from plansmith.scheduling.cpsat_calendar import priority_pairs, solve_calendars, solve_model
from plansmith.scheduling.priorities import activity_list, ranks
from plansmith.scheduling.result import LevelStatus
from plansmith.scheduling.sgs import Placement, serial_forward
from plansmith.scheduling.space import WorkSpace

if TYPE_CHECKING:
    from plansmith.scheduling.leveling import LevelingModel


def solve_optimal(
    model: LevelingModel, hint: Placement, time_limit: float, within_float: bool
) -> tuple[Placement, LevelStatus, int]:
    """The best schedule CP-SAT finds from ``hint`` within ``time_limit`` seconds, its status and
    the proven lower bound on the makespan (on the model's axis)."""
    if within_float:
        # Overbooking is allowed where float runs out: not a cumulative model; keep fast's.
        return hint, LevelStatus.FEASIBLE, model.lower_bound
    began = time.perf_counter()
    pairs = priority_pairs(model)
    solved = _solve(model, hint, time_limit, pairs)
    if solved is None and pairs:
        # The priority order contradicts links or started work: solve for the finish alone.
        remaining = max(0.1, time_limit - (time.perf_counter() - began))
        solved = _solve(model, hint, remaining, [])
    if solved is None:
        return hint, LevelStatus.TIMEOUT, model.lower_bound
    found, proven, bound = solved
    n = model.task_count
    if max(found.finish[:n]) > max(hint.finish[:n]):
        return hint, LevelStatus.FEASIBLE, bound
    found = compact(model, found)
    return found, LevelStatus.OPTIMAL if proven else LevelStatus.FEASIBLE, bound


def compact(model: LevelingModel, placement: Placement) -> Placement:
    """The serial scheme over the placement's start order: no task starts later, most start
    sooner (the finish never grows), and a higher priority is still placed first."""
    order = model.problem.order
    rank = ranks(placement.start, model.priority) if model.uses_priorities else placement.start
    compacted = serial_forward(
        model.problem, activity_list(order, model.predecessors, model.successors, rank)
    )
    n = model.task_count
    return compacted if max(compacted.finish[:n]) <= max(placement.finish[:n]) else placement


def _solve(
    model: LevelingModel, hint: Placement, time_limit: float, pairs: list[tuple[int, int]]
) -> tuple[Placement, bool, int] | None:
    if isinstance(model.problem.space, WorkSpace):
        return _solve_working_time(model, hint, time_limit, pairs)
    from plansmith.scheduling.leveling import placement_of

    hinted = max(hint.finish[: model.task_count])
    solved = solve_calendars(model, hint.position, hinted, time_limit, pairs)
    if solved is None:
        return None
    positions, proven, bound = solved
    found = placement_of(model, positions)
    # A milestone after a lag can end the plan later than any task, which the model does not
    # minimise: then the proof does not cover the plan's finish.
    net = model.passes.net
    tasks_end = max(found.finish[j] for j in range(model.task_count) if not net.instant[j])
    finish = max(found.finish[: model.task_count])
    return found, proven and finish == tasks_end, min(bound, finish)


def _solve_working_time(
    model: LevelingModel, hint: Placement, time_limit: float, pairs: list[tuple[int, int]]
) -> tuple[Placement, bool, int] | None:
    from ortools.sat.python import cp_model

    problem = model.problem
    space = problem.space
    assert isinstance(space, WorkSpace)
    net = model.passes.net
    n = problem.node_count
    task_count = model.task_count
    durations = net.duration
    horizon = max(hint.finish[:task_count])
    cp = cp_model.CpModel()
    early = [
        model.passes.es_w[j] if not net.instant[j] else space.from_wall(model.passes.es[j])
        for j in range(n)
    ]
    starts = []
    for j in range(n):
        lo = min(early[j], hint.position[j])
        starts.append(cp.new_int_var(lo, max(horizon - durations[j], hint.position[j]), f"s{j}"))
    for e in net.edges:
        if problem.pinned[e.succ] is not None:
            continue  # work already started: its links no longer move it
        pred = starts[e.pred] + (durations[e.pred] if e.pred_finish else 0)
        succ = starts[e.succ] + (durations[e.succ] if e.succ_finish else 0)
        cp.add(succ >= pred + e.lag)
    for j in range(task_count):
        pinned = problem.pinned[j]
        cp.add(starts[j] == pinned if pinned is not None else starts[j] >= space.release(j))
    by_resource: list[list[tuple[Any, int]]] = [[] for _ in problem.capacities]
    for j, demand in enumerate(problem.demands):
        if demand and durations[j] > 0:
            interval = cp.new_fixed_size_interval_var(starts[j], durations[j], f"i{j}")
            for r, units in demand:
                by_resource[r].append((interval, units))
    for r, items in enumerate(by_resource):
        if items:
            cp.add_cumulative([i for i, _ in items], [u for _, u in items], problem.capacities[r])
    for higher, lower in pairs:
        cp.add(starts[higher] <= starts[lower])
    makespan = cp.new_int_var(model.lower_bound, horizon, "makespan")
    for j in range(task_count):
        cp.add(makespan >= starts[j] + durations[j])
    cp.minimize(makespan)
    for j in range(n):
        cp.add_hint(starts[j], hint.position[j])
    solver, status = solve_model(cp, time_limit)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    position = [int(solver.value(s)) for s in starts]
    spans = [space.span(j, position[j]) for j in range(n)]
    found = Placement(position, [a for a, _ in spans], [b for _, b in spans])
    return found, status == cp_model.OPTIMAL, int(solver.best_objective_bound)
