"""The figures a TPM reads off a simulation: percentiles, criticality, sensitivity, on-time odds.

Plain numbers (instants in minutes from the origin, working minutes, money as floats); the JSON and
table faces format them. Percentiles are observed iterations, never interpolated between two, so a
P80 date is a date some iteration really finished on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plansmith.analytics.montecarlo import (
    Precision,
    Simulation,
    SimulationOptions,
    p80_interval,
)
from plansmith.analytics.tally import Tally, percentile
from plansmith.domain.risk import ThreePoint

LEVELS = (10, 50, 80, 90, 95)


@dataclass(frozen=True, slots=True)
class Spread:
    """Percentiles (by level), mean, standard deviation and extremes of one outcome."""

    percentiles: dict[int, float]
    mean: float
    std: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class TaskRisk:
    id: str
    criticality: float
    sensitivity: float
    cost_sensitivity: float
    estimate: ThreePoint | None


@dataclass(frozen=True, slots=True)
class RiskRow:
    id: str
    title: str
    probability: float
    occurrence: float
    sensitivity: float
    cost_sensitivity: float


@dataclass(frozen=True, slots=True)
class TargetRow:
    id: str
    kind: str
    target: int
    p_on_time: float


@dataclass(frozen=True, slots=True)
class Histogram:
    edges: list[float]
    counts: list[int]

    @property
    def cumulative(self) -> list[float]:
        total = sum(self.counts) or 1
        return [float(x) / total for x in np.cumsum(self.counts)]


@dataclass(frozen=True, slots=True)
class RiskReport:
    iterations: int
    seed: int
    sampling: str
    deterministic_finish: int
    deterministic_cost: float
    finish: Spread  # instants; std in working minutes of the project calendar
    finish_work: Spread  # working minutes after the deterministic finish
    cost: Spread
    tasks: list[TaskRisk]
    risks: list[RiskRow]
    targets: list[TargetRow]
    finish_histogram: Histogram
    cost_histogram: Histogram
    precision: Precision | None
    p80_interval: tuple[int, int] | None = None  # instants, with ``precision``
    leveled: bool = False


def report(
    model: Simulation,
    tally: Tally,
    options: SimulationOptions,
    precision: Precision | None,
    *,
    baseline_finish: int | None = None,
    leveled: bool = False,
) -> RiskReport:
    """``baseline_finish``: the finish the tally's working minutes count from (the leveled
    plan's, when leveling; the critical-path plan's otherwise)."""
    n = tally.count
    deterministic = model.passes.finish if baseline_finish is None else baseline_finish
    finish = tally.finishes()
    work = tally.works().astype(np.float64)
    cost = tally.costs()
    # The mean of the instants themselves: converting a mean of working time back through the
    # project calendar would misplace finishes that fall outside its working time.
    mean_instant = round(float(finish.astype(np.float64).mean()))
    finish_spread = Spread(
        {p: percentile(finish, p) for p in LEVELS},
        float(mean_instant),
        float(work.std()),
        float(finish.min()),
        float(finish.max()),
    )
    by_sensitivity, by_cost = tally.correlations()
    u = model.uncertainty
    row_of = {j: k for k, j in enumerate(u.estimated)}
    tasks = []
    for j, task in enumerate(model.project.tasks):
        if task.is_summary:
            continue
        k = row_of.get(j)
        tasks.append(
            TaskRisk(
                task.id,
                float(tally.critical[j]) / n,
                float(by_sensitivity[k]) if k is not None else 0.0,
                float(by_cost[k]) if k is not None else 0.0,
                task.estimate,
            )
        )
    risks = []
    offset = len(u.estimated)
    for r, risk in enumerate(u.risks):
        schedule_row, cost_row = offset + r, offset + len(u.risks) + r
        risks.append(
            RiskRow(
                risk.id,
                risk.title,
                risk.probability,
                float(tally.occurred[r]) / n,
                float(by_sensitivity[schedule_row]),
                float(by_cost[cost_row]),
            )
        )
    targets = [
        TargetRow(model.project.tasks[t.task].id, t.kind, t.limit, float(tally.hits[k]) / n)
        for k, t in enumerate(model.targets)
    ]
    return RiskReport(
        iterations=n,
        seed=options.seed,
        sampling="latin_hypercube" if options.latin else "random",
        deterministic_finish=deterministic,
        deterministic_cost=model.deterministic_cost(),
        finish=finish_spread,
        finish_work=spread(work),
        cost=spread(cost),
        tasks=tasks,
        risks=risks,
        targets=targets,
        finish_histogram=histogram(finish),
        cost_histogram=histogram(cost),
        precision=precision,
        p80_interval=None if precision is None else p80_interval(finish),
        leveled=leveled,
    )


def spread(values: np.ndarray) -> Spread:
    return Spread(
        {p: percentile(values, p) for p in LEVELS},
        float(values.mean()),
        float(values.std()),
        float(values.min()),
        float(values.max()),
    )


def histogram(values: np.ndarray, bins: int = 30) -> Histogram:
    """Equal-width bins over the observed range (one bin when every iteration agrees)."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return Histogram([low, low], [len(values)])
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    return Histogram([float(e) for e in edges], [int(c) for c in counts])
