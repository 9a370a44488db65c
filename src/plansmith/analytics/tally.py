"""What a simulation keeps of its iterations: every finish and cost, and running sums for the rest.

Finishes and costs are kept whole (two numbers per iteration) because percentiles need them all.
Criticality, risk occurrence and the correlations behind the sensitivities are sums, so memory does
not grow with the tasks times the iterations. Sums are centred (durations on their PERT means, the
finish and cost on the deterministic plan's) to keep the variance arithmetic accurate. Products
use ``einsum``, not BLAS: BLAS threads would compete with the simulation's own two processes (and
do not survive ``fork`` reliably).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_ROWS = 256  # estimate rows summed at a time (small temporaries)


@dataclass(frozen=True, slots=True)
class TallyShape:
    tasks: int
    estimates: int
    risks: int
    targets: int


@dataclass
class Tally:
    finish: list[np.ndarray]  # instants, per batch
    work: list[np.ndarray]  # project working minutes from the deterministic finish
    cost: list[np.ndarray]  # money from the deterministic cost
    critical: np.ndarray  # iterations on the critical path, per task
    occurred: np.ndarray  # iterations in which each risk happened
    hits: np.ndarray  # iterations meeting each target
    # Sums for correlations: rows are estimates, then risk schedule, then risk cost impacts.
    sx: np.ndarray
    sxx: np.ndarray
    sxf: np.ndarray
    sxc: np.ndarray
    cost_zero: float = 0.0

    @classmethod
    def empty(cls, shape: TallyShape) -> Tally:
        rows = shape.estimates + 2 * shape.risks
        return cls(
            [],
            [],
            [],
            np.zeros(shape.tasks, dtype=np.int64),
            np.zeros(shape.risks, dtype=np.int64),
            np.zeros(shape.targets, dtype=np.int64),
            np.zeros(rows),
            np.zeros(rows),
            np.zeros(rows),
            np.zeros(rows),
        )

    def add(
        self,
        *,
        finish: np.ndarray,
        work: np.ndarray,
        cost: np.ndarray,
        cost_zero: float,
        critical: np.ndarray,
        estimates: Callable[[int, int], np.ndarray],
        risk_schedule: np.ndarray,
        risk_cost: np.ndarray,
        occurred: np.ndarray,
        hits: np.ndarray,
    ) -> None:
        """One batch; ``estimates(first, last)`` gives those rows of the sampled estimates,
        centred on their PERT means (see :meth:`Uncertainty.estimates`)."""
        self.finish.append(finish)
        self.work.append(work)
        self.cost.append(cost)
        self.cost_zero = cost_zero
        self.critical += critical
        self.occurred += occurred
        self.hits += hits
        f = work.astype(np.float64)
        count = len(self.sx) - 2 * len(self.occurred)
        for first in range(0, count, _ROWS):
            last = min(count, first + _ROWS)
            self._sums(slice(first, last), estimates(first, last), f, cost)
        risks = np.concatenate((risk_schedule, risk_cost)).astype(np.float64)
        self._sums(slice(count, count + len(risks)), risks, f, cost)

    def _sums(self, rows: slice, x: np.ndarray, f: np.ndarray, cost: np.ndarray) -> None:
        self.sx[rows] += x.sum(axis=1)
        self.sxx[rows] += np.einsum("ij,ij->i", x, x)
        self.sxf[rows] += np.einsum("ij,j->i", x, f)
        self.sxc[rows] += np.einsum("ij,j->i", x, cost)

    def merge(self, other: Tally) -> None:
        self.finish += other.finish
        self.work += other.work
        self.cost += other.cost
        self.cost_zero = other.cost_zero
        for name in ("critical", "occurred", "hits", "sx", "sxx", "sxf", "sxc"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def count(self) -> int:
        return sum(len(f) for f in self.finish)

    def finishes(self) -> np.ndarray:
        return np.concatenate(self.finish) if self.finish else np.zeros(0, dtype=np.int64)

    def works(self) -> np.ndarray:
        return np.concatenate(self.work) if self.work else np.zeros(0, dtype=np.int64)

    def costs(self) -> np.ndarray:
        """Total cost per iteration."""
        joined = np.concatenate(self.cost) if self.cost else np.zeros(0)
        out: np.ndarray = joined + self.cost_zero
        return out

    def correlations(self) -> tuple[np.ndarray, np.ndarray]:
        """Pearson correlation of each row with the finish and with the cost (0 where either
        does not vary)."""
        n = self.count
        f = self.works().astype(np.float64)
        c = np.concatenate(self.cost) if self.cost else np.zeros(0)
        out = []
        for sy, syy, sxy in ((f.sum(), f @ f, self.sxf), (c.sum(), c @ c, self.sxc)):
            var_x = self.sxx - self.sx**2 / n
            var_y = syy - sy**2 / n
            cov = sxy - self.sx * sy / n
            denominator = np.sqrt(np.maximum(var_x, 0.0) * max(var_y, 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(denominator > 1e-12, cov / denominator, 0.0)
            out.append(np.clip(r, -1.0, 1.0))
        return out[0], out[1]


def percentile(values: np.ndarray, p: float) -> float:
    """An observed value (no interpolation between iterations): the smallest with at least
    ``p`` percent of iterations at or below it."""
    return float(np.percentile(values, p, method="inverted_cdf"))
