"""The stakeholder register of a project and its power/interest grid.

The register holds people's names and addresses, so it is part of the plan's private side:
reading it needs ``read_plan`` (viewers and up, not stakeholders themselves), changing it
``edit_plan`` (owners and managers). Every change is checked against the version the caller
read (If-Match) and recorded in the project's history, like any plan item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.errors import Invalid, NotFound
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Spec
from plansmith.services.access import Action
from plansmith.services.audit import record_changes
from plansmith.services.items import Item, check_version
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.storage.tables_comms import Stakeholder

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
HIGH = 3  # a score of 3 or more counts as high on the grid (the scale is 1 to 5)
FIELDS = ("name", "organisation", "role", "email", "interest", "influence", "channel", "notes")


class Channel(StrEnum):
    EMAIL = "email"
    MEETING = "meeting"
    PHONE = "phone"
    CHAT = "chat"
    PORTAL = "portal"


class StakeholderIn(Spec):
    name: str = Field("", min_length=1, max_length=200, validate_default=True)
    organisation: str = Field("", max_length=200)
    role: str = Field("", max_length=200)
    email: str = Field("", max_length=320)
    interest: int = Field(3, ge=1, le=5, description="1 (very low) to 5 (very high)")
    influence: int = Field(3, ge=1, le=5, description="1 (very low) to 5 (very high)")
    channel: Channel = Channel.EMAIL
    notes: str = Field("", max_length=10_000)

    @field_validator("name", "organisation", "role", "email")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str) -> str:
        if value and not EMAIL.fullmatch(value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value


class Quadrant(StrEnum):
    """Mendelow's grid: what to do with a stakeholder, by influence (power) and interest."""

    MANAGE_CLOSELY = "manage_closely"  # high influence, high interest
    KEEP_SATISFIED = "keep_satisfied"  # high influence, low interest
    KEEP_INFORMED = "keep_informed"  # low influence, high interest
    MONITOR = "monitor"  # low influence, low interest


QUADRANT_LABELS = {
    Quadrant.MANAGE_CLOSELY: "Manage closely",
    Quadrant.KEEP_SATISFIED: "Keep satisfied",
    Quadrant.KEEP_INFORMED: "Keep informed",
    Quadrant.MONITOR: "Monitor",
}


def quadrant(influence: int, interest: int) -> Quadrant:
    if influence >= HIGH:
        return Quadrant.MANAGE_CLOSELY if interest >= HIGH else Quadrant.KEEP_SATISFIED
    return Quadrant.KEEP_INFORMED if interest >= HIGH else Quadrant.MONITOR


def validated(document: dict[str, Any]) -> StakeholderIn:
    try:
        return StakeholderIn.model_validate(document)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the stakeholder is not valid: {problems[0].message}", diagnostics=problems
        ) from None


def document(row: Stakeholder) -> dict[str, Any]:
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in FIELDS},
        "quadrant": quadrant(row.influence, row.interest).value,
    }


def _rows(session: Session, project: t.Project) -> list[Stakeholder]:
    return list(
        session.scalars(
            select(Stakeholder)
            .where(Stakeholder.project_id == project.id)
            .order_by(Stakeholder.name, Stakeholder.id)
        )
    )


def list_stakeholders(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    project = find_project(session, user, key, Action.READ_PLAN)
    return [document(row) for row in _rows(session, project)]


def stakeholder_row(session: Session, project: t.Project, stakeholder_id: int) -> Stakeholder:
    row = session.scalar(
        select(Stakeholder).where(
            Stakeholder.id == stakeholder_id, Stakeholder.project_id == project.id
        )
    )
    if row is None:
        raise NotFound(f"there is no stakeholder {stakeholder_id} in this project")
    return row


def get_stakeholder(session: Session, user: t.User, key: str, stakeholder_id: int) -> Item:
    project = find_project(session, user, key, Action.READ_PLAN)
    row = stakeholder_row(session, project, stakeholder_id)
    return Item(document(row), row.version)


def _audit(
    session: Session,
    user: t.User,
    project: t.Project,
    row: Stakeholder,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    record_changes(session, user, project, "stakeholder", row.id, row.name, before, after)


def create_stakeholder(session: Session, user: t.User, key: str, body: dict[str, Any]) -> Item:
    project = find_project(session, user, key, Action.EDIT_PLAN)
    values = validated(body).model_dump(mode="json")
    row = Stakeholder(project_id=project.id, **values)
    session.add(row)
    session.flush()
    _audit(session, user, project, row, {}, document(row))
    return Item(document(row), row.version)


def update_stakeholder(
    session: Session,
    user: t.User,
    key: str,
    stakeholder_id: int,
    patch: dict[str, Any],
    if_match: int | None,
) -> Item:
    """``patch`` names only the fields that change (a JSON merge patch without nulls)."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    row = stakeholder_row(session, project, stakeholder_id)
    check_version(row, if_match)
    before = document(row)
    current = {name: before[name] for name in FIELDS}
    values = validated({**current, **patch}).model_dump(mode="json")
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    _audit(session, user, project, row, before, document(row))
    return Item(document(row), row.version)


def delete_stakeholder(
    session: Session, user: t.User, key: str, stakeholder_id: int, if_match: int | None
) -> None:
    """Takes them off every plan entry too; the delivery log keeps what they were sent."""
    project = find_project(session, user, key, Action.EDIT_PLAN)
    row = stakeholder_row(session, project, stakeholder_id)
    check_version(row, if_match)
    _audit(session, user, project, row, document(row), {})
    session.delete(row)
    session.flush()


@dataclass(frozen=True)
class GridCell:
    quadrant: Quadrant
    label: str
    stakeholders: list[dict[str, Any]]


def power_interest_grid(session: Session, user: t.User, key: str) -> list[GridCell]:
    """The four quadrants, high influence first (as the grid is drawn: power up, interest
    right), each with its stakeholders, most influential and interested first."""
    project = find_project(session, user, key, Action.READ_PLAN)
    rows = sorted(_rows(session, project), key=lambda r: (-r.influence, -r.interest, r.name))
    order = (
        Quadrant.KEEP_SATISFIED,
        Quadrant.MANAGE_CLOSELY,
        Quadrant.MONITOR,
        Quadrant.KEEP_INFORMED,
    )
    return [
        GridCell(
            q,
            QUADRANT_LABELS[q],
            [document(r) for r in rows if quadrant(r.influence, r.interest) is q],
        )
        for q in order
    ]
