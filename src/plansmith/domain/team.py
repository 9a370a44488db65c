"""The team side of a plan: who is accountable for what (RACI), the deliverables and their
sign-offs, skill levels held and required, certifications and training.

Plain values like the rest of the model; ``origin`` remembers where each was written so a check
far from the loader can still point at the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from plansmith.domain.diagnostics import DocPath

RACI_LETTERS = "RACI"


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    name: str
    members: tuple[str, ...] = ()
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class SignOff:
    by: str
    day: date
    accepted: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class Deliverable:
    id: str
    name: str
    acceptance: tuple[str, ...] = ()
    owner: str | None = None
    milestone: str | None = None
    status: str = "planned"
    signoffs: tuple[SignOff, ...] = ()
    origin: DocPath = ()

    @property
    def signed_off(self) -> SignOff | None:
        """The latest decision, if it accepted the deliverable (a later rejection undoes it)."""
        last = self.signoffs[-1] if self.signoffs else None
        return last if last is not None and last.accepted else None


@dataclass(frozen=True, slots=True)
class RaciCell:
    """``party`` (a person or a role) is ``letters`` (some of R, A, C, I) for ``item``."""

    item: str
    party: str
    letters: str
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class SkillHeld:
    resource: str
    skill: str
    level: int
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Requirement:
    task: str
    skill: str
    level: int
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Certification:
    resource: str
    name: str
    issued: date | None = None
    expires: date | None = None
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Training:
    resource: str
    course: str
    start: date
    end: date | None = None
    cost: Decimal = Decimal(0)
    skill: str | None = None
    level: int | None = None
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Team:
    roles: tuple[Role, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()
    raci: tuple[RaciCell, ...] = ()
    skills: tuple[SkillHeld, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    certifications: tuple[Certification, ...] = ()
    training: tuple[Training, ...] = ()
    max_accountable: int = 5
    certification_notice: int = 60  # days


NO_TEAM = Team()
