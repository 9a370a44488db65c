"""Resource leveling: a schedule in which no resource is ever booked beyond its capacity.

``fast`` samples priority-rule schedules (serial and parallel generation, several rules, then
regret-based biased random sampling) and improves each by forward-backward justification, within
a time or schedule budget; ``optimal`` hands the best of those to CP-SAT as a hint (see
:mod:`plansmith.scheduling.cpsat`). Both keep every link, calendar and constraint of the
critical-path schedule, and both explain each delay (:mod:`plansmith.scheduling.explain`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from math import gcd

from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.model import Project
from plansmith.scheduling import heuristics
from plansmith.scheduling.assemble import Dates, assemble
from plansmith.scheduling.cpm import CpmPasses, run_cpm
from plansmith.scheduling.explain import DelayReason, ResourceLoad, delay_reasons, resource_loads
from plansmith.scheduling.heuristics import makespan
from plansmith.scheduling.network import Edge, Network
from plansmith.scheduling.priorities import (
    Rule,
    activity_list,
    count_total_successors,
    ranks,
    rule_values,
)
from plansmith.scheduling.profile import MILLI
from plansmith.scheduling.result import LevelStatus, ScheduleResult
from plansmith.scheduling.sgs import (
    Demand,
    LevelingProblem,
    Placement,
    serial_backward,
)
from plansmith.scheduling.space import CalendarSpace, TimeSpace, WorkSpace


class LevelMode(StrEnum):
    FAST = "fast"
    OPTIMAL = "optimal"


@dataclass(frozen=True)
class LevelingOptions:
    mode: LevelMode = LevelMode.FAST
    time_limit: float = 1.0
    schedules: int | None = None
    seed: int = 0
    within_float: bool = False
    one_core: bool = False  # the caller already uses both cores (a simulation's batches)
    explain: bool = True  # delay reasons and resource loads (a simulation needs neither)


@dataclass(frozen=True)
class LevelingResult:
    schedule: ScheduleResult
    status: LevelStatus
    mode: LevelMode
    unleveled_finish: int = 0
    lower_bound: int = 0
    schedules: int = 0
    seconds: float = 0.0
    delay_reasons: dict[str, tuple[DelayReason, ...]] = field(default_factory=dict)
    loads: tuple[ResourceLoad, ...] = ()

    @property
    def finish(self) -> int:
        return self.schedule.finish

    @property
    def gap(self) -> float | None:
        """(finish - lower bound) / finish, in working time from the project start."""
        span = self.schedule.finish - self.schedule.start
        if not self.schedule.ok or span <= 0:
            return None
        return max(0.0, (self.schedule.finish - self.lower_bound) / span)


@dataclass(frozen=True)
class LevelingModel:
    """Everything the search needs, built once per plan."""

    passes: CpmPasses
    problem: LevelingProblem
    predecessors: tuple[tuple[int, ...], ...]
    successors: tuple[tuple[int, ...], ...]
    task_count: int
    rule_ranks: dict[Rule, list[float]]
    late_position: list[int]  # unleveled late positions: the "within float" limit
    lower_bound: int  # on the space's axis
    priority: list[int]  # per node, the user's priority (a gate has its summary's)

    @property
    def uses_priorities(self) -> bool:
        """Whether tasks differ in priority: then every generator places higher ones first."""
        return len(set(self.priority)) > 1


def level_project(project: Project, options: LevelingOptions | None = None) -> LevelingResult:
    options = options or LevelingOptions()
    began = time.perf_counter()
    cpm, passes = run_cpm(project)
    if passes is None or not cpm.ok:
        return LevelingResult(cpm, LevelStatus.INVALID, options.mode)
    return _level(project, cpm, passes, options, began)


def level_variant(project: Project, network: Network, options: LevelingOptions) -> LevelingResult:
    """Level ``project`` on an already checked ``network`` of the same plan whose durations may
    differ (a simulation's iteration): the links, calendars and constraints are not rebuilt."""
    began = time.perf_counter()
    passes = CpmPasses(project, network, [])
    cpm = passes.run()
    return _level(project, cpm, passes, options, began)


def _level(
    project: Project,
    cpm: ScheduleResult,
    passes: CpmPasses,
    options: LevelingOptions,
    began: float,
) -> LevelingResult:
    model, problems = build_model(project, passes)
    if model is not None and options.within_float:
        limited = replace(model.problem, latest=tuple(model.late_position))
        model = replace(model, problem=limited)
    if model is None:
        invalid = ScheduleResult(
            cpm.status.INVALID, cpm.origin, (), (), (*cpm.diagnostics, *problems)
        )
        return LevelingResult(invalid, LevelStatus.INVALID, options.mode)
    optimal = options.mode is LevelMode.OPTIMAL
    # Optimal mode: a tenth of the time (0.2-2 s) finds the hint (see _search_optimally).
    hint_budget = min(2.0, max(0.2, options.time_limit / 10))
    best, count = heuristics.search_both_cores(
        model, replace(options, time_limit=hint_budget) if optimal else options, began
    )
    status = LevelStatus.FEASIBLE
    if optimal and makespan(best, model.task_count) > model.lower_bound:
        best, status, model, more = _search_optimally(model, best, options, began)
        count += more
    if model.lower_bound >= makespan(best, model.task_count):
        status = LevelStatus.OPTIMAL
    return _result(project, model, cpm, best, status, options, count, time.perf_counter() - began)


def _search_optimally(
    model: LevelingModel, hint: Placement, options: LevelingOptions, began: float
) -> tuple[Placement, LevelStatus, LevelingModel, int]:
    """Optimal mode after the hint: CP-SAT until a fifth of the limit; unless that proved the
    finish optimal, the genetic search seeded with CP-SAT's schedule until 60 % of it; then
    CP-SAT from the better of the two for the rest.

    Why three phases: small or loose plans are proven optimal by CP-SAT within a second, while
    on larger, tightly constrained ones (PSPLIB j120) the genetic search shortens the finish
    faster than CP-SAT's neighbourhood search does, and CP-SAT then improves on its result
    (measured in docs/benchmarks.md). Returns the schedule, its status, the model with the
    proven lower bound and the schedules the genetic search made."""
    from plansmith.scheduling.cpsat import solve_optimal

    limit, n = options.time_limit, model.task_count

    def until(share: float) -> float:
        return max(0.1, began + share * limit - time.perf_counter())

    best, status, bound = solve_optimal(model, hint, until(0.2), options.within_float)
    model = replace(model, lower_bound=max(model.lower_bound, bound))
    if (
        status is LevelStatus.OPTIMAL
        or options.within_float
        or makespan(best, n) <= model.lower_bound
    ):
        return best, status, model, 0
    bred, count = heuristics.search_both_cores(
        model, replace(options, time_limit=0.6 * limit, seed=options.seed + 2), began, (best,)
    )
    if heuristics.key(bred, n) < heuristics.key(best, n):
        best = bred
    final, final_status, bound = solve_optimal(model, best, until(1.0), options.within_float)
    model = replace(model, lower_bound=max(model.lower_bound, bound))
    if final_status is LevelStatus.TIMEOUT:  # CP-SAT found nothing more: keep what we had
        return best, status, model, count
    return final, final_status, model, count


def unleveled_loads(project: Project) -> tuple[ScheduleResult, tuple[ResourceLoad, ...]]:
    """The critical-path schedule and each resource's use in it, overbookings included."""
    cpm, passes = run_cpm(project)
    if passes is None or not cpm.ok:
        return cpm, ()
    demands, _, _ = task_demands(project, passes.net)
    return cpm, resource_loads(project, demands, passes.es, passes.ef)


def task_demands(
    project: Project, net: Network
) -> tuple[list[Demand], tuple[int, ...], list[Diagnostic]]:
    """Per node, what it books of which resource (milli-units), the capacities, and a
    diagnostic for every task that needs more than a resource has."""
    task_count = len(project.tasks)
    resource_index = {r.id: i for i, r in enumerate(project.resources)}
    capacities = tuple(round(r.capacity * MILLI) for r in project.resources)
    problems: list[Diagnostic] = []
    demands: list[Demand] = []
    for j in range(len(net.node_task)):
        if j >= task_count or net.instant[j]:
            demands.append(())
            continue
        task = project.tasks[j]
        merged: dict[int, int] = {}
        for a in task.assignments:
            r = resource_index[a.resource]
            merged[r] = merged.get(r, 0) + round(a.units * MILLI)
        for r, units in merged.items():
            if units > capacities[r]:
                problems.append(
                    error(
                        "demand_exceeds_capacity",
                        f"task '{task.id}' needs {units / MILLI:g} of resource "
                        f"'{project.resources[r].id}', which has only {capacities[r] / MILLI:g}",
                        f"task:{task.id}",
                        (*task.origin, "assign"),
                    )
                )
        demands.append(tuple(sorted(merged.items())))
    return demands, capacities, problems


def build_model(
    project: Project, passes: CpmPasses
) -> tuple[LevelingModel | None, list[Diagnostic]]:
    net = passes.net
    n = len(net.node_task)
    task_count = len(project.tasks)
    demands, capacities, problems = task_demands(project, net)
    if problems:
        return None, problems
    space = _choose_space(passes, task_count)
    preds: list[set[int]] = [set() for _ in range(n)]
    succs: list[set[int]] = [set() for _ in range(n)]
    for e in net.edges:
        preds[e.succ].add(e.pred)
        succs[e.pred].add(e.succ)
    predecessors = tuple(tuple(sorted(p)) for p in preds)
    successors = tuple(tuple(sorted(s)) for s in succs)
    axis = space.from_wall
    early = [axis(t) for t in passes.es]
    late_start = [axis(t) for t in passes.ls]
    late_finish = [axis(t) for t in passes.lf]
    weight = [
        sum(units / capacities[r] for r, units in demands[j]) * net.duration[j] for j in range(n)
    ]
    total = count_total_successors(net.order, successors)
    priority = [project.tasks[net.node_task[j]].priority for j in range(n)]
    rule_ranks = {
        rule: ranks(
            rule_values(
                rule,
                early_start=early,
                late_start=late_start,
                late_finish=late_finish,
                duration=list(net.duration),
                successors=successors,
                total_successors=total,
                resource_weight=weight,
            ),
            priority,
        )
        for rule in Rule
    }
    problem = LevelingProblem(
        space=space,
        node_count=n,
        order=net.order,
        demands=tuple(demands),
        capacities=capacities,
        pinned=tuple(
            None if t is None else space.starting_at_or_after(j, space.from_wall(t))
            for j, t in enumerate(passes.rules.bounds.actual_start)
        ),
        latest=None,
        cell=_grid_cell(space, net, passes) if isinstance(space, WorkSpace) else None,
    )
    late_position = [
        space.from_wall(passes.ls[j]) if net.instant[j] else passes.ls_w[j] for j in range(n)
    ]
    bound = _lower_bound(space, passes, demands, capacities, task_count)
    return (
        LevelingModel(
            passes,
            problem,
            predecessors,
            successors,
            task_count,
            rule_ranks,
            late_position,
            bound,
            priority,
        ),
        [],
    )


def _grid_cell(space: WorkSpace, net: Network, passes: CpmPasses) -> int | None:
    """The largest cell every position can be a multiple of (durations, lags, every bound on the
    working-time axis), or None when the plan is too long for a grid at that cell."""
    bounds = passes.rules.bounds
    values = [*net.duration, *(e.lag for e in net.edges)]
    for column in (
        bounds.earliest_start,
        bounds.latest_start,
        bounds.latest_finish,
        bounds.actual_start,
    ):
        values.extend(space.from_wall(t) for t in column if t is not None)
    values.extend(
        space.release(j)
        for j in range(len(net.node_task))
        if j < len(passes.es) and not net.instant[j]
    )
    cell = 0
    for value in values:
        cell = gcd(cell, value)
    cell = cell or 1
    span = space.from_wall(passes.finish) - space.from_wall(0)
    return cell if span // cell <= 1_000_000 else None


def _choose_space(passes: CpmPasses, task_count: int) -> TimeSpace:
    net = passes.net
    project = net.project_timeline.calendar
    same = all(
        net.timelines[j].calendar.week == project.week
        and net.timelines[j].calendar.holidays == project.holidays
        and net.timelines[j].calendar.overrides == project.overrides
        for j in net.order
        if j < task_count and not net.instant[j]
    )
    # On working time an instant loses which side of a non-working gap it is on, and a start
    # sits on the far side of one. A task's finish is compared in working time anyway (rules),
    # but a milestone's or gate's is a plain instant: "instant >= that start" into its finish,
    # with no lag, needs the clock, and takes the calendar axis. A milestone may sit on a
    # snapped start (the project start, a start constraint); a gate only when a start reaches
    # it without lag.
    start_side = [net.instant[j] and j < task_count for j in range(len(net.node_task))]

    def from_start_side(e: Edge) -> bool:
        return e.lag == 0 and (start_side[e.pred] if net.instant[e.pred] else not e.pred_finish)

    for j in net.order:
        if net.instant[j] and not start_side[j]:
            start_side[j] = any(from_start_side(net.edges[k]) for k in net.incoming[j])
    exact = not any(e.succ_finish and net.instant[e.succ] and from_start_side(e) for e in net.edges)
    if same and exact:
        return WorkSpace(passes.rules, passes.rules.bounds.earliest_start)
    return CalendarSpace(passes.rules)


def _lower_bound(
    space: TimeSpace,
    passes: CpmPasses,
    demands: Sequence[tuple[tuple[int, int], ...]],
    capacities: Sequence[int],
    task_count: int,
) -> int:
    """The unleveled finish, or for one calendar also each resource's total work."""
    finish = space.from_wall(passes.finish)
    if isinstance(space, WorkSpace):
        start = min(
            (space.from_wall(passes.es[j]) for j in passes.net.order if j < task_count),
            default=0,
        )
        work = [0] * len(capacities)
        for j, demand in enumerate(demands):
            for r, units in demand:
                work[r] += units * passes.net.duration[j]
        for r, total in enumerate(work):
            if capacities[r]:
                finish = max(finish, start + -(-total // capacities[r]))
    return finish


def _result(
    project: Project,
    model: LevelingModel,
    cpm: ScheduleResult,
    best: Placement,
    status: LevelStatus,
    options: LevelingOptions,
    count: int,
    seconds: float,
) -> LevelingResult:
    passes, problem = model.passes, model.problem
    net = passes.net
    space = problem.space
    n = len(net.node_task)
    rules = passes.rules
    start, finish = _wall_dates(model, best.position)
    horizon = makespan(best, model.task_count)
    back_order = activity_list(
        problem.order, model.successors, model.predecessors, [-f for f in best.finish]
    )
    late = serial_backward(problem, back_order, horizon)
    leveled_finish = max((finish[j] for j in net.order if j < model.task_count), default=0)
    late_start, late_finish = _wall_dates(model, late.position, late=True, horizon=leveled_finish)
    total = [0] * n
    for j in range(n):
        # Right-justifying may pack resources differently and put a task earlier than it is:
        # it then has no float to give, rather than negative float.
        if late_start[j] < start[j]:
            late_start[j], late_finish[j] = start[j], finish[j]
        elif net.instant[j]:
            tl = net.timelines[j]
            total[j] = tl.work_at(late_start[j]) - tl.work_at(start[j])
        else:
            total[j] = late.position[j] - best.position[j]
    dates = Dates(start, finish, passes.es, passes.ef, late_start, late_finish, total, [0] * n)
    schedule = assemble(
        project, net, dates, _engine_diagnostics(cpm), start=cpm.start, finish=leveled_finish
    )
    reasons = (
        delay_reasons(project, passes, problem, start, finish, rules) if options.explain else {}
    )
    loads = resource_loads(project, problem.demands, start, finish) if options.explain else ()
    return LevelingResult(
        schedule,
        status,
        options.mode,
        unleveled_finish=cpm.finish,
        lower_bound=space.to_wall(model.lower_bound),
        schedules=count,
        seconds=seconds,
        delay_reasons=reasons,
        loads=loads,
    )


def _engine_diagnostics(cpm: ScheduleResult) -> list[Diagnostic]:
    """The critical-path run's diagnostics except constraint checks, which are redone on the
    leveled dates."""
    redone = {
        "conflicting_constraints",
        "must_start_on_missed",
        "finish_no_later_than_missed",
        "deadline_missed",
    }
    return [d for d in cpm.diagnostics if d.code not in redone]


def placement_of(model: LevelingModel, position: Sequence[int]) -> Placement:
    """A placement on a calendar axis from task positions; instants follow from the tasks."""
    start, finish = _wall_dates(model, position)
    net = model.passes.net
    moved = [start[j] if net.instant[j] else position[j] for j in range(len(position))]
    return Placement(moved, start, finish)


def _wall_dates(
    model: LevelingModel, position: Sequence[int], *, late: bool = False, horizon: int = 0
) -> tuple[list[int], list[int]]:
    """Positions to wall-clock dates. Instants are re-derived from the placed tasks with the
    critical-path rules (a milestone sits at the instant its links allow): earliest for a
    schedule, latest (before ``horizon``) for late dates."""
    net = model.passes.net
    rules = model.passes.rules
    space = model.problem.space
    n = len(net.node_task)
    start, finish = [0] * n, [0] * n
    calendar_axis = isinstance(space, CalendarSpace)
    for j in net.order:
        if net.instant[j]:
            continue
        if calendar_axis:
            start[j], finish[j] = rules.dates(j, position[j])
        else:
            tl = net.timelines[j]
            start[j] = tl.start_of(position[j])
            finish[j] = tl.finish_of(position[j] + net.duration[j])
    instants = [j for j in net.order if net.instant[j]]
    for j in reversed(instants) if late else instants:
        t = rules.latest(j, start, finish, horizon) if late else rules.earliest(j, start, finish)
        start[j] = finish[j] = t
    return start, finish
