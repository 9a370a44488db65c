"""The team part of the plan file's schema: roles, deliverables, the RACI matrix, skill levels
and requirements, certifications, training, and the rules the checks apply.

Every section is optional, so a plan written before them reads as it did. Only shapes and
simple values are checked here; references (a RACI row naming a deliverable, a course naming a
person) are the checks' to report in :mod:`plansmith.analytics.team_checks`, with codes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from plansmith.io.schema_types import Amount, Day, Id, Spec, lowercase

# 1 knows of it, 2 works with help, 3 works alone, 4 teaches it, 5 sets the standard.
SkillLevel = Annotated[int, Field(ge=1, le=5, strict=True)]
SkillName = Annotated[str, Field(min_length=1, max_length=100)]
ReminderDays = Annotated[int, Field(ge=0, le=3650, strict=True)]
DeliverableStatus = Annotated[
    Literal["planned", "in_progress", "delivered", "accepted", "rejected"],
    BeforeValidator(lambda v: lowercase(v).replace(" ", "_") if isinstance(v, str) else v),
]
SignOffDecision = Annotated[Literal["accepted", "rejected"], BeforeValidator(lowercase)]
TEAM_SECTIONS = ("roles", "deliverables", "raci", "certifications", "training", "team_rules")


def _letters(value: Any) -> Any:
    """``A``, ``R``, ``AR`` or ``a/r``: a cell's letters, upper case, each once, in RACI order."""
    if not isinstance(value, str):
        return value
    letters = {c for c in value.upper() if c not in " /,"}
    if not letters or not letters <= set("RACI"):
        raise PydanticCustomError(
            "invalid_value",
            "'{value}' is not a RACI cell: use letters from R, A, C and I (such as 'A' or 'AR')",
            {"value": value},
        )
    return "".join(c for c in "RACI" if c in letters)


RaciLetters = Annotated[str, BeforeValidator(_letters)]
# item (a deliverable or task id) -> party (a person or a role) -> letters
RaciSpec = dict[Id, dict[Id, RaciLetters]]


class RequirementSpec(Spec):
    """A skill a task needs, at a level (1 when not given)."""

    skill: SkillName
    level: SkillLevel = 1


def requirement(value: Any) -> Any:
    """``requires: [python]`` is shorthand for ``requires: [{skill: python}]``."""
    return {"skill": value} if isinstance(value, str) else value


Requirement = Annotated[RequirementSpec, BeforeValidator(requirement)]
# A resource's skills: names (each at level 1, as plans wrote them before levels), or levels.
Skills = list[SkillName] | dict[SkillName, SkillLevel]


class RoleSpec(Spec):
    """A role that RACI cells may name instead of a person (``dba``, ``sponsor``)."""

    id: Id
    name: str | None = None
    members: list[Id] = Field(default_factory=list)


class SignOffSpec(Spec):
    """One sign-off decision by a named stakeholder; a deliverable keeps them all, in order."""

    by: Annotated[str, Field(min_length=1, max_length=200)]
    date: Day
    decision: SignOffDecision = "accepted"
    note: str = ""


class DeliverableSpec(Spec):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=500)]
    acceptance: list[str] = Field(default_factory=list)  # the acceptance criteria
    owner: Id | None = None  # a resource
    milestone: Id | None = None  # the milestone task it is due at
    status: DeliverableStatus = "planned"
    signoffs: list[SignOffSpec] = Field(default_factory=list)


class CertificationSpec(Spec):
    resource: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    issued: Day | None = None
    expires: Day | None = None

    @model_validator(mode="after")
    def _order(self) -> CertificationSpec:
        if self.issued is not None and self.expires is not None and self.expires < self.issued:
            raise PydanticCustomError("invalid_value", "a certification expires after its issue")
        return self


class TrainingSpec(Spec):
    """A course for a person; its cost is planned on its start day, category ``training``."""

    resource: Id
    course: Annotated[str, Field(min_length=1, max_length=200)]
    start: Day
    end: Day | None = None
    cost: Amount = Decimal(0)
    skill: SkillName | None = None  # the skill it teaches...
    level: SkillLevel | None = None  # ...up to this level

    @model_validator(mode="after")
    def _order(self) -> TrainingSpec:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError("invalid_value", "a course ends on or after its start")
        return self


class TeamRulesSpec(Spec):
    """Limits the team checks use."""

    max_accountable: int = Field(5, ge=1, le=1000, strict=True)
    certification_notice: int = Field(60, ge=0, le=3650, strict=True)  # days ahead to warn
    # Days before expiry on which the holder (and, with remind_managers, the project's owners
    # and managers) get an e-mail; each threshold once per certification. [] sends none.
    certification_reminders: tuple[ReminderDays, ...] = (60, 30, 7)
    remind_managers: bool = True

    @model_validator(mode="after")
    def _distinct(self) -> TeamRulesSpec:
        if len(set(self.certification_reminders)) != len(self.certification_reminders):
            raise PydanticCustomError("invalid_value", "each reminder day is listed once")
        return self


class TeamSections(Spec):
    """The team sections as a project's document carries them (the API's project, which keeps
    the plan-level sections; :class:`~plansmith.io.plan_schema.PlanSpec` lists the same)."""

    roles: list[RoleSpec] = Field(default_factory=list)
    deliverables: list[DeliverableSpec] = Field(default_factory=list)
    raci: RaciSpec = Field(default_factory=dict)
    certifications: list[CertificationSpec] = Field(default_factory=list)
    training: list[TrainingSpec] = Field(default_factory=list)
    team_rules: TeamRulesSpec | None = None
