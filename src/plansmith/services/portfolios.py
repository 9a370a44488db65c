"""Portfolios, projects and their members: the use cases behind those API resources.

A project's document is the plan file's ``project`` section plus the plan-level lists that are
not items of their own (holidays, correlations, budget, expenses) and its portfolio, so a
project is edited with the same words as in a plan file.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plansmith.errors import Conflict, Forbidden, Invalid, NotFound
from plansmith.io.inventory_schema import Systems
from plansmith.io.money_schema import BudgetSpec, ExpenseSpec
from plansmith.io.plan_schema import ProjectSpec
from plansmith.io.plan_writer import spec_document
from plansmith.io.risk_schema import CorrelationSpec
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import DateEntry, Id, Spec
from plansmith.io.team_schema import TeamSections
from plansmith.services.access import (
    NO_SUCH_PROJECT,
    Action,
    Role,
    grant,
    require,
    revoke,
    visible_project_ids,
)
from plansmith.services.audit import record_changes
from plansmith.services.items import MAX_PAGE, Item, Page, check_version
from plansmith.storage import tables as t
from plansmith.storage.plans import PLAN_LISTS, now

SORTABLE = {"id": t.Project.key, "name": t.Project.name, "start": t.Project.start}


class ProjectItem(ProjectSpec, TeamSections):
    portfolio: Id | None = None
    holidays: list[DateEntry] = Field(default_factory=list)
    correlations: list[CorrelationSpec] = Field(default_factory=list)
    budget: list[BudgetSpec] = Field(default_factory=list)
    expenses: list[ExpenseSpec] = Field(default_factory=list)
    systems: Systems = Field(default_factory=list)


class PortfolioItem(Spec):
    id: Id
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)


def _validate(schema: type[Spec], document: dict[str, Any], what: str) -> Any:
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        problems = pydantic_diagnostics(exc)
        raise Invalid(
            f"the {what} is not valid: {problems[0].message}", diagnostics=problems
        ) from None


def project_named(session: Session, key: str) -> t.Project:
    """The project's row, unchecked: the use case that gets it checks the caller's role."""
    project = session.scalar(select(t.Project).where(t.Project.key == key))
    if project is None:
        raise NotFound(NO_SUCH_PROJECT)  # the same words as for someone else's project
    return project


def find_project(session: Session, user: t.User, key: str, action: Action) -> t.Project:
    """The project, if ``user``'s role on it allows ``action`` (404 when they have none)."""
    project = project_named(session, key)
    require(session, user, project.id, action, exists=True)
    return project


def project_document(session: Session, project: t.Project) -> dict[str, Any]:
    portfolio = session.get(t.Portfolio, project.portfolio_id) if project.portfolio_id else None
    return {
        "id": project.key,
        "name": project.name,
        "start": project.start.isoformat(),
        "portfolio": portfolio.key if portfolio is not None else None,
        **project.spec.get("project", {}),
        **{key: project.spec[key] for key in PLAN_LISTS if key in project.spec},
    }


def _portfolio(session: Session, key: str | None) -> t.Portfolio | None:
    if key is None:
        return None
    row = session.scalar(select(t.Portfolio).where(t.Portfolio.key == key))
    if row is None:
        raise Invalid(f"no portfolio '{key}'", code="unknown_portfolio")
    return row


def _write_project(session: Session, project: t.Project, item: ProjectItem) -> None:
    doc = spec_document(item)
    portfolio = _portfolio(session, item.portfolio)
    project.key, project.name, project.start = item.id, item.name, item.start
    project.portfolio_id = portfolio.id if portfolio is not None else None
    own = {
        k: v for k, v in doc.items() if k not in {"id", "name", "start", "portfolio", *PLAN_LISTS}
    }
    project.spec = {"project": own, **{key: doc[key] for key in PLAN_LISTS if key in doc}}
    project.updated_at = now()


def list_projects(
    session: Session,
    user: t.User,
    *,
    portfolio: str | None = None,
    q: str | None = None,
    sort: str = "id",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    query = select(t.Project).where(t.Project.id.in_(visible_project_ids(user)))
    if portfolio is not None:
        query = query.where(
            t.Project.portfolio_id.in_(select(t.Portfolio.id).where(t.Portfolio.key == portfolio))
        )
    if q:
        query = query.where(func.lower(t.Project.name).contains(q.lower()))
    column = SORTABLE.get(sort.removeprefix("-"))
    if column is None:
        raise Invalid(f"cannot sort by '{sort}': use id, name or start", code="invalid_sort")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    limit = max(1, min(limit, MAX_PAGE))
    order = column.desc() if sort.startswith("-") else column.asc()
    rows = session.scalars(query.order_by(order, t.Project.id).limit(limit).offset(offset))
    docs = [{**project_document(session, row), "version": row.version} for row in rows]
    return Page(docs, total, limit, offset)


def create_project(session: Session, user: t.User, body: dict[str, Any]) -> Item:
    """A new, empty project; its creator becomes its owner."""
    item: ProjectItem = _validate(ProjectItem, body, "project")
    if session.scalar(select(t.Project.id).where(t.Project.key == item.id)) is not None:
        raise Conflict(f"a project with id '{item.id}' already exists", code="project_exists")
    stamp = now()
    project = t.Project(
        key=item.id, name=item.name, start=item.start, spec={}, created_at=stamp, updated_at=stamp
    )
    _write_project(session, project, item)
    session.add(project)
    session.flush()
    grant(session, project.id, user.id, Role.OWNER)
    document = project_document(session, project)
    record_changes(session, user, project, "project", project.id, project.key, {}, document)
    return Item(document, project.version)


def update_project(
    session: Session, user: t.User, key: str, patch: dict[str, Any], if_match: int | None
) -> Item:
    project = find_project(session, user, key, Action.EDIT_PLAN)
    check_version(project, if_match)
    before = project_document(session, project)
    if "id" in patch and patch["id"] != project.key:
        raise Invalid("a project's id cannot change", code="id_immutable")
    item: ProjectItem = _validate(ProjectItem, {**before, **patch}, "project")
    _write_project(session, project, item)
    session.flush()
    after = project_document(session, project)
    record_changes(session, user, project, "project", project.id, project.key, before, after)
    return Item(after, project.version)


def change_plan_lists(
    session: Session, user: t.User, project: t.Project, changes: dict[str, Any]
) -> Item:
    """Replace some of the project's plan-level lists (``budget``, ``systems``...) for a use
    case that has checked the caller's role and the version, with the same validation and
    audit as an edit of the project."""
    before = project_document(session, project)
    item: ProjectItem = _validate(ProjectItem, {**before, **changes}, "project")
    _write_project(session, project, item)
    session.flush()
    after = project_document(session, project)
    record_changes(session, user, project, "project", project.id, project.key, before, after)
    return Item(after, project.version)


def delete_project(session: Session, user: t.User, key: str, if_match: int | None) -> None:
    project = find_project(session, user, key, Action.DELETE_PROJECT)
    check_version(project, if_match)
    before = project_document(session, project)
    record_changes(session, user, project, "project", project.id, project.key, before, {})
    session.delete(project)
    session.flush()


# Portfolios -------------------------------------------------------------------------------


def portfolio_document(row: t.Portfolio) -> dict[str, Any]:
    return {"id": row.key, "name": row.name, "description": row.description}


def list_portfolios(session: Session, user: t.User) -> list[dict[str, Any]]:
    rows = session.scalars(select(t.Portfolio).order_by(t.Portfolio.key))
    return [{**portfolio_document(row), "version": row.version} for row in rows]


def _require_admin(user: t.User) -> None:
    if not user.is_admin:
        raise Forbidden("only an administrator changes portfolios")


def create_portfolio(session: Session, user: t.User, body: dict[str, Any]) -> Item:
    _require_admin(user)
    item: PortfolioItem = _validate(PortfolioItem, body, "portfolio")
    if session.scalar(select(t.Portfolio.id).where(t.Portfolio.key == item.id)) is not None:
        raise Conflict(f"a portfolio '{item.id}' already exists", code="portfolio_exists")
    row = t.Portfolio(key=item.id, name=item.name, description=item.description)
    session.add(row)
    session.flush()
    return Item(portfolio_document(row), row.version)


def get_portfolio(session: Session, key: str) -> t.Portfolio:
    row = session.scalar(select(t.Portfolio).where(t.Portfolio.key == key))
    if row is None:
        raise NotFound(f"no portfolio '{key}'")
    return row


def update_portfolio(
    session: Session, user: t.User, key: str, patch: dict[str, Any], if_match: int | None
) -> Item:
    _require_admin(user)
    row = get_portfolio(session, key)
    check_version(row, if_match)
    if "id" in patch and patch["id"] != row.key:
        raise Invalid("a portfolio's id cannot change", code="id_immutable")
    item: PortfolioItem = _validate(
        PortfolioItem, {**portfolio_document(row), **patch}, "portfolio"
    )
    row.name, row.description = item.name, item.description
    session.flush()
    return Item(portfolio_document(row), row.version)


def delete_portfolio(session: Session, user: t.User, key: str, if_match: int | None) -> None:
    _require_admin(user)
    row = get_portfolio(session, key)
    check_version(row, if_match)
    session.delete(row)
    session.flush()


# Members ----------------------------------------------------------------------------------


def list_members(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    project = find_project(session, user, key, Action.READ_PLAN)
    rows = session.execute(
        select(t.User.id, t.User.email, t.User.name, t.Membership.role)
        .join(t.Membership, t.Membership.user_id == t.User.id)
        .where(t.Membership.project_id == project.id)
        .order_by(t.User.email)
    )
    return [{"user_id": i, "email": e, "name": n, "role": r} for i, e, n, r in rows]


def set_member(session: Session, user: t.User, key: str, email: str, role: str) -> dict[str, Any]:
    project = find_project(session, user, key, Action.READ_PLAN)
    member = session.scalar(select(t.User).where(t.User.email == email.strip().lower()))
    if member is None:
        raise Invalid(f"no account with e-mail {email}", code="unknown_user")
    try:
        chosen = Role(role)
    except ValueError:
        raise Invalid(f"'{role}' is not a role", code="invalid_role") from None
    grant(session, project.id, member.id, chosen, by=user)
    record_changes(
        session, user, project, "member", member.id, member.email, {}, {"role": chosen.value}
    )
    return {"user_id": member.id, "email": member.email, "name": member.name, "role": chosen.value}


def remove_member(session: Session, user: t.User, key: str, user_id: int) -> None:
    project = find_project(session, user, key, Action.READ_PLAN)
    revoke(session, project.id, user_id, by=user)
    record_changes(session, user, project, "member", user_id, str(user_id), {"role": "?"}, {})
