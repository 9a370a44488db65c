"""Schedule generation schemes on tiny hand-made problems, then on random small ones.

The problems run on a toy time space: nodes linked finish-to-start with integer lags, release
times, and optionally one non-working gap on the wall-clock axis (positions are working
minutes, spans are wall-clock, as in the engine's calendar space), so the schemes are tested
without any calendar or plan machinery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from plansmith.scheduling.sgs import (
    LevelingProblem,
    Placement,
    parallel_forward,
    serial_backward,
    serial_forward,
)

FULL = 1000  # one whole unit, in milli-units


class ToySpace:
    """Positions are working minutes; the wall clock has a non-working gap [g0, g1).

    ``links`` are (pred, succ, lag): succ may start ``lag`` working minutes after pred ends.
    """

    def __init__(
        self,
        durations: Sequence[int],
        links: Sequence[tuple[int, int, int]] = (),
        release: Sequence[int] | None = None,
        gap: tuple[int, int] = (10**6, 10**6),
    ) -> None:
        self.d = list(durations)
        self.links = list(links)
        self.release = list(release) if release is not None else [0] * len(durations)
        self.g0, self.g1 = gap

    # wall <-> work
    def start_of(self, w: int) -> int:
        return w if w < self.g0 else w + self.g1 - self.g0

    def finish_of(self, w: int) -> int:
        return w if w <= self.g0 else w + self.g1 - self.g0

    def work_at(self, t: int) -> int:
        if t <= self.g0:
            return t
        return self.g0 if t <= self.g1 else t - (self.g1 - self.g0)

    # the TimeSpace protocol
    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int:
        w = self.release[j]
        for p, s, lag in self.links:
            if s == j:
                w = max(w, self.work_at(finish[p]) + lag)
        return w

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int:
        w = self.work_at(horizon) - self.d[j]
        for p, s, lag in self.links:
            if p == j:
                w = min(w, self.work_at(start[s]) - lag - self.d[j])
        return w

    def span(self, j: int, position: int) -> tuple[int, int]:
        if self.d[j] == 0:
            return position, position
        return self.start_of(position), self.finish_of(position + self.d[j])

    def starting_at_or_after(self, j: int, t: int) -> int:
        return self.work_at(t)

    def finishing_at_or_before(self, j: int, t: int) -> int:
        return self.work_at(t) - self.d[j]

    def to_wall(self, t: int) -> int:
        return t

    def from_wall(self, t: int) -> int:
        return t


def problem(
    space: ToySpace,
    demands: Sequence[Sequence[tuple[int, int]]],
    capacities: Sequence[int] = (FULL,),
    pinned: Sequence[int | None] | None = None,
    latest: Sequence[int] | None = None,
) -> LevelingProblem:
    n = len(space.d)
    return LevelingProblem(
        space=space,
        node_count=n,
        order=tuple(range(n)),
        demands=tuple(tuple(d) for d in demands),
        capacities=tuple(capacities),
        pinned=tuple(pinned) if pinned is not None else (None,) * n,
        latest=tuple(latest) if latest is not None else None,
    )


def graph(space: ToySpace) -> tuple[list[list[int]], list[list[int]]]:
    n = len(space.d)
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for p, s, _ in space.links:
        preds[s].append(p)
        succs[p].append(s)
    return preds, succs


R = [(0, FULL)]  # needs the whole of resource 0
HALF = [(0, FULL // 2)]


# -- serial forward ----------------------------------------------------------------------------


def test_serial_forward_serves_the_list_in_order() -> None:
    prob = problem(ToySpace([3, 2]), [R, R])
    assert serial_forward(prob, [0, 1]).position == [0, 3]
    assert serial_forward(prob, [1, 0]).position == [2, 0]


def test_serial_forward_overlaps_what_capacity_allows() -> None:
    assert serial_forward(problem(ToySpace([3, 2]), [R, R], (2 * FULL,)), [0, 1]).position == [0, 0]
    assert serial_forward(problem(ToySpace([3, 2]), [HALF, HALF]), [0, 1]).position == [0, 0]
    assert serial_forward(problem(ToySpace([3, 2]), [R, HALF]), [0, 1]).position == [0, 3]


def test_serial_forward_fills_an_earlier_gap_when_the_node_fits_it() -> None:
    """A [0,2), B linked 5 after A at [7,9); C (3) fits the hole [2,7); D (6) fits nowhere
    before B and is pushed through C and B to 9."""
    space = ToySpace([2, 2, 3, 6], links=[(0, 1, 5)])
    placed = serial_forward(problem(space, [R, R, R, R]), [0, 1, 2, 3])
    assert placed.position == [0, 7, 2, 9]
    assert (placed.start, placed.finish) == ([0, 7, 2, 9], [2, 9, 5, 15])
    assert placed.makespan == 15


def test_serial_forward_keeps_links_and_releases() -> None:
    space = ToySpace([4, 2, 1], links=[(0, 1, -1), (1, 2, 3)], release=[2, 0, 0])
    placed = serial_forward(problem(space, [[], [], []]), [0, 1, 2])
    assert placed.position == [2, 5, 10]


def test_nodes_without_demand_or_duration_book_nothing() -> None:
    space = ToySpace([3, 0, 3, 2])
    placed = serial_forward(problem(space, [R, R, [], R]), [0, 1, 2, 3])
    assert placed.position == [0, 0, 0, 3]  # the zero-length node 1 and demand-free 2 sit at 0


def test_serial_forward_books_pinned_nodes_first() -> None:
    space = ToySpace([2, 4, 2])
    prob = problem(space, [R, R, R], pinned=[3, None, None])
    placed = serial_forward(prob, [1, 2, 0])
    assert placed.position == [3, 5, 0]  # 1 does not fit before the pinned [3,5); 2 does


def test_within_float_a_node_that_cannot_fit_in_time_stays_early_and_overbooked() -> None:
    space = ToySpace([5, 3, 3])
    prob = problem(space, [R, R, R], latest=[100, 2, 5])
    placed = serial_forward(prob, [0, 1, 2])
    assert placed.position[1] == 0  # would need 5 > its latest 2: stays at 0, overbooked
    assert placed.position[2] == 5  # 5 <= its latest 5: moved


def test_serial_forward_moves_a_node_past_a_gap_in_the_calendar() -> None:
    """Wall-clock gap [10, 15): a node whose conflict ends at 10 starts at 15, not in the gap."""
    space = ToySpace([10, 3], gap=(10, 15))
    placed = serial_forward(problem(space, [R, R]), [0, 1])
    assert (placed.start, placed.finish) == ([0, 15], [10, 18])
    assert placed.position == [0, 10]


def test_a_span_across_the_gap_books_the_gap_too() -> None:
    """A node working 8-10 and 15-17 holds the resource from 8 to 17, gap included."""
    space = ToySpace([4, 1], release=[8, 0], gap=(10, 15))
    placed = serial_forward(problem(space, [R, R], (FULL,)), [0, 1])
    assert (placed.start[0], placed.finish[0]) == (8, 17)
    assert placed.start[1] == 0
    placed = serial_forward(problem(ToySpace([4, 1], [], [8, 9], (10, 15)), [R, R]), [0, 1])
    assert placed.start[1] == 17  # not at 9, and not inside the gap


# -- serial backward ---------------------------------------------------------------------------


def test_serial_backward_packs_against_the_horizon_in_list_order() -> None:
    prob = problem(ToySpace([3, 2]), [R, R])
    placed = serial_backward(prob, [0, 1], horizon=10)
    assert placed.position == [7, 5]
    assert placed.finish == [10, 7]


def test_serial_backward_keeps_links() -> None:
    space = ToySpace([3, 2], links=[(0, 1, 1)])
    placed = serial_backward(problem(space, [R, R]), [1, 0], horizon=10)
    assert placed.position == [4, 8]  # 0 ends at 7, one before 1 starts


def test_serial_backward_jumps_over_a_whole_overbooked_run() -> None:
    space = ToySpace([2, 4, 3])
    placed = serial_backward(problem(space, [R, R, R]), [1, 0, 2], horizon=10)
    assert placed.position[:2] == [4, 6]  # 1 at [6,10), 0 at [4,6)
    assert placed.position[2] == 1  # [1,4): before the run [4,10)


def test_serial_backward_overlaps_what_capacity_allows() -> None:
    prob = problem(ToySpace([3, 2, 1]), [R, R, R], (2 * FULL,))
    assert serial_backward(prob, [0, 1, 2], horizon=10).position == [7, 8, 7]  # [7,8): 1 + 1


def test_serial_backward_ends_before_a_gap_in_the_calendar() -> None:
    """A booking right after the gap [10, 15) pushes a node to end at 10, not inside the gap."""
    space = ToySpace([5, 3], gap=(10, 15))
    placed = serial_backward(problem(space, [R, R]), [0, 1], horizon=20)
    assert (placed.start[0], placed.finish[0]) == (15, 20)
    assert (placed.start[1], placed.finish[1]) == (7, 10)


# -- parallel forward --------------------------------------------------------------------------


def test_parallel_forward_gives_the_resource_to_the_best_rank() -> None:
    space = ToySpace([3, 2])
    preds, succs = graph(space)
    placed = parallel_forward(problem(space, [R, R]), [1.0, 0.0], preds, succs)
    assert placed.position == [2, 0]


def test_parallel_forward_never_leaves_a_resource_idle_for_a_later_node() -> None:
    """Node 0 (best rank) is released at 1; the non-delay scheme starts node 1 at 0 instead of
    holding the resource, where the serial scheme with 0 first would start 0 at 1."""
    space = ToySpace([2, 3], release=[1, 0])
    preds, succs = graph(space)
    prob = problem(space, [R, R])
    assert parallel_forward(prob, [0.0, 1.0], preds, succs).position == [3, 0]
    assert serial_forward(prob, [0, 1]).position == [1, 3]


def test_parallel_forward_releases_successors_as_predecessors_are_placed() -> None:
    space = ToySpace([2, 4, 1], links=[(0, 2, 0)])
    preds, succs = graph(space)
    demands = [R, R, [(1, FULL)]]
    placed = parallel_forward(problem(space, demands, (FULL, FULL)), [1.0, 0.0, 2.0], preds, succs)
    assert placed.position == [4, 0, 6]


def test_parallel_forward_starts_whatever_fits_together() -> None:
    space = ToySpace([3, 3, 3])
    preds, succs = graph(space)
    placed = parallel_forward(problem(space, [R, R, R], (2 * FULL,)), [0.0, 1.0, 2.0], preds, succs)
    assert placed.position == [0, 0, 3]


def test_parallel_forward_keeps_pinned_nodes() -> None:
    space = ToySpace([2, 3])
    preds, succs = graph(space)
    placed = parallel_forward(problem(space, [R, R], pinned=[1, None]), [1.0, 0.0], preds, succs)
    assert placed.position == [1, 3]


# -- random small problems ---------------------------------------------------------------------


@st.composite
def toy_problems(draw: st.DrawFn) -> tuple[LevelingProblem, list[int]]:
    """A problem and a random topological order of it (links go from lower to higher nodes)."""
    n = draw(st.integers(1, 7))
    durations = [draw(st.integers(0, 6)) for _ in range(n)]
    links = [
        (p, s, draw(st.integers(-2, 3)))
        for s in range(n)
        for p in sorted(draw(st.sets(st.integers(0, s - 1), max_size=2)) if s else [])
    ]
    gap = draw(st.sampled_from([(10**6, 10**6), (5, 9), (12, 20)]))
    space = ToySpace(durations, links, [draw(st.integers(0, 5)) for _ in range(n)], gap)
    capacities = (draw(st.sampled_from([FULL, 2 * FULL])), FULL)
    demands = []
    for _ in range(n):
        uses = draw(st.sets(st.integers(0, 1), max_size=2))
        demands.append([(r, draw(st.sampled_from([FULL // 2, FULL]))) for r in sorted(uses)])
    keys = [draw(st.integers(0, 100)) for _ in range(n)]
    order: list[int] = []
    waiting = {j: {p for p, s, _ in links if s == j} for j in range(n)}
    while len(order) < n:
        ready = [j for j in range(n) if j not in order and not waiting[j] - set(order)]
        order.append(min(ready, key=lambda j: (keys[j], j)))
    prob = problem(space, demands, capacities)
    if draw(st.booleans()):
        prob = replace(prob, cell=1)  # the generators' grid profiles instead of breakpoints
    return prob, order


def _use(prob: LevelingProblem, placed: Placement, r: int, t: int, only: Sequence[int]) -> int:
    return sum(
        units
        for j in only
        for rr, units in prob.demands[j]
        if rr == r and placed.start[j] <= t < placed.finish[j]
    )


def _fits(
    prob: LevelingProblem, placed: Placement, j: int, a: int, b: int, others: list[int]
) -> bool:
    return all(
        _use(prob, placed, r, t, others) + units <= prob.capacities[r]
        for r, units in prob.demands[j]
        for t in range(a, b)
    )


def _assert_feasible(prob: LevelingProblem, placed: Placement) -> None:
    space = prob.space
    assert isinstance(space, ToySpace)
    everyone = list(range(prob.node_count))
    for j in everyone:
        assert (placed.start[j], placed.finish[j]) == space.span(j, placed.position[j])
        assert placed.position[j] >= space.earliest(j, placed.start, placed.finish)
    for r, capacity in enumerate(prob.capacities):
        times = {t for j in everyone for t in range(placed.start[j], placed.finish[j])}
        for t in times:
            assert _use(prob, placed, r, t, everyone) <= capacity, (r, t)


@settings(max_examples=300, deadline=None)
@given(toy_problems())
def test_serial_forward_places_each_node_at_its_first_fitting_position(
    case: tuple[LevelingProblem, list[int]],
) -> None:
    prob, order = case
    space = prob.space
    assert isinstance(space, ToySpace)
    placed = serial_forward(prob, order)
    _assert_feasible(prob, placed)
    for k, j in enumerate(order):
        before = order[:k]
        early = space.earliest(j, placed.start, placed.finish)
        assert all(
            not _fits(prob, placed, j, *space.span(j, q), before)
            for q in range(early, placed.position[j])
        ), f"node {j} fits earlier than {placed.position[j]}"


@settings(max_examples=300, deadline=None)
@given(toy_problems())
def test_serial_backward_places_each_node_at_its_last_fitting_position(
    case: tuple[LevelingProblem, list[int]],
) -> None:
    prob, order = case
    space = prob.space
    assert isinstance(space, ToySpace)
    horizon = 80
    back = list(reversed(order))
    placed = serial_backward(prob, back, horizon)
    for j in range(prob.node_count):
        assert placed.finish[j] <= horizon
        for p, s, lag in space.links:
            assert space.work_at(placed.start[s]) >= space.work_at(placed.finish[p]) + lag
    for r, capacity in enumerate(prob.capacities):
        for t in {t for j in back for t in range(placed.start[j], placed.finish[j])}:
            assert _use(prob, placed, r, t, back) <= capacity
    for k, j in enumerate(back):
        late = space.latest(j, placed.start, placed.finish, horizon)
        assert all(
            not _fits(prob, placed, j, *space.span(j, q), back[:k])
            for q in range(placed.position[j] + 1, late + 1)
        ), f"node {j} fits later than {placed.position[j]}"


@settings(max_examples=300, deadline=None)
@given(toy_problems(), st.lists(st.floats(0, 1), min_size=7, max_size=7))
def test_parallel_forward_is_feasible(
    case: tuple[LevelingProblem, list[int]], rank: list[float]
) -> None:
    prob, _ = case
    space = prob.space
    assert isinstance(space, ToySpace)
    preds, succs = graph(space)
    placed = parallel_forward(prob, rank[: prob.node_count], preds, succs)
    _assert_feasible(prob, placed)
