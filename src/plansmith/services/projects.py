"""Plan files into the database and back out: the use cases behind ``plansmith import`` and
``plansmith export`` (and the API's upload and download).

An import is checked exactly as ``plansmith check`` checks a file (syntax, schema, values, the
progress rules, then a scheduling pass for what only the engine sees, such as a dependency
cycle), so the database only ever holds plans that schedule. Problems come back as a
:class:`~plansmith.errors.ServiceError` carrying the located diagnostics, which every face
already knows how to print one line each.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.plan_file import LoadedPlan, load_plan, load_plan_text
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.services.planning import schedule_plan
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.plans import PlanConflict, plan_spec, store_plan

# The same rule as a plan's ids, so a portfolio key is safe in URLs and file names.
_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")


def accepted(plan: LoadedPlan) -> LoadedPlan:
    """The plan if it passes every check ``plansmith check`` makes; otherwise :class:`Invalid`
    with every located diagnostic (warnings included, so the caller sees the whole picture)."""
    diagnostics = plan_check(plan)
    if plan.spec is None or has_errors(diagnostics):
        errors = sum(1 for d in diagnostics if d.is_error)
        raise Invalid(
            f"{plan.source.filename}: the plan has {errors} error(s); nothing was imported",
            code="invalid_plan",
            diagnostics=diagnostics,
        )
    return plan


def plan_check(plan: LoadedPlan) -> tuple[Diagnostic, ...]:
    """Every diagnostic ``plansmith check`` would print for this plan, located in its text."""
    return schedule_plan(plan).diagnostics


def store_checked(session: Session, plan: LoadedPlan, portfolio_key: str | None) -> t.Project:
    """Add a checked plan as a new project (in ``portfolio_key``, created when missing)."""
    assert plan.spec is not None, "store_checked takes a plan that passed accepted()"
    portfolio = portfolio_named(session, portfolio_key) if portfolio_key is not None else None
    try:
        return store_plan(session, plan.spec, plan.pool, portfolio)
    except PlanConflict as exc:
        located = tuple(plan.source.place(d) for d in exc.diagnostics)
        raise Conflict(str(exc), code=located[0].code, diagnostics=located) from None


def import_plan_text(
    session: Session,
    text: str,
    filename: str,
    portfolio_key: str | None = None,
    *,
    pool_files: bool = True,
) -> t.Project:
    """Check the plan text and store it as a new project, in the caller's transaction. A
    ``pool:`` file is read relative to ``filename``, or refused with ``pool_files=False``."""
    plan = load_plan_text(text, filename, pool_files=pool_files)
    return store_checked(session, accepted(plan), portfolio_key)


def import_plan_file(
    database: Database, path: str | Path, portfolio_key: str | None = None
) -> t.Project:
    """Check the file, then store it in a transaction of its own. The check (which schedules
    the plan) runs before the transaction opens, so no write lock is held while it runs."""
    plan = accepted(load_plan(path))
    with database.transaction() as session:
        return store_checked(session, plan, portfolio_key)


def export_plan_text(session: Session, project_key: str) -> str:
    """The stored project as a plan file's YAML; importing it again gives the same text."""
    project = session.scalar(select(t.Project).where(t.Project.key == project_key))
    if project is None:
        raise NotFound(f"there is no project '{project_key}'")
    return plan_yaml(plan_document(plan_spec(session, project)))


def portfolio_named(session: Session, key: str, name: str | None = None) -> t.Portfolio:
    """The portfolio with this key, created (named ``name``, or its key) when there is none:
    importing into a portfolio is how most portfolios come to exist."""
    if not _KEY.match(key):
        raise Invalid(
            f"'{key}' is not a valid portfolio key: use up to 100 letters, digits, '_', '-' "
            "and '.'",
            code="invalid_value",
        )
    portfolio = session.scalar(select(t.Portfolio).where(t.Portfolio.key == key))
    if portfolio is None:
        portfolio = t.Portfolio(key=key, name=name or key, description="")
        session.add(portfolio)
        session.flush()
    return portfolio
