"""Technology evaluations: the decision matrix, each option's cost-benefit figures, the
recommendation, and applying the chosen option to a project.

Anyone signed in reads evaluations; those who run projects (administrators, and owners and
managers of some project, as for the shared pool) write them and record the recommendation.
Applying the recommended option to a project is a change to that project's plan, so it needs
``edit_plan`` there: the option's cost lines become budget lines (their totals over the
horizon, undiscounted, by category) and its ``system``, when it has one, joins the project's
inventory.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.cba import LineKind
from plansmith.domain.money import Category
from plansmith.errors import Conflict, Forbidden, Invalid, NotFound
from plansmith.io.plan_writer import spec_document
from plansmith.io.portfolio_file import EvaluationSpec, RecommendationSpec, check_evaluation
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.services import portfolios
from plansmith.services.access import Action, Role
from plansmith.services.items import Item, check_version
from plansmith.services.portfolio_file import evaluation_cba, evaluation_json
from plansmith.storage import tables as t
from plansmith.storage.plans import now
from plansmith.storage.tables_portfolio import Evaluation

CATEGORIES = {c.value for c in Category}


def _validated(body: dict[str, Any], schema: type[Any] = EvaluationSpec) -> Any:
    try:
        return schema.model_validate(body)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(f"not valid: {problems[0].message}", diagnostics=problems) from None


def _require_writer(session: Session, user: t.User) -> None:
    if user.is_admin:
        return
    manages = session.scalar(
        select(t.Membership.id)
        .where(
            t.Membership.user_id == user.id,
            t.Membership.role.in_([Role.OWNER.value, Role.MANAGER.value]),
        )
        .limit(1)
    )
    if manages is None:
        raise Forbidden(
            "evaluations are written by administrators and by owners and managers of projects",
            code="forbidden",
        )


def _find(session: Session, key: str) -> Evaluation:
    row = session.scalar(select(Evaluation).where(Evaluation.key == key))
    if row is None:
        raise NotFound(f"no evaluation '{key}'", code="not_found")
    return row


def evaluation_spec(row: Evaluation) -> EvaluationSpec:
    return EvaluationSpec.model_validate({**row.spec, "id": row.key})


def evaluation_document(row: Evaluation) -> dict[str, Any]:
    return {"id": row.key, **row.spec}


def analysis(session: Session, key: str) -> dict[str, Any]:
    """The matrix, the figures per option and the recommendation (what the page shows)."""
    checked = check_evaluation(evaluation_spec(_find(session, key)))
    return evaluation_json(checked, evaluation_cba(checked))


def list_evaluations(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(Evaluation).order_by(Evaluation.key))
    return [{**evaluation_document(row), "version": row.version} for row in rows]


def get_evaluation(session: Session, key: str) -> Item:
    row = _find(session, key)
    return Item(evaluation_document(row), row.version)


def _store(row: Evaluation, spec: EvaluationSpec) -> None:
    """Only an evaluation without errors is stored (warnings, such as weights not adding up to
    100, are shown with it)."""
    checked = check_evaluation(spec)
    errors = tuple(d for d in checked.diagnostics if d.is_error)
    if errors:
        raise Invalid(f"the evaluation has errors: {errors[0].message}", diagnostics=errors)
    row.title = spec.title
    row.spec = {k: v for k, v in spec_document(spec).items() if k != "id"}
    row.updated_at = now()


def create_evaluation(session: Session, user: t.User, body: dict[str, Any]) -> Item:
    _require_writer(session, user)
    spec: EvaluationSpec = _validated(body)
    if session.scalar(select(Evaluation.id).where(Evaluation.key == spec.id)) is not None:
        raise Conflict(f"an evaluation '{spec.id}' already exists", code="evaluation_exists")
    row = Evaluation(key=spec.id, created_by=user.id, created_at=now())
    _store(row, spec)
    session.add(row)
    session.flush()
    return Item(evaluation_document(row), row.version)


def update_evaluation(
    session: Session, user: t.User, key: str, patch: dict[str, Any], if_match: int | None
) -> Item:
    _require_writer(session, user)
    row = _find(session, key)
    check_version(row, if_match)
    if "id" in patch and patch["id"] != row.key:
        raise Invalid("an evaluation's id cannot change", code="id_immutable")
    _store(row, _validated({**evaluation_document(row), **patch}))
    session.flush()
    return Item(evaluation_document(row), row.version)


def delete_evaluation(session: Session, user: t.User, key: str, if_match: int | None) -> None:
    _require_writer(session, user)
    row = _find(session, key)
    check_version(row, if_match)
    session.delete(row)
    session.flush()


def recommend(
    session: Session, user: t.User, key: str, body: dict[str, Any], if_match: int | None
) -> Item:
    """Record (or replace) the recommendation: the option, why, who decided and when."""
    choice: RecommendationSpec = _validated(body, RecommendationSpec)
    return update_evaluation(
        session, user, key, {"recommendation": spec_document(choice)}, if_match
    )


def apply(session: Session, user: t.User, project_key: str, key: str) -> dict[str, Any]:
    """Add the recommended option's budget lines and system to the project."""
    project = portfolios.find_project(session, user, project_key, Action.EDIT_PLAN)
    checked = check_evaluation(evaluation_spec(_find(session, key)))
    chosen = checked.spec.recommendation
    if chosen is None:
        raise Invalid(
            "record a recommendation before applying the evaluation", code="no_recommendation"
        )
    option = next(o for o in checked.spec.options if o.id == chosen.option)
    cba = evaluation_cba(checked)
    if cba is None:
        raise Invalid("the evaluation's cost-benefit figures have errors", code="invalid")
    result = cba.option(option.id)
    lines = [
        {
            "amount": str(total.total),
            "category": total.line.category if total.line.category in CATEGORIES else "services",
            "name": f"{option.name}: {total.line.name} ({checked.spec.id})",
        }
        for total in result.lines
        if total.line.kind is LineKind.COST and total.total > 0
    ]
    document = portfolios.project_document(session, project)
    changes: dict[str, Any] = {"budget": [*document.get("budget", []), *lines]}
    added_system = None
    if option.system is not None:
        systems = document.get("systems", [])
        if any(s["id"] == option.system.id for s in systems):
            raise Conflict(
                f"the project already has a system '{option.system.id}'", code="system_exists"
            )
        changes["systems"] = [*systems, spec_document(option.system)]
        added_system = option.system.id
    portfolios.change_plan_lists(session, user, project, changes)
    return {"budget": lines, "system": added_system, "project": project.key}
