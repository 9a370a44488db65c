"""The plan file's shape, checked by Pydantic.

Only structure and simple values are checked here (types, required and unknown keys, ranges);
references between things and anything needing the project's units (durations, lags) are checked
while building the model in :mod:`plansmith.io.plan_file`, where the document path is known.
Value parsers raise ``PydanticCustomError`` whose type *is* our stable diagnostic code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from plansmith.io.calendar_schema import CalendarSpec
from plansmith.io.inventory_schema import Systems
from plansmith.io.money_schema import (
    ActualSpec,
    BudgetSpec,
    EvMethodName,
    ExpenseSpec,
    FixedCostSpec,
    Percent,
    RateChangeSpec,
    StepSpec,
    fixed_cost,
)
from plansmith.io.risk_schema import CorrelationSpec, Distribution, EstimateSpec, RiskSpec
from plansmith.io.schema_types import (
    Amount,
    Currency,
    DateEntry,
    Day,
    DurationText,
    Id,
    Instant,
    Spec,
    lowercase,
    uppercase,
)
from plansmith.io.team_schema import (
    CertificationSpec,
    DeliverableSpec,
    RaciSpec,
    Requirement,
    RoleSpec,
    Skills,
    TeamRulesSpec,
    TrainingSpec,
)


class ProjectSpec(Spec):
    id: Id
    name: str
    start: Day
    calendar: Id | None = None
    hours_per_day: float = Field(8.0, gt=0, le=24, allow_inf_nan=False)
    hours_per_week: float = Field(40.0, gt=0, le=168, allow_inf_nan=False)
    currency: Currency = "USD"
    timezone: str = "UTC"
    status_date: Day | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "invalid_timezone",
                "'{value}' is not an IANA time zone such as Europe/Berlin",
                {"value": value},
            ) from None
        return value


class ResourceSpec(Spec):
    id: Id
    name: str | None = None
    kind: Annotated[Literal["person", "equipment"], BeforeValidator(lowercase)] = "person"
    capacity: float = Field(1.0, gt=0, le=1_000_000, allow_inf_nan=False)
    rate: Amount | None = None
    rates: list[RateChangeSpec] = Field(default_factory=list)
    overtime_rate: Amount | None = None
    calendar: Id | None = None
    vacations: list[DateEntry] = Field(default_factory=list)
    skills: Skills = Field(default_factory=list)
    email: str | None = None


class DependencySpec(Spec):
    task: Id
    type: Annotated[Literal["FS", "SS", "FF", "SF"], BeforeValidator(uppercase)] = "FS"
    lag: DurationText = 0


class AssignSpec(Spec):
    resource: Id
    units: float | str = 1.0


def _assign(value: Any) -> Any:
    return {"resource": value} if isinstance(value, (str, int)) else value


class TaskFields(Spec):
    """A task's own fields: everything but its id, name, children, links and assignments (which
    the database keeps as rows of their own, and the API edits as such)."""

    duration: DurationText | None = None
    effort: DurationText | None = None
    estimate: EstimateSpec | None = None
    distribution: Distribution = "pert"
    milestone: bool = False
    start_no_earlier_than: Instant | None = None
    finish_no_later_than: Instant | None = None
    must_start_on: Instant | None = None
    deadline: Instant | None = None
    actual_start: Instant | None = None
    actual_finish: Instant | None = None
    progress: Percent | None = None
    remaining: DurationText | None = None
    ev_method: EvMethodName = "percent_complete"
    steps: list[StepSpec] = Field(default_factory=list)
    cost: Annotated[FixedCostSpec, BeforeValidator(fixed_cost)] | None = None
    priority: int = Field(500, ge=1, le=1000, strict=True)  # `true` is not priority 1
    calendar: Id | None = None
    notes: str = ""
    requires: list[Requirement] = Field(default_factory=list)  # skills, see team_schema


class TaskSpec(TaskFields):
    id: Id
    name: str
    children: list[TaskSpec] | None = None
    after: list[Id] = Field(default_factory=list)
    depends: list[DependencySpec] = Field(default_factory=list)
    assign: list[Annotated[AssignSpec, BeforeValidator(_assign)]] = Field(default_factory=list)


class PoolSpec(Spec):
    """A shared resource pool file: the resources several plans book, and their calendars."""

    calendars: dict[Id, CalendarSpec] = Field(default_factory=dict)
    resources: list[ResourceSpec] = Field(default_factory=list)


class PlanSpec(Spec):
    project: ProjectSpec
    pool: str | None = None
    calendars: dict[Id, CalendarSpec] = Field(default_factory=dict)
    holidays: list[DateEntry] = Field(default_factory=list)
    resources: list[ResourceSpec] = Field(default_factory=list)
    tasks: list[TaskSpec] = Field(default_factory=list)
    risks: list[RiskSpec] = Field(default_factory=list)
    correlations: list[CorrelationSpec] = Field(default_factory=list)
    budget: list[BudgetSpec] = Field(default_factory=list)
    expenses: list[ExpenseSpec] = Field(default_factory=list)
    actuals: list[ActualSpec] = Field(default_factory=list)
    systems: Systems = Field(default_factory=list)  # see io/inventory_schema.py
    # The team sections (docs/team.md):
    roles: list[RoleSpec] = Field(default_factory=list)
    deliverables: list[DeliverableSpec] = Field(default_factory=list)
    raci: RaciSpec = Field(default_factory=dict)
    certifications: list[CertificationSpec] = Field(default_factory=list)
    training: list[TrainingSpec] = Field(default_factory=list)
    team_rules: TeamRulesSpec | None = None
