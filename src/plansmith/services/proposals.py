"""The proposals pipeline: intake, scoring, review, and approval that makes the project.

Who may do what (docs/portfolio-governance.md has the table):

- Anyone signed in reads the pipeline and submits a proposal: ideas come from anywhere, and a
  pipeline only some can see invites duplicates.
- The author edits, submits, deletes and reworks their own proposal while it is a draft (or
  rejected); an administrator may do all of that to any proposal.
- Only an administrator decides: sends back, rejects and approves. Approving creates the
  project (the approver is its owner, like anyone who creates one), with the estimated cost as
  its first budget line; the sponsor, when they have an account, becomes an owner too.
- The scoring model is the portfolio's, changed by administrators only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.scoring import Stage, can_move, check_criteria
from plansmith.domain.diagnostics import Severity
from plansmith.errors import Conflict, Forbidden, Invalid, NotFound
from plansmith.io.plan_writer import spec_document
from plansmith.io.portfolio_file import (
    DEFAULT_SCORING,
    ProposalSpec,
    ScoringSpec,
    criteria,
    score_proposal,
)
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Day, Id, Spec
from plansmith.services import portfolios
from plansmith.services.access import Role, grant
from plansmith.services.items import Item, check_version
from plansmith.services.portfolio_file import proposal_json
from plansmith.storage import tables as t
from plansmith.storage.plans import now
from plansmith.storage.tables_portfolio import Proposal, ScoringModel

PROPOSAL_RATE = Decimal("0.08")  # the discount rate of a proposal's NPV on the server
DEFAULT_CURRENCY = "USD"


class ApproveBody(Spec):
    """What the project made of an approved proposal is called, and where it goes."""

    project: Id | None = None  # default: the proposal's id
    name: str | None = Field(None, min_length=1, max_length=200)
    start: Day | None = None  # default: the proposal's start, or today
    portfolio: Id | None = None
    currency: str = DEFAULT_CURRENCY


def _validated(schema: type[Spec], body: dict[str, Any], what: str) -> Any:
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the {what} is not valid: {problems[0].message}", diagnostics=problems
        ) from None


# The scoring model ---------------------------------------------------------------------------


def scoring(session: Session) -> tuple[ScoringSpec, int]:
    row = session.scalar(select(ScoringModel).where(ScoringModel.key == "default"))
    if row is None:
        return DEFAULT_SCORING, 0
    return ScoringSpec.model_validate(row.spec), row.version


def scoring_item(session: Session) -> Item:
    spec, version = scoring(session)
    return Item(spec.model_dump(mode="json", by_alias=True), version)


def set_scoring(session: Session, user: t.User, body: dict[str, Any], if_match: int | None) -> Item:
    """Replace the model (administrators). The first change needs no If-Match: there was no
    stored version to have read."""
    _require_admin(user, "change the scoring model")
    spec: ScoringSpec = _validated(ScoringSpec, body, "scoring model")
    # A model with no criteria, or one id twice, would score every proposal the same or
    # ambiguously: refused like the portfolio file reports it (warnings are kept, not refused).
    problems = [
        d
        for d in check_criteria(criteria(spec.criteria, ()), ("criteria",))
        if d.severity is Severity.ERROR
    ]
    if problems:
        raise Invalid(
            f"the scoring model is not valid: {problems[0].message}",
            code=problems[0].code,
            diagnostics=problems,
        )
    row = session.scalar(select(ScoringModel).where(ScoringModel.key == "default"))
    if row is None:
        row = ScoringModel(key="default", spec={}, updated_at=now())
        session.add(row)
    else:
        check_version(row, if_match)
    row.spec, row.updated_at = spec_document(spec), now()
    session.flush()
    return scoring_item(session)


# Proposals -----------------------------------------------------------------------------------


def _require_admin(user: t.User, what: str) -> None:
    if not user.is_admin:
        raise Forbidden(f"only an administrator may {what}", code="forbidden")


def _find(session: Session, key: str) -> Proposal:
    row = session.scalar(select(Proposal).where(Proposal.key == key))
    if row is None:
        raise NotFound(f"no proposal '{key}'", code="not_found")
    return row


def proposal_spec(row: Proposal) -> ProposalSpec:
    return ProposalSpec.model_validate({**row.spec, "id": row.key, "status": row.status})


def proposal_document(session: Session, row: Proposal) -> dict[str, Any]:
    spec = proposal_spec(row)
    model, _ = scoring(session)
    scored = proposal_json(score_proposal(spec, model, DEFAULT_CURRENCY, PROPOSAL_RATE))
    author = session.get(t.User, row.submitted_by) if row.submitted_by else None
    project = session.get(t.Project, row.project_id) if row.project_id else None
    figures = {key: scored[key] for key in ("score", "npv", "payback", "diagnostics")}
    return {
        **spec_document(spec),
        "status": row.status,
        **figures,
        "submitted_by": author.email if author is not None else None,
        "project": project.key if project is not None else None,
    }


def list_proposals(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    query = select(Proposal).order_by(Proposal.created_at, Proposal.id)
    if status is not None:
        query = query.where(Proposal.status == status)
    return [
        {**proposal_document(session, row), "version": row.version}
        for row in session.scalars(query)
    ]


def get_proposal(session: Session, key: str) -> Item:
    row = _find(session, key)
    return Item(proposal_document(session, row), row.version)


def create_proposal(session: Session, user: t.User, body: dict[str, Any]) -> Item:
    """Anyone signed in; it starts as a draft (or as the stage an administrator says)."""
    spec: ProposalSpec = _validated(ProposalSpec, body, "proposal")
    if "status" in body and spec.status != Stage.DRAFT.value:
        _require_admin(user, "file a proposal past the draft stage")
    if session.scalar(select(Proposal.id).where(Proposal.key == spec.id)) is not None:
        raise Conflict(f"a proposal '{spec.id}' already exists", code="proposal_exists")
    stamp = now()
    row = Proposal(
        key=spec.id,
        title=spec.title,
        status=spec.status,
        spec=_stored(spec),
        submitted_by=user.id,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    session.flush()
    return Item(proposal_document(session, row), row.version)


def _stored(spec: ProposalSpec) -> dict[str, Any]:
    return {k: v for k, v in spec_document(spec).items() if k not in {"id", "status"}}


def _may_edit(user: t.User, row: Proposal) -> None:
    if user.is_admin:
        return
    if row.submitted_by != user.id:
        raise Forbidden("only its author or an administrator changes a proposal", code="forbidden")
    if row.status not in (Stage.DRAFT, Stage.REJECTED):
        raise Forbidden(
            "a proposal under review or decided is changed by an administrator only",
            code="forbidden",
        )


def update_proposal(
    session: Session, user: t.User, key: str, patch: dict[str, Any], if_match: int | None
) -> Item:
    row = _find(session, key)
    _may_edit(user, row)
    check_version(row, if_match)
    if "id" in patch and patch["id"] != row.key:
        raise Invalid("a proposal's id cannot change", code="id_immutable")
    if "status" in patch and patch["status"] != row.status:
        raise Invalid(
            "the stage changes by a transition (POST .../transition) or approval",
            code="invalid_transition",
        )
    current = spec_document(proposal_spec(row))
    spec: ProposalSpec = _validated(ProposalSpec, {**current, **patch}, "proposal")
    row.title, row.spec, row.updated_at = spec.title, _stored(spec), now()
    session.flush()
    return Item(proposal_document(session, row), row.version)


def delete_proposal(session: Session, user: t.User, key: str, if_match: int | None) -> None:
    row = _find(session, key)
    _may_edit(user, row)
    check_version(row, if_match)
    session.delete(row)
    session.flush()


def transition(session: Session, user: t.User, key: str, target: str, if_match: int | None) -> Item:
    """Move along the pipeline: the author submits (and reworks a rejected one); an
    administrator also sends back and rejects. Approval is :func:`approve`."""
    row = _find(session, key)
    try:
        stage = Stage(target)
    except ValueError:
        raise Invalid(f"'{target}' is not a stage", code="invalid_transition") from None
    if stage is Stage.APPROVED:
        raise Invalid(
            "approve with POST .../approve, which makes the project", code="invalid_transition"
        )
    current = Stage(row.status)
    if not can_move(current, stage):
        raise Invalid(
            f"a proposal {current.value.replace('_', ' ')} cannot move to "
            f"{stage.value.replace('_', ' ')}",
            code="invalid_transition",
        )
    authors_move = (current, stage) in (
        (Stage.DRAFT, Stage.UNDER_REVIEW),
        (Stage.REJECTED, Stage.DRAFT),
    )
    if not (user.is_admin or (authors_move and row.submitted_by == user.id)):
        raise Forbidden("only an administrator decides on proposals", code="forbidden")
    check_version(row, if_match)
    row.status, row.updated_at = stage.value, now()
    session.flush()
    return Item(proposal_document(session, row), row.version)


def approve(
    session: Session, user: t.User, key: str, body: dict[str, Any], if_match: int | None
) -> Item:
    """Approve a proposal under review and create its project, in one transaction."""
    _require_admin(user, "approve proposals")
    row = _find(session, key)
    choice: ApproveBody = _validated(ApproveBody, body, "approval")
    if not can_move(Stage(row.status), Stage.APPROVED):
        raise Invalid(
            f"only a proposal under review can be approved; this one is {row.status}",
            code="invalid_transition",
        )
    check_version(row, if_match)
    spec = proposal_spec(row)
    project: dict[str, Any] = {
        "id": choice.project or spec.id,
        "name": choice.name or spec.title[:200],
        "start": (choice.start or spec.start or date.today()).isoformat(),
        "currency": choice.currency,
    }
    if choice.portfolio is not None:
        project["portfolio"] = choice.portfolio
    if spec.cost is not None:
        sponsor = f"; sponsor: {spec.sponsor}" if spec.sponsor else ""
        project["budget"] = [
            {
                "amount": str(spec.cost),
                "category": "labour",
                "name": f"Estimated cost, proposal {spec.id}{sponsor}",
            }
        ]
    created = portfolios.create_project(session, user, project)
    stored = portfolios.project_named(session, created.document["id"])
    sponsor_account = session.scalar(
        select(t.User).where(t.User.email == spec.sponsor.strip().lower())
    )
    if sponsor_account is not None and sponsor_account.id != user.id:
        grant(session, stored.id, sponsor_account.id, Role.OWNER)
    row.status, row.project_id, row.updated_at = Stage.APPROVED.value, stored.id, now()
    session.flush()
    return Item(proposal_document(session, row), row.version)
