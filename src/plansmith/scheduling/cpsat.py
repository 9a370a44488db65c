"""Optimal leveling with OR-Tools CP-SAT: one interval per task, a cumulative per resource.

Imported lazily (the core must not need OR-Tools to schedule). The model is built on the
leveling model's working-time axis, exact for plans whose tasks share one calendar; the best
fast-mode schedule is given as a hint, so the solver only ever improves on it, and the result
carries the solver's proven lower bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plansmith.scheduling.cpsat_calendar import priority_pairs, solve_calendars
from plansmith.scheduling.result import LevelStatus
from plansmith.scheduling.sgs import Placement
from plansmith.scheduling.space import WorkSpace

if TYPE_CHECKING:
    from plansmith.scheduling.leveling import LevelingModel


def solve_optimal(
    model: LevelingModel, hint: Placement, time_limit: float, within_float: bool
) -> tuple[Placement, LevelStatus, int]:
    """The best schedule CP-SAT finds from ``hint`` within ``time_limit`` seconds, its status and
    the proven lower bound on the makespan (on the model's axis)."""
    from ortools.sat.python import cp_model

    problem = model.problem
    space = problem.space
    if within_float:
        # Overbooking is allowed where float runs out: not a cumulative model; keep fast's.
        return hint, LevelStatus.FEASIBLE, model.lower_bound
    if not isinstance(space, WorkSpace):
        return _solve_on_calendars(model, hint, time_limit)
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
    for first, then in priority_pairs(model):
        cp.add(starts[first] <= starts[then])
    makespan = cp.new_int_var(model.lower_bound, horizon, "makespan")
    for j in range(task_count):
        cp.add(makespan >= starts[j] + durations[j])
    cp.minimize(makespan)
    for j in range(n):
        cp.add_hint(starts[j], hint.position[j])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 0
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, LevelStatus.TIMEOUT, model.lower_bound
    bound = int(solver.best_objective_bound)
    position = [int(solver.value(s)) for s in starts]
    spans = [space.span(j, position[j]) for j in range(n)]
    found = Placement(position, [a for a, _ in spans], [b for _, b in spans])
    if max(found.finish[:task_count]) > max(hint.finish[:task_count]):
        found = hint
    verdict = LevelStatus.OPTIMAL if status == cp_model.OPTIMAL else LevelStatus.FEASIBLE
    return found, verdict, bound


def _solve_on_calendars(
    model: LevelingModel, hint: Placement, time_limit: float
) -> tuple[Placement, LevelStatus, int]:
    from plansmith.scheduling.leveling import placement_of

    task_count = model.task_count
    hinted = max(hint.finish[:task_count])
    solved = solve_calendars(model, hint.position, hinted, time_limit)
    if solved is None:
        return hint, LevelStatus.TIMEOUT, model.lower_bound
    positions, proven, bound = solved
    found = placement_of(model, positions)
    finish = max(found.finish[:task_count])
    if finish > hinted:
        return hint, LevelStatus.FEASIBLE, bound
    # A milestone after a lag can end the plan later than any task, which the model does not
    # minimise: then the proof does not cover the plan's finish.
    tasks_end = max(found.finish[j] for j in range(task_count) if not model.passes.net.instant[j])
    verdict = LevelStatus.OPTIMAL if proven and finish == tasks_end else LevelStatus.FEASIBLE
    return found, verdict, min(bound, finish)
