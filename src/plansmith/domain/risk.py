"""Uncertainty in a plan: three-point estimates, correlations between them, and a risk register.

Estimates are in the task's own units (working minutes of duration, or of effort for effort-driven
tasks); risk costs are money in the project's currency. Engines sample from these; the loader has
already checked that each range is ordered and every number is in range.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from plansmith.domain.diagnostics import DocPath


class Distribution(StrEnum):
    """How a three-point range is sampled. PERT is the project-management default."""

    PERT = "pert"
    TRIANGULAR = "triangular"
    UNIFORM = "uniform"
    LOGNORMAL = "lognormal"


@dataclass(frozen=True, slots=True)
class ThreePoint:
    """optimistic <= likely <= pessimistic, in working minutes (or money for a cost range)."""

    optimistic: float
    likely: float
    pessimistic: float
    distribution: Distribution = Distribution.PERT

    @property
    def pert_mean(self) -> float:
        return (self.optimistic + 4 * self.likely + self.pessimistic) / 6

    @property
    def pert_std(self) -> float:
        return (self.pessimistic - self.optimistic) / 6

    @property
    def width(self) -> float:
        return self.pessimistic - self.optimistic


@dataclass(frozen=True, slots=True)
class Correlation:
    """Every pair of ``tasks`` has rank correlation ``coefficient`` between their estimates."""

    tasks: tuple[str, ...]
    coefficient: float
    origin: DocPath = ()


class RiskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # ignored by the simulation


@dataclass(frozen=True, slots=True)
class Risk:
    """A threat that happens with ``probability`` in a given run of the project.

    When it happens, ``schedule`` (working minutes) is added to the duration of each of ``tasks``
    and ``cost`` to the project's cost.
    """

    id: str
    title: str
    probability: float
    tasks: tuple[str, ...] = ()
    schedule: ThreePoint | None = None
    cost: ThreePoint | None = None
    owner: str | None = None
    response: str = ""
    status: RiskStatus = RiskStatus.OPEN
    origin: DocPath = ()

    @property
    def active(self) -> bool:
        return self.status is not RiskStatus.CLOSED


def fixed_cost(amount: Decimal) -> ThreePoint:
    """A cost impact given as one amount: a range of zero width."""
    value = float(amount)
    return ThreePoint(value, value, value)
