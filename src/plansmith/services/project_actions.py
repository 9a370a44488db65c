"""Schedule, level, simulate, earned value and baselines for a stored project: the CLI's use
cases, run on the plan read back from the database, returning the CLI's JSON documents.

A stored plan is put together as a plan document and built by the same code as a plan file,
so the API's answer for a project is the CLI's answer for its exported file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.io.baselines import Baseline, baseline_from_json, baseline_to_json
from plansmith.io.plan_file import LoadedPlan, load_plan_spec
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.scheduling.leveling import LevelingOptions
from plansmith.services.access import Action
from plansmith.services.money import baseline_of, cost_plan, evm_of
from plansmith.services.planning import PlanOutcome, level_plan, schedule_plan
from plansmith.services.portfolios import find_project
from plansmith.services.risk import simulate_plan
from plansmith.storage import tables as t
from plansmith.storage.plans import now, plan_spec

MAX_ITERATIONS = 100_000  # one request's worth; bigger runs belong to the CLI


def load_project_plan(
    session: Session, user: t.User, key: str, action: Action = Action.READ_PLAN
) -> tuple[t.Project, LoadedPlan]:
    project = find_project(session, user, key, action)
    return project, load_plan_spec(plan_spec(session, project), f"{key}.yaml")


def _refuse(diagnostics: tuple[Diagnostic, ...], what: str) -> Invalid:
    first = next((d for d in diagnostics if d.severity.value == "error"), diagnostics[0])
    return Invalid(f"cannot {what}: {first.message}", code="invalid_plan", diagnostics=diagnostics)


def _outcome_json(outcome: PlanOutcome, what: str) -> dict[str, Any]:
    if not outcome.ok:
        raise _refuse(outcome.diagnostics, what)
    return outcome.to_json()


def schedule(session: Session, user: t.User, key: str) -> dict[str, Any]:
    _, plan = load_project_plan(session, user, key)
    return _outcome_json(schedule_plan(plan), "schedule the project")


def level(session: Session, user: t.User, key: str, options: LevelingOptions) -> dict[str, Any]:
    _, plan = load_project_plan(session, user, key)
    return _outcome_json(level_plan(plan, options), "level the project")


def simulate(
    session: Session,
    user: t.User,
    key: str,
    options: SimulationOptions,
    leveling: LevelingOptions | None = None,
) -> dict[str, Any]:
    from plansmith.io.simulation_json import simulation_to_json

    if options.iterations > MAX_ITERATIONS:
        raise Invalid(
            f"at most {MAX_ITERATIONS} iterations per request; use the CLI for more",
            code="too_many_iterations",
        )
    _, plan = load_project_plan(session, user, key)
    outcome = simulate_plan(plan, options, leveling)
    if not outcome.ok:
        raise _refuse(outcome.diagnostics, "simulate the project")
    return simulation_to_json(plan.project, outcome.report, outcome.diagnostics)


def _saved(session: Session, project: t.Project) -> dict[str, Baseline]:
    rows = session.scalars(
        select(t.Baseline).where(t.Baseline.project_id == project.id).order_by(t.Baseline.id)
    )
    return {row.name: baseline_from_json(row.name, row.data) for row in rows}


def evm(
    session: Session,
    user: t.User,
    key: str,
    status_date: date | None = None,
    baseline: str | None = None,
) -> dict[str, Any]:
    from plansmith.io.money_json import evm_to_json

    project, plan = load_project_plan(session, user, key, Action.READ_REPORTS)
    saved = _saved(session, project)
    if baseline is not None and baseline not in saved:
        raise NotFound(f"no baseline '{baseline}' (saved: {', '.join(saved) or 'none'})")
    costed, diagnostics, plan = cost_plan(plan, status_date)
    history = status_history(session, project)
    outcome = evm_of(costed, diagnostics, plan, saved, history, baseline)
    if not outcome.ok:
        raise _refuse(outcome.diagnostics, "compute earned value")
    assert outcome.plan.project is not None  # an outcome with a result has a project
    doc = evm_to_json(outcome.plan.project, outcome.result, outcome.extra["baseline"], history)
    doc["diagnostics"] = [diagnostic_to_json(d) for d in outcome.diagnostics]
    return doc


# Baselines ---------------------------------------------------------------------------------


def baseline_summary(row: t.Baseline) -> dict[str, Any]:
    return {
        "name": row.name,
        "saved_at": row.saved_at.isoformat(),
        "start": row.data.get("start"),
        "finish": row.data.get("finish"),
        "cost": row.data.get("cost"),
    }


def list_baselines(session: Session, user: t.User, key: str) -> list[dict[str, Any]]:
    project = find_project(session, user, key, Action.READ_PLAN)
    rows = session.scalars(
        select(t.Baseline).where(t.Baseline.project_id == project.id).order_by(t.Baseline.id)
    )
    return [baseline_summary(row) for row in rows]


def _baseline_row(session: Session, project: t.Project, name: str) -> t.Baseline:
    row = session.scalar(
        select(t.Baseline).where(t.Baseline.project_id == project.id, t.Baseline.name == name)
    )
    if row is None:
        raise NotFound(f"no baseline '{name}' in this project")
    return row


def get_baseline(session: Session, user: t.User, key: str, name: str) -> dict[str, Any]:
    project = find_project(session, user, key, Action.READ_PLAN)
    row = _baseline_row(session, project, name)
    return {**baseline_summary(row), "tasks": row.data.get("tasks", {})}


def save_baseline(
    session: Session, user: t.User, key: str, name: str, *, replace: bool = False
) -> dict[str, Any]:
    """The schedule and costs as they stand now, kept under ``name`` for variance and EVM."""
    from plansmith.services.audit import record_changes

    project, plan = load_project_plan(session, user, key, Action.EDIT_PLAN)
    existing = session.scalar(
        select(t.Baseline).where(t.Baseline.project_id == project.id, t.Baseline.name == name)
    )
    if existing is not None and not replace:
        raise Conflict(
            f"baseline '{name}' already exists; choose another name or replace it",
            code="baseline_exists",
        )
    costed, diagnostics, plan = cost_plan(plan)
    if costed is None or has_errors(diagnostics):
        raise _refuse(diagnostics, "save a baseline")
    data = baseline_to_json(baseline_of(costed, name))
    if existing is not None:
        existing.data, existing.saved_at = data, now()
        row = existing
    else:
        row = t.Baseline(project_id=project.id, name=name, saved_at=now(), data=data)
        session.add(row)
    session.flush()
    summary = baseline_summary(row)
    record_changes(session, user, project, "baseline", row.id, name, {}, summary)
    return summary


def delete_baseline(session: Session, user: t.User, key: str, name: str) -> None:
    from plansmith.services.audit import record_changes

    project = find_project(session, user, key, Action.EDIT_PLAN)
    row = _baseline_row(session, project, name)
    summary = baseline_summary(row)
    session.delete(row)
    session.flush()
    record_changes(session, user, project, "baseline", row.id, name, summary, {})


# Status history ----------------------------------------------------------------------------


def status_history(session: Session, project: t.Project) -> list[dict[str, Any]]:
    """The recorded earned-value snapshots, oldest first: the S-curves' and indices' past."""
    rows = session.scalars(
        select(t.StatusSnapshot)
        .where(t.StatusSnapshot.project_id == project.id)
        .order_by(t.StatusSnapshot.status_date)
    )
    return [dict(row.data) for row in rows]


def record_status(
    session: Session, user: t.User, key: str, status_date: date | None = None
) -> dict[str, Any]:
    """Keep earned value as it stands at the plan's status date (or ``status_date``),
    replacing an earlier record of the same date, so reports can draw the indices over time."""
    from plansmith.io.money_json import snapshot
    from plansmith.services.audit import record_changes

    project, plan = load_project_plan(session, user, key, Action.EDIT_PLAN)
    costed, diagnostics, plan = cost_plan(plan, status_date)
    outcome = evm_of(costed, diagnostics, plan, {}, [])
    if not outcome.ok:
        raise _refuse(outcome.diagnostics, "record the status")
    point = snapshot(outcome.result)
    day = outcome.result.status_date
    row = session.scalar(
        select(t.StatusSnapshot).where(
            t.StatusSnapshot.project_id == project.id, t.StatusSnapshot.status_date == day
        )
    )
    before = dict(row.data) if row is not None else {}
    if row is None:
        row = t.StatusSnapshot(project_id=project.id, status_date=day, recorded_at=now(), data={})
        session.add(row)
    row.data, row.recorded_at = point, now()
    session.flush()
    record_changes(session, user, project, "status", row.id, day.isoformat(), before, point)
    return point
