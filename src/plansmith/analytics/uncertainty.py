"""What a simulation draws: the uncertain rows of a plan, checked and laid out once.

A plan's uncertainty is a list of ranges (task estimates, risk impacts) and of risk occurrences.
:class:`Uncertainty` gives each a row of uniform draws and knows how to turn a batch of draws into
task durations and costs, so the CPM and the leveled simulations share it. References from risks
and correlations to tasks are checked here, next to the only engine that uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plansmith.analytics.sampling import (
    QuantileTable,
    cholesky,
    correlate,
    score_matrix,
    uniforms,
)
from plansmith.analytics.vector_passes import POSITION
from plansmith.domain.diagnostics import Diagnostic, error, warning
from plansmith.domain.model import Project
from plansmith.domain.risk import Risk, ThreePoint


def uncertainty_diagnostics(project: Project) -> list[Diagnostic]:
    """Problems with risks and correlations a user can fix in the plan file."""
    out: list[Diagnostic] = []
    tasks = {task.id: task for task in project.tasks}
    seen: set[str] = set()
    for risk in project.risks:
        if risk.id in seen:
            out.append(
                error(
                    "duplicate_id",
                    f"risk id '{risk.id}' is used twice",
                    f"risk:{risk.id}",
                    (*risk.origin, "id"),
                )
            )
        seen.add(risk.id)
        for k, task_id in enumerate(risk.tasks):
            task = tasks.get(task_id)
            path = (*risk.origin, "tasks", k)
            if task is None:
                out.append(
                    error(
                        "unknown_task",
                        f"risk '{risk.id}' names unknown task '{task_id}'",
                        f"risk:{risk.id}",
                        path,
                    )
                )
            elif risk.schedule is not None and (task.is_summary or task.is_milestone):
                out.append(
                    error(
                        "risk_task_not_leaf",
                        f"risk '{risk.id}' would delay '{task_id}', which has no duration of its "
                        "own (a summary or milestone); name the tasks whose work it lengthens",
                        f"risk:{risk.id}",
                        path,
                    )
                )
    pairs: dict[frozenset[str], float] = {}
    for correlation in project.correlations:
        for k, task_id in enumerate(correlation.tasks):
            task = tasks.get(task_id)
            path = (*correlation.origin, "tasks", k)
            if task is None:
                out.append(
                    error("unknown_task", f"correlation names unknown task '{task_id}'", None, path)
                )
            elif task.estimate is None:
                out.append(
                    warning(
                        "correlation_without_estimate",
                        f"task '{task_id}' has no estimate, so its correlation has no effect",
                        f"task:{task_id}",
                        path,
                    )
                )
        for a in correlation.tasks:
            for b in correlation.tasks:
                pair = frozenset((a, b))
                if (
                    a < b
                    and pairs.setdefault(pair, correlation.coefficient) != correlation.coefficient
                ):
                    out.append(
                        error(
                            "correlation_conflict",
                            f"tasks '{a}' and '{b}' are given two different correlations",
                            None,
                            (*correlation.origin, "coefficient"),
                        )
                    )
    return out


def correlation_diagnostics(project: Project) -> list[Diagnostic]:
    """A set of correlations no draws can have (their matrix is not positive semi-definite)."""
    estimated = [j for j, t in enumerate(project.tasks) if t.estimate is not None]
    out = []
    for block in _blocks(project, {j: k for k, j in enumerate(estimated)}):
        try:
            cholesky(score_matrix(block.matrix))
        except np.linalg.LinAlgError:
            out.append(
                error(
                    "correlation_inconsistent",
                    "these correlations contradict each other (the matrix they make is not "
                    "positive definite); weaken some coefficients",
                    None,
                    ("correlations",),
                )
            )
    return out


_ROWS = 256  # estimate rows turned into durations at a time


@dataclass(frozen=True, slots=True)
class _Block:
    rows: tuple[int, ...]
    matrix: np.ndarray


class Uncertainty:
    """The rows of draws of one plan: estimates first, then per open risk its occurrence, its
    schedule impact and its cost impact (where it has them)."""

    def __init__(self, project: Project, node_count: int) -> None:
        index = {task.id: j for j, task in enumerate(project.tasks)}
        self.node_count = node_count
        self.base = np.zeros(node_count, dtype=POSITION)
        for j, task in enumerate(project.tasks):
            if not task.is_summary and not task.is_milestone:
                self.base[j] = task.duration
        self.estimated = [
            j for j, t in enumerate(project.tasks) if t.estimate is not None and not t.is_summary
        ]
        self.table = QuantileTable(
            [e for j in self.estimated if (e := project.tasks[j].estimate) is not None]
        )
        self.center = np.array([e.pert_mean for e in self.table.estimates], dtype=np.float64)
        self.risks: list[Risk] = [r for r in project.risks if r.active]
        self.risk_tasks = [tuple(index[t] for t in r.tasks if t in index) for r in self.risks]
        impacts: list[ThreePoint] = []
        self._schedule_rows = [_append(impacts, risk.schedule) for risk in self.risks]
        self._cost_rows = [_append(impacts, risk.cost) for risk in self.risks]
        self.impacts = QuantileTable(impacts, dtype=np.float64)  # money: keep every digit
        self.probability = np.array([r.probability for r in self.risks], dtype=np.float64)
        self._row_of = {j: k for k, j in enumerate(self.estimated)}
        self.blocks = _blocks(project, self._row_of)

    @property
    def rows(self) -> int:
        """Estimates, then each risk's occurrence, then the risks' impact ranges."""
        return len(self.estimated) + len(self.risks) + len(self.impacts.estimates)

    def draw(self, rng: np.random.Generator, count: int, *, latin: bool) -> Draw:
        u = uniforms(rng, self.rows, count, latin=latin)
        for block in self.blocks:
            correlate(u, block.rows, block.matrix, rng)
        duration = np.empty((self.node_count, count), dtype=POSITION)
        duration[:] = self.base[:, None]
        estimates = len(self.estimated)
        # In slices of rows: the look-up's temporaries stay in cache and memory stays small.
        for first in range(0, estimates, _ROWS):
            last = min(estimates, first + _ROWS)
            values = self.table.values(u[first:last], first)
            duration[self.estimated[first:last]] = np.rint(values)
        occurred = u[estimates : estimates + len(self.risks)] < self.probability[:, None]
        impacts = self.impacts.values(u[estimates + len(self.risks) :])
        schedule = np.zeros((len(self.risks), count), dtype=POSITION)
        cost = np.zeros((len(self.risks), count), dtype=np.float64)
        for k, risk_tasks in enumerate(self.risk_tasks):
            srow, crow = self._schedule_rows[k], self._cost_rows[k]
            if srow is not None:
                schedule[k] = np.where(occurred[k], np.rint(impacts[srow]), 0)
                for j in risk_tasks:
                    duration[j] += schedule[k]
            if crow is not None:
                cost[k] = np.where(occurred[k], impacts[crow], 0.0)
        return Draw(duration, occurred, schedule, cost)

    def estimates(self, draw: Draw, first: int, last: int) -> np.ndarray:
        """Rows ``first:last`` of the sampled estimates, centred on their PERT means: the
        durations without the risks' additions, so a task's sensitivity is its own."""
        out: np.ndarray = draw.duration[self.estimated[first:last]].astype(np.float64)
        for k, risk_tasks in enumerate(self.risk_tasks):
            for j in risk_tasks:
                row = self._row_of.get(j)
                if row is not None and first <= row < last:
                    out[row - first] -= draw.risk_schedule[k]
        out -= self.center[first:last, None]
        return out


@dataclass(frozen=True, slots=True)
class Draw:
    duration: np.ndarray  # (nodes, iterations) working minutes, risks included
    occurred: np.ndarray  # (risks, iterations) booleans
    risk_schedule: np.ndarray  # (risks, iterations) minutes added to each named task
    risk_cost: np.ndarray  # (risks, iterations) money


def _append(ranges: list[ThreePoint], value: ThreePoint | None) -> int | None:
    if value is None:
        return None
    ranges.append(value)
    return len(ranges) - 1


def _blocks(project: Project, row_of: dict[int, int]) -> list[_Block]:
    """Correlated estimate rows, grouped into independent blocks with their target matrices."""
    index = {task.id: j for j, task in enumerate(project.tasks)}
    coefficient: dict[tuple[int, int], float] = {}
    parent: dict[int, int] = {}

    def root(r: int) -> int:
        while parent.setdefault(r, r) != r:
            r = parent[r]
        return r

    for correlation in project.correlations:
        rows = [row_of[index[t]] for t in correlation.tasks if index.get(t, -1) in row_of]
        for a in rows:
            for b in rows:
                if a != b:
                    coefficient[(a, b)] = correlation.coefficient
                    parent[root(a)] = root(b)
    members: dict[int, list[int]] = {}
    for r in parent:
        members.setdefault(root(r), []).append(r)
    blocks = []
    for rows in members.values():
        rows.sort()
        matrix = np.eye(len(rows))
        for x, a in enumerate(rows):
            for y, b in enumerate(rows):
                if a != b:
                    matrix[x, y] = coefficient.get((a, b), 0.0)
        blocks.append(_Block(tuple(rows), matrix))
    return blocks
