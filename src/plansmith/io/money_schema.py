"""The money and progress part of the plan file's schema: rates over time, fixed costs, expenses,
budget lines, time bookings (actuals) and each task's progress."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from plansmith.io.schema_types import (
    Amount,
    Day,
    Id,
    Spec,
    decimal_text,
    lowercase,
    percent,
    percent_text,
)

CategoryName = Annotated[
    Literal[
        "labour",
        "hardware",
        "software",
        "services",
        "training",
        "contingency",
        "management_reserve",
    ],
    BeforeValidator(lambda v: lowercase(v).replace(" ", "_") if isinstance(v, str) else v),
]
EvMethodName = Annotated[
    Literal["percent_complete", "0/100", "50/50", "weighted_milestones"],
    BeforeValidator(lowercase),
]
Percent = Annotated[Decimal, BeforeValidator(percent), PlainSerializer(percent_text)]


class RateChangeSpec(Spec):
    start: Day = Field(alias="from")
    rate: Amount


class FixedCostSpec(Spec):
    amount: Amount
    accrue: Annotated[Literal["start", "end", "prorated"], BeforeValidator(lowercase)] = "prorated"
    category: CategoryName = "services"


def fixed_cost(value: Any) -> Any:
    """``cost: 1200`` is shorthand for ``cost: {amount: 1200}``."""
    return value if isinstance(value, dict) else {"amount": value}


class StepSpec(Spec):
    name: str
    weight: Annotated[Decimal, PlainSerializer(decimal_text)] = Field(
        Decimal(1), gt=0, allow_inf_nan=False
    )
    done: bool = False


class ExpenseSpec(Spec):
    name: str
    amount: Amount
    date: Day
    task: Id | None = None
    category: CategoryName = "services"


class BudgetSpec(Spec):
    amount: Amount
    category: CategoryName
    phase: Id | None = None
    name: str = ""


class ActualSpec(Spec):
    task: Id
    date: Day
    resource: Id | None = None
    hours: Annotated[Decimal, PlainSerializer(decimal_text)] | None = Field(
        None, gt=0, le=24, allow_inf_nan=False
    )
    cost: Amount | None = None
    overtime: bool = False

    @model_validator(mode="after")
    def _hours_or_cost(self) -> ActualSpec:
        if self.hours is not None and self.cost is not None:
            raise PydanticCustomError(
                "invalid_value", "a booking gives 'hours' or 'cost', not both: make two bookings"
            )
        if self.hours is None and self.cost is None:
            raise PydanticCustomError(
                "missing_key", "a booking gives either 'hours' (with 'resource') or 'cost'"
            )
        if self.hours is not None and self.resource is None:
            raise PydanticCustomError("missing_key", "a booking of hours needs 'resource'")
        return self
