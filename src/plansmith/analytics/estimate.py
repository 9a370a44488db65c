"""Classic PERT arithmetic beside the simulation: what the textbook formula says, and the reserve a
simulation says is needed.

PERT totals add means and variances along the deterministic critical path, assuming the path does
not change and durations are independent; the simulation drops both assumptions, which is why the
two P80s differ (merge bias makes the simulated one later). Showing both tells a TPM how much the
shortcut would have misled them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from plansmith.analytics.risk_report import RiskReport
from plansmith.domain.model import Project
from plansmith.scheduling.network import Network
from plansmith.scheduling.result import ScheduleResult

Z80, Z90 = 0.8416212335729143, 1.2815515655446004  # standard normal quantiles


@dataclass(frozen=True, slots=True)
class PertTotals:
    """Working minutes: sums over all estimated tasks and along the critical path."""

    task_count: int
    mean_total: float
    std_total: float  # square root of the summed variances
    path_likely: float  # the critical path's planned durations
    path_mean: float
    path_std: float

    @property
    def path_p80(self) -> float:
        return self.path_mean + Z80 * self.path_std

    @property
    def path_p90(self) -> float:
        return self.path_mean + Z90 * self.path_std


@dataclass(frozen=True, slots=True)
class Reserve:
    """What P80 and P90 need beyond the deterministic plan."""

    schedule_p80: float  # working minutes of the project calendar
    schedule_p90: float
    cost_p80: float
    cost_p90: float


def pert_totals(project: Project, cpm: ScheduleResult, net: Network) -> PertTotals:
    """Sums over all estimated tasks, and along one critical path (see :func:`critical_chain`)."""
    chain = set(critical_chain(project, cpm, net))
    mean = var = likely = path_mean = path_var = 0.0
    count = 0
    for j, task in enumerate(project.tasks):
        if task.is_summary or task.is_milestone:
            continue
        e = task.estimate
        m, s = (e.pert_mean, e.pert_std) if e is not None else (float(task.duration), 0.0)
        count += e is not None
        mean += m
        var += s * s
        if j in chain:
            likely += task.duration
            path_mean += m
            path_var += s * s
    return PertTotals(count, mean, math.sqrt(var), likely, path_mean, math.sqrt(path_var))


def critical_chain(project: Project, cpm: ScheduleResult, net: Network) -> list[int]:
    """One chain of critical tasks from a start to the finish: the one with the most work.

    Critical tasks in parallel (two equal branches) are not one path, and the textbook PERT sum
    is along a single path; this picks the longest chain through critical tasks (gates of
    summary links pass through) and ends at the task that finishes last."""
    tasks = project.tasks
    count = len(tasks)
    best: dict[int, float] = {}
    previous: dict[int, int | None] = {}
    for j in net.order:
        is_task = j < count
        if is_task and not cpm.tasks[j].critical:
            continue
        before = [net.pred[k] for k in net.incoming[j] if net.pred[k] in best]
        origin = max(before, key=lambda p: best[p], default=None)
        base = best[origin] if origin is not None else 0.0
        if not is_task and origin is None:
            continue  # a gate no critical task feeds
        best[j] = base + (net.duration[j] if is_task else 0)
        previous[j] = origin
    ends = [j for j in best if j < count and cpm.tasks[j].finish == cpm.finish]
    if not ends:
        return []
    node: int | None = max(ends, key=lambda j: best[j])
    chain = []
    while node is not None:
        if node < count:
            chain.append(node)
        node = previous[node]
    return chain[::-1]


def reserve(report: RiskReport) -> Reserve:
    """The report's working-time spread counts from the deterministic finish already."""
    work = report.finish_work.percentiles
    cost = report.cost.percentiles
    base = report.deterministic_cost
    return Reserve(
        max(0.0, work[80]),
        max(0.0, work[90]),
        max(0.0, cost[80] - base),
        max(0.0, cost[90] - base),
    )
