"""CP-SAT over several calendars, exactly: each task's dates are looked up from its position.

A task on its own calendar cannot be an interval of fixed length in wall-clock time: a 2-day
task starting on Thursday spans the weekend, started on Monday it does not. So each task gets an
index into the positions it may take (its working minutes on its calendar, on a grid that every
calendar boundary, duration and lag falls on), and element constraints look up its wall-clock
start and finish and their working-time positions on the project calendar. Links compare either
wall-clock instants (no lag) or project-calendar positions (a lag), which is exact: an instant s
is at or after shift(t, L) exactly when W(s) >= W(t) + L. Milestones and gates book nothing, so
their links are composed into direct links between tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import TYPE_CHECKING, Any

from plansmith.scheduling.constraints import NodeBounds
from plansmith.scheduling.priorities import reachable
from plansmith.scheduling.rules import LinkRules

if TYPE_CHECKING:
    from plansmith.scheduling.leveling import LevelingModel

_MAX_LINKS = 200_000
_MAX_TABLE = 50_000
_MAX_CELLS = 300_000  # all tasks' positions together; beyond it the model takes gigabytes


@dataclass(frozen=True, slots=True)
class Link:
    """``anchor(succ) >= anchor(pred)`` (wall, when ``lag`` is None) or
    ``W_P(anchor(succ)) >= W_P(anchor(pred)) + lag``, where a successor's finish anchors at the
    start of the work after it (see ``next_start`` in :func:`solve_calendars`)."""

    pred: int
    pred_finish: bool
    succ: int
    succ_finish: bool
    lag: int | None


def _compose(inner: int | None, lag: int) -> int | None:
    """A link with ``inner`` followed by an edge with ``lag``."""
    if lag == 0:
        return inner
    return lag if inner is None else inner + lag


def task_links(model: LevelingModel) -> list[Link] | None:
    """Links between tasks only, milestones and gates composed away; None if too many."""
    net = model.passes.net
    sources: dict[int, set[tuple[int, bool, int | None]]] = {}
    links: set[Link] = set()
    for j in net.order:
        incoming: set[tuple[int, bool, int | None]] = set()
        for k in net.incoming[j]:
            e = net.edges[k]
            if net.instant[e.pred]:
                for i, finish, inner in sources.get(e.pred, ()):
                    incoming.add((i, finish, _compose(inner, e.lag)))
            else:
                incoming.add((e.pred, e.pred_finish, None if e.lag == 0 else e.lag))
            if not net.instant[j]:
                for i, finish, lag in incoming:
                    links.add(Link(i, finish, j, e.succ_finish, lag))
                incoming = set()
        if net.instant[j]:
            sources[j] = incoming
        if len(links) > _MAX_LINKS:
            return None
    return sorted(links, key=lambda x: (x.succ, x.pred, x.pred_finish, x.succ_finish, x.lag or 0))


def _grid(model: LevelingModel) -> int:
    net = model.passes.net
    step = 1440
    for tl in {id(t): t for t in net.timelines}.values():
        calendar = tl.calendar
        dated = [ranges for _, ranges in calendar.overrides]  # work weeks, working days
        for ranges in (*calendar.week.days, *dated):
            for a, b in ranges:
                step = gcd(step, a, b)
    for d in net.duration:
        step = gcd(step, d)
    for e in net.edges:
        step = gcd(step, e.lag)
    bounds = model.passes.rules.bounds
    for values in (bounds.earliest_start, bounds.actual_start):
        for v in values:
            if v is not None:
                step = gcd(step, v)
    return max(step, 1)


def solve_calendars(
    model: LevelingModel,
    hint_position: list[int],
    horizon: int,
    time_limit: float,
    pairs: list[tuple[int, int]],
) -> tuple[list[int], bool, int] | None:
    """Task positions of the best schedule found (hint-started), whether proven optimal, and the
    proven bound on the finish (wall-clock minutes); None when the model would be too large or
    the solver found nothing."""
    from ortools.sat.python import cp_model

    links = task_links(model)
    if links is None:
        return None
    passes = model.passes
    net = passes.net
    p = net.project_timeline
    g = _grid(model)
    tasks = [j for j in net.order if j < model.task_count and not net.instant[j]]
    open_bounds = NodeBounds(
        passes.rules.bounds.earliest_start,
        [None] * len(net.node_task),
        [None] * len(net.node_task),
        passes.rules.bounds.actual_start,
    )
    free = LinkRules(net, open_bounds, model.task_count)
    n = len(net.node_task)
    late_start, late_finish, late_w = [0] * n, [0] * n, [0] * n
    for j in reversed(net.order):
        late_w[j] = free.latest(j, late_start, late_finish, horizon)
        late_start[j], late_finish[j] = free.dates(j, late_w[j])
    cp = cp_model.CpModel()
    start: dict[int, Any] = {}
    finish: dict[int, Any] = {}
    p_start: dict[int, Any] = {}
    p_finish: dict[int, Any] = {}
    # where the work after a finish would begin (wall, and W_P of it): links into a finish
    # compare the task's own working time (rules.LinkRules.earliest), which is exactly
    # "next start >= bound" in wall-clock time
    next_start: dict[int, Any] = {}
    p_next_start: dict[int, Any] = {}
    finish_side = {link.succ for link in links if link.succ_finish}
    index: dict[int, Any] = {}
    first: dict[int, int] = {}
    hinted_span: dict[int, int] = {}
    cells = 0
    for j in tasks:
        tl = net.timelines[j]
        d = net.duration[j]
        lo = passes.es_w[j]
        pinned = model.problem.pinned[j]
        lo = pinned if pinned is not None else lo - (lo % g)
        hi = lo if pinned is not None else max(lo, late_w[j])
        count = (hi - lo) // g + 1
        cells += count
        if count > _MAX_TABLE or cells > _MAX_CELLS:
            return None  # too large to solve usefully: the caller keeps the fast result
        positions = [lo + g * i for i in range(count)]
        starts = [tl.start_of(w) for w in positions]
        finishes = [tl.finish_of(w + d) for w in positions]
        first[j] = lo
        index[j] = cp.new_int_var(0, count - 1, f"k{j}")
        tables = [
            ("s", starts, start),
            ("f", finishes, finish),
            ("ps", [p.work_at(t) for t in starts], p_start),
            ("pf", [p.work_at(t) for t in finishes], p_finish),
        ]
        if j in finish_side:
            after = [tl.start_of(w + d) for w in positions]
            tables.append(("n", after, next_start))
            tables.append(("pn", [p.work_at(t) for t in after], p_next_start))
        hinted = hint_position[j] - lo
        k = hinted // g if hinted >= 0 and hinted % g == 0 and hinted // g < count else None
        if k is not None:
            cp.add_hint(index[j], k)
            hinted_span[j] = finishes[k] - starts[k]
        for name, table, store in tables:
            var = cp.new_int_var(min(table), max(table), f"{name}{j}")
            cp.add_element(index[j], table, var)
            store[j] = var
            if k is not None:
                cp.add_hint(var, table[k])
    for link in links:
        if link.pred not in index or link.succ not in index:
            continue
        if model.problem.pinned[link.succ] is not None:
            continue  # work already started: its links no longer move it
        if link.lag is None:
            before = finish[link.pred] if link.pred_finish else start[link.pred]
            after = next_start[link.succ] if link.succ_finish else start[link.succ]
            cp.add(after >= before)
        else:
            before = p_finish[link.pred] if link.pred_finish else p_start[link.pred]
            after = p_next_start[link.succ] if link.succ_finish else p_start[link.succ]
            cp.add(after >= before + link.lag)
    per_resource: list[list[tuple[Any, int]]] = [[] for _ in model.problem.capacities]
    for j in tasks:
        for r, units in model.problem.demands[j]:
            size = cp.new_int_var(0, horizon - passes.es[j] + 1, f"z{j}")
            interval = cp.new_interval_var(start[j], size, finish[j], f"i{j}")
            if j in hinted_span:
                cp.add_hint(size, hinted_span[j])
            per_resource[r].append((interval, units))
    for r, items in enumerate(per_resource):
        if items:
            cp.add_cumulative(
                [i for i, _ in items], [u for _, u in items], model.problem.capacities[r]
            )
    for higher, lower in pairs:
        if higher in start and lower in start:
            cp.add(start[higher] <= start[lower])
    makespan = cp.new_int_var(model.lower_bound, horizon, "makespan")
    for j in tasks:
        cp.add(makespan >= finish[j])
    cp.minimize(makespan)
    solver, status = solve_model(cp, time_limit)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    position = list(hint_position)
    for j in tasks:
        position[j] = first[j] + g * int(solver.value(index[j]))
    return position, status == cp_model.OPTIMAL, int(solver.best_objective_bound)


def solve_model(cp: Any, time_limit: float) -> tuple[Any, Any]:
    """Solve on both cores, reproducibly (fixed seed), within ``time_limit`` seconds."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 0
    solver.parameters.subsolvers.append("no_lp")
    return solver, solver.solve(cp)


def priority_pairs(model: LevelingModel) -> list[tuple[int, int]]:
    """(higher, lower): tasks of different priority that compete for a resource and could start
    together; the higher one must not start later, as in fast mode where it is placed first."""
    if not model.uses_priorities:
        return []
    problem, passes = model.problem, model.passes
    users: dict[int, list[int]] = {}
    for j, demand in enumerate(problem.demands):
        for r, _ in demand:
            users.setdefault(r, []).append(j)
    reach = reachable(passes.net.order, model.successors)
    pairs: set[tuple[int, int]] = set()
    for tasks in users.values():
        for a in tasks:
            for b in tasks:
                if (
                    model.priority[a] > model.priority[b]
                    and passes.es[a] <= passes.ls[b]  # they could meet at all
                    and not reach[b] >> a & 1  # b does not lead to a through links
                    and problem.pinned[b] is None  # b has not started already
                ):
                    pairs.add((a, b))
    return sorted(pairs)
