"""The risk part of the plan file's schema: three-point estimates, risks, correlations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Discriminator, Field, Tag

from plansmith.io.schema_types import (
    Amount,
    DurationText,
    Id,
    Spec,
    lowercase,
    probability_value,
)

Distribution = Annotated[
    Literal["pert", "triangular", "uniform", "lognormal"], BeforeValidator(lowercase)
]


class EstimateSpec(Spec):
    """A three-point range; the order optimistic <= likely <= pessimistic is checked later."""

    optimistic: DurationText
    likely: DurationText
    pessimistic: DurationText


class CostRangeSpec(Spec):
    optimistic: Amount
    likely: Amount
    pessimistic: Amount


def _form(value: Any) -> str:
    """One value or a three-point range: only the form written is checked, so a bad value is
    one problem, not one per form it failed to be. Also asked when writing, with the model."""
    return "range" if isinstance(value, dict | BaseModel) else "single"


ScheduleImpact = Annotated[
    Annotated[DurationText, Tag("single")] | Annotated[EstimateSpec, Tag("range")],
    Discriminator(_form),
]
CostImpact = Annotated[
    Annotated[Amount, Tag("single")] | Annotated[CostRangeSpec, Tag("range")],
    Discriminator(_form),
]


class ImpactSpec(Spec):
    schedule: ScheduleImpact | None = None
    cost: CostImpact | None = None


class RiskSpec(Spec):
    id: Id
    title: str
    probability: Annotated[float, BeforeValidator(probability_value), Field(ge=0, le=1)]
    impact: ImpactSpec
    tasks: list[Id] = Field(default_factory=list)
    owner: str | None = None
    response: str = ""
    status: Annotated[Literal["open", "closed"], BeforeValidator(lowercase)] = "open"


class CorrelationSpec(Spec):
    tasks: list[Id] = Field(min_length=2)
    coefficient: float = Field(ge=-1, le=1, allow_inf_nan=False)
