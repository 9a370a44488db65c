"""An MS Project file into the database: checked, compared with its own dates, and stored.

Storing the plan and scheduling it to compare dates both need only the plan that was read, so
for a file the two run at once (:class:`~plansmith.services.side_process.Aside`): the schedule
and the comparison in a forked process while this one stores the plan in its transaction, which
commits only when the comparison's checks accept the plan. That is what brings a 20,000-task
file under five seconds on two cores (docs/benchmarks.md). A file whose tasks must first be
moved to the project's calendar (see ``plan_shape.follow_project_calendar``) changes the plan
after scheduling, and takes the plain path: check, then store.
"""

from __future__ import annotations

from pathlib import Path

from plansmith.domain.diagnostics import Diagnostic
from plansmith.errors import ServiceError
from plansmith.io.mspdi.fidelity import DateCheck
from plansmith.io.mspdi.read import MspdiImport
from plansmith.io.plan_file import LoadedPlan
from plansmith.services.mspdi import (
    MspdiOutcome,
    accepted_import,
    apart_from_resources,
    checked_import,
    compared,
    imported_plan,
    read_mspdi_source,
    save_baselines,
    store_mspdi,
)
from plansmith.services.planning import schedule_plan
from plansmith.services.projects import store_checked
from plansmith.services.side_process import Aside
from plansmith.storage import tables as t
from plansmith.storage.database import Database

Checks = tuple[tuple[Diagnostic, ...], DateCheck]


class _ThePlanMoves(Exception):
    """Some tasks follow the project's calendar after all: what was stored is not the plan."""


def import_mspdi_file(
    database: Database, path: Path, portfolio_key: str | None = None
) -> tuple[t.Project, MspdiOutcome]:
    """Read, check and schedule the file, and store the plan as a new project; refused with
    every located problem when it has errors (nothing is stored then)."""
    imported = read_mspdi_source(path)
    if isinstance(imported, MspdiImport) and imported.document is not None:
        plan = imported_plan(imported)
        if plan.ok:
            try:
                return _stored_while_checked(database, imported, plan, portfolio_key)
            except _ThePlanMoves:
                pass
    outcome = imported if isinstance(imported, MspdiOutcome) else checked_import(imported)
    accepted_import(outcome)  # refused with every located problem, or the plan to store
    with database.transaction() as session:
        return store_mspdi(session, outcome, portfolio_key), outcome


def _stored_while_checked(
    database: Database, imported: MspdiImport, plan: LoadedPlan, portfolio_key: str | None
) -> tuple[t.Project, MspdiOutcome]:
    with Aside(lambda: _checks(imported, plan)) as aside, database.transaction() as session:
        try:
            project: t.Project | None = store_checked(session, plan, portfolio_key)
            refused: ServiceError | None = None
        except ServiceError as exc:  # a taken key, say: said after the plan's own problems
            project, refused = None, exc
        checks = aside.result()
        if checks is None:
            raise _ThePlanMoves
        outcome = MspdiOutcome(imported, plan, *checks)
        accepted_import(outcome)
        if refused is not None:
            raise refused
        assert project is not None
        save_baselines(session, project, imported)
        return project, outcome


def _checks(imported: MspdiImport, plan: LoadedPlan) -> Checks | None:
    """The schedule's problems and the date comparison; None when the plan must change first."""
    outcome = schedule_plan(plan)
    if apart_from_resources(plan, outcome):
        return None
    return compared(imported, plan, outcome)
