"""Monte Carlo schedule risk: many runs of the critical-path schedule with sampled durations.

Iterations are drawn and scheduled in batches (arrays of one row per network node), so memory is
bounded by the batch, not by the number of iterations. Each batch has its own seed derived from
the simulation seed and the batch number, which makes the answer depend only on the seed and the
iteration count: the same on one core or two. Batches are split between two forked processes
where fork exists.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import numpy as np

from plansmith.analytics.tally import Tally, TallyShape, percentile
from plansmith.analytics.uncertainty import Draw, Uncertainty
from plansmith.analytics.vector_passes import VectorPasses
from plansmith.analytics.vector_timeline import VectorTimeline
from plansmith.domain.model import Project
from plansmith.scheduling.constraints import offset
from plansmith.scheduling.cpm import CpmPasses
from plansmith.scheduling.result import ScheduleResult

_BATCH_CELLS = 6_000_000  # nodes x iterations per batch: ~24 MB per int32 matrix


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    iterations: int = 1000
    seed: int = 0
    latin: bool = False
    until_stable: int | None = None  # stop when the P80 moves less than this (working minutes)
    max_iterations: int = 200_000
    workers: int = 2


@dataclass(frozen=True, slots=True)
class Target:
    """A date the TPM promised: a milestone's planned date or a task's deadline."""

    task: int
    limit: int  # instant the finish must not pass
    kind: str  # "deadline" or "planned"
    leaves: tuple[int, ...] = ()  # whose finishes make the task's: itself, or a summary's leaves


@dataclass
class Simulation:
    """The plan's simulation model: everything fixed across iterations."""

    project: Project
    cpm: ScheduleResult
    passes: CpmPasses
    uncertainty: Uncertainty
    targets: list[Target]
    rate: np.ndarray  # labour cost per working minute, per node
    vector: VectorPasses = field(init=False)

    def __post_init__(self) -> None:
        net = self.passes.net
        self.vector = VectorPasses(net, self.passes.rules.bounds, len(self.project.tasks))

    @classmethod
    def build(cls, project: Project, cpm: ScheduleResult, passes: CpmPasses) -> Simulation:
        net = passes.net
        uncertainty = Uncertainty(project, len(net.node_task))
        rates = {r.id: float(r.rate) / 60.0 for r in project.resources if r.rate is not None}
        rate = np.zeros(len(net.node_task))
        for j, task in enumerate(project.tasks):
            if not task.is_summary:
                rate[j] = sum(rates.get(a.resource, 0.0) * a.units for a in task.assignments)
        return cls(project, cpm, passes, uncertainty, _targets(project, cpm), rate)

    @property
    def shape(self) -> TallyShape:
        u = self.uncertainty
        return TallyShape(
            len(self.project.tasks), len(u.estimated), len(u.risks), len(self.targets)
        )

    def deterministic_cost(self) -> float:
        return float(self.rate @ self.uncertainty.base)

    def cost_of(self, draw: Draw) -> np.ndarray:
        """Each iteration's cost: labour at the sampled durations, and the risks' costs."""
        rows = np.flatnonzero(self.rate)
        labour = np.einsum("i,ij->j", self.rate[rows], draw.duration[rows]) if len(rows) else 0.0
        out: np.ndarray = np.zeros(draw.duration.shape[1]) + labour + draw.risk_cost.sum(axis=0)
        return out

    def tally(
        self,
        draw: Draw,
        finish: np.ndarray,
        work: np.ndarray,
        critical: np.ndarray,
        hits: np.ndarray,
    ) -> Tally:
        """One batch's tally: ``work`` counts from the deterministic finish (working minutes),
        ``critical`` is iterations on the critical path per task, ``hits`` per target."""
        cost_zero = self.deterministic_cost()
        tally = Tally.empty(self.shape)
        tally.add(
            finish=finish,
            work=work,
            cost=self.cost_of(draw) - cost_zero,
            cost_zero=cost_zero,
            critical=critical,
            estimates=lambda first, last: self.uncertainty.estimates(draw, first, last),
            risk_schedule=draw.risk_schedule,
            risk_cost=draw.risk_cost,
            occurred=draw.occurred.sum(axis=1),
            hits=hits,
        )
        return tally

    def batch_size(self) -> int:
        return int(np.clip(_BATCH_CELLS // max(1, len(self.passes.net.node_task)), 64, 4096))


class CpmBatches:
    """Schedules batches of draws with the vectorised passes."""

    def __init__(self, model: Simulation) -> None:
        self.model = model
        net = model.passes.net
        self.passes = model.vector
        self.project_vt = VectorTimeline(net.project_timeline)
        # Per target, each leaf and the limit on its end (an instant, or working time on the
        # leaf's timeline: finish_of(x) <= limit exactly when x <= W(limit)).
        self.limits = [
            [
                (j, t.limit if net.instant[j] else net.timelines[j].work_at(t.limit))
                for j in t.leaves
            ]
            for t in model.targets
        ]
        self.finish_zero = net.project_timeline.work_at(model.passes.finish)

    def run(self, seed: np.random.SeedSequence, count: int, latin: bool) -> Tally:
        model = self.model
        draw = model.uncertainty.draw(np.random.default_rng(seed), count, latin=latin)
        early = self.passes.forward(draw.duration)
        late = self.passes.backward(early, limits=False)  # criticality: driving the finish
        critical = self.passes.critical(early, late)
        finish = early.finish
        hits = np.zeros(len(model.targets), dtype=np.int64)
        for k, leaves in enumerate(self.limits):
            met = np.ones(len(finish), dtype=bool)
            for j, limit in leaves:
                met &= early.end[j] <= limit
            hits[k] = int(np.count_nonzero(met))
        work = self.project_vt.work_at(finish) - self.finish_zero
        return model.tally(draw, finish, work, critical.sum(axis=1), hits)


def plan_batches(iterations: int, size: int) -> list[int]:
    """Batch sizes for ``iterations``: an even count of near-equal batches (two cores)."""
    count = max(1, -(-iterations // size))
    count += count % 2 if iterations >= 2 else 0
    base, extra = divmod(iterations, count)
    return [base + (1 if k < extra else 0) for k in range(count)]


BatchRunner = Callable[[np.random.SeedSequence, int, bool], Tally]


def run_batches(
    runner: BatchRunner,
    seed: int,
    sizes: list[int],
    first: int,
    latin: bool,
    workers: int,
) -> list[Tally]:
    """Batches ``first``, ``first + 1``, ... in order; half of them in a forked worker."""
    jobs = [(first + k, n) for k, n in enumerate(sizes)]
    seeds = {i: np.random.SeedSequence(seed, spawn_key=(i,)) for i, _ in jobs}
    if workers < 2 or len(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [runner(seeds[i], n, latin) for i, n in jobs]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    theirs = jobs[1::2]
    worker = context.Process(target=_worker, args=(runner, seeds, theirs, latin, sender))
    worker.start()
    sender.close()
    mine = {i: runner(seeds[i], n, latin) for i, n in jobs[0::2]}
    try:
        received: dict[int, Tally] = receiver.recv()
    except EOFError:  # the worker died: do its share here
        received = {i: runner(seeds[i], n, latin) for i, n in theirs}
    worker.join()
    mine.update(received)
    return [mine[i] for i, _ in jobs]


def _worker(
    runner: BatchRunner,
    seeds: dict[int, np.random.SeedSequence],
    jobs: Iterable[tuple[int, int]],
    latin: bool,
    sender: Connection,
) -> None:
    sender.send({i: runner(seeds[i], n, latin) for i, n in jobs})
    sender.close()


def _targets(project: Project, cpm: ScheduleResult) -> list[Target]:
    """Milestones (against their deadline, else their planned date) and every task, summaries
    included, with a deadline or finish limit."""
    origin = project.origin_datetime
    index = {task.id: j for j, task in enumerate(project.tasks)}
    leaves: dict[int, tuple[int, ...]] = {}
    for j in reversed(range(len(project.tasks))):  # children after parents: fold upwards
        task = project.tasks[j]
        kids = [index[c] for c in task.children]
        leaves[j] = tuple(x for c in kids for x in leaves[c]) if kids else (j,)
    out = []
    for j, task in enumerate(project.tasks):
        limits = [offset(origin, x) for x in (task.deadline, task.finish_no_later_than)]
        given = [x for x in limits if x is not None]
        if given:
            out.append(Target(j, min(given), "deadline", leaves[j]))
        elif task.is_milestone:
            out.append(Target(j, cpm.tasks[j].finish, "planned", leaves[j]))
    return out


@dataclass(frozen=True, slots=True)
class Precision:
    """How settled the P80 is when the simulation stopped."""

    change: float  # working minutes the P80 moved in the last round
    interval: tuple[int, int]  # 95 % confidence interval of the P80 (working minutes)
    stable: bool


def simulate(
    model: Simulation, options: SimulationOptions, runner: BatchRunner | None = None
) -> tuple[Tally, Precision | None]:
    """Run the iterations (in rounds of ``options.iterations`` with ``until_stable``)."""
    run = runner or CpmBatches(model).run
    sizes = plan_batches(options.iterations, model.batch_size())
    tally = Tally.empty(model.shape)
    done = 0
    previous: float | None = None
    while True:
        for part in run_batches(run, options.seed, sizes, done, options.latin, options.workers):
            tally.merge(part)
        done += len(sizes)
        if options.until_stable is None:
            return tally, None
        p80 = percentile(tally.works(), 80)
        change = abs(p80 - previous) if previous is not None else float("inf")
        stable = change <= options.until_stable
        if stable or tally.count + options.iterations > options.max_iterations:
            return tally, Precision(change, p80_interval(tally.works()), stable)
        previous = p80


def p80_interval(values: np.ndarray) -> tuple[int, int]:
    """Distribution-free 95 % interval of the 80th percentile from the order statistics."""
    ordered = np.sort(values)
    n = len(ordered)
    spread = 1.96 * np.sqrt(n * 0.8 * 0.2)
    low = int(np.clip(np.floor(n * 0.8 - spread), 0, n - 1))
    high = int(np.clip(np.ceil(n * 0.8 + spread), 0, n - 1))
    return int(ordered[low]), int(ordered[high])
