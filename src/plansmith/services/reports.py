"""Status reports and portfolio summaries: the use cases behind ``plansmith report``, the API's
report downloads and the web app's Reports page.

Each gathers what the engines say about a plan at a status date (the schedule with progress
folded in, costs, earned value against the plan as it stands, a Monte Carlo run with a fixed
seed, the latest baseline) and hands it to a builder in :mod:`plansmith.reports`, which lays
out one neutral document; :func:`render_report` turns that into the asked-for format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.errors import Invalid, NotFound, ServiceError
from plansmith.io.baselines import (
    Baseline,
    BaselineFileError,
    baseline_from_json,
    load_baselines,
    load_status_history,
)
from plansmith.io.plan_file import LoadedPlan, load_plan, load_plan_spec
from plansmith.io.schedule_json import TIME_FORMAT
from plansmith.reports.document import ActionItem, Decision, Report
from plansmith.reports.portfolio import PortfolioEntry, build_portfolio_report
from plansmith.reports.render import ReportFormat, render
from plansmith.reports.status import StatusInputs, build_status_report
from plansmith.services.access import Action
from plansmith.services.dashboard import ProjectOverview, plan_overview, portfolio_overview
from plansmith.services.meeting_log import report_inputs
from plansmith.services.money import cost_plan, evm_of
from plansmith.services.project_actions import load_project_plan, status_history
from plansmith.services.risk import simulate_plan
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec

# A report's forecast: enough iterations for a steady P80, few enough for a 2,000-task plan to
# report in seconds; the seed is fixed so the same plan gives the same report.
ITERATIONS = 1000
SEED = 0


class ReportUnavailable(ServiceError):
    status = 503
    default_code = "pdf_unavailable"


@dataclass(frozen=True)
class ReportOutcome:
    """A report (None when the plan has errors) and every located diagnostic."""

    report: Report | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.report is not None and not has_errors(self.diagnostics)


def status_report(
    plan: LoadedPlan,
    status_date: date | None = None,
    baselines: Sequence[Baseline] = (),
    history: Sequence[dict[str, Any]] = (),
    *,
    iterations: int = ITERATIONS,
    workers: int = 1,
    decisions: Sequence[Decision] = (),
    actions: Sequence[ActionItem] = (),
) -> ReportOutcome:
    """The status report of ``plan`` at ``status_date`` (default: the plan's own, else today);
    ``baselines`` oldest first (the last is the latest). ``decisions`` and ``actions`` come
    from meetings and decision logs where a caller has them."""
    if plan.project is None or not plan.ok:
        return ReportOutcome(None, tuple(plan.diagnostics))
    day = status_date or plan.project.status_date or date.today()
    costed, diagnostics, plan = cost_plan(plan, day)
    if costed is None or has_errors(diagnostics):
        return ReportOutcome(None, diagnostics)
    earned = evm_of(costed, diagnostics, plan, {}, list(history))
    assert plan.project is not None  # cost_plan succeeded
    dated = replace(plan, project=replace(plan.project, status_date=day))
    options = SimulationOptions(iterations=iterations, seed=SEED, workers=workers)
    simulated = simulate_plan(dated, options)
    latest = baselines[-1] if baselines else None
    inputs = StatusInputs(
        project=costed.project,
        schedule=costed.schedule,
        costs=costed.costs,
        status_date=day,
        diagnostics=diagnostics,
        evm=earned.result if earned.ok else None,
        simulation=simulated.report if simulated.ok else None,
        baseline_name=None,
        baseline_finish=_moment(latest.finish) if latest else None,
        baseline_tasks=(
            {k: _moment(v.finish) for k, v in latest.tasks.items() if v.finish} if latest else {}
        ),
        history=tuple(history),
        decisions=tuple(decisions),
        actions=tuple(actions),
    )
    return ReportOutcome(build_status_report(inputs), diagnostics)


def _moment(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def plan_file_status_report(
    path: str | Path, status_date: date | None = None, *, workers: int = 2
) -> ReportOutcome:
    """A plan file's status report, with its saved baselines and recorded status history."""
    plan = load_plan(path)
    try:
        baselines = list(load_baselines(Path(path)).values())
        history = load_status_history(Path(path))
    except BaselineFileError as exc:
        return ReportOutcome(None, (*plan.diagnostics, error("baseline_file_invalid", str(exc))))
    return status_report(plan, status_date, baselines, history, workers=workers)


def _stored_baselines(session: Session, project: t.Project) -> list[Baseline]:
    rows = session.scalars(
        select(t.Baseline)
        .where(t.Baseline.project_id == project.id)
        .order_by(t.Baseline.saved_at, t.Baseline.id)
    )
    return [baseline_from_json(row.name, row.data) for row in rows]


def _stored_report(
    session: Session, project: t.Project, plan: LoadedPlan, status_date: date | None
) -> Report:
    decisions, actions = report_inputs(session, project)
    outcome = status_report(
        plan,
        status_date,
        _stored_baselines(session, project),
        status_history(session, project),
        decisions=decisions,
        actions=actions,
    )
    if outcome.report is None:
        first = next((d for d in outcome.diagnostics if d.is_error), None)
        raise Invalid(
            f"cannot report on the project: {first.message if first else 'the plan has errors'}",
            code="invalid_plan",
            diagnostics=outcome.diagnostics,
        )
    return outcome.report


def project_status_report(
    session: Session, user: t.User, key: str, status_date: date | None = None
) -> Report:
    """A stored project's status report, for a caller who may read its reports."""
    project, plan = load_project_plan(session, user, key, Action.READ_REPORTS)
    return _stored_report(session, project, plan, status_date)


def _project_row(session: Session, key: str) -> t.Project:
    project = session.scalar(select(t.Project).where(t.Project.key == key))
    if project is None:
        raise NotFound(f"there is no project '{key}'")
    return project


def stored_status_report(session: Session, key: str, status_date: date | None = None) -> Report:
    """The operator's view (``plansmith report KEY`` on the server's database): no user."""
    project = _project_row(session, key)
    plan = load_plan_spec(plan_spec(session, project), f"{key}.yaml")
    return _stored_report(session, project, plan, status_date)


# Portfolio summaries -----------------------------------------------------------------------


def _entry(o: ProjectOverview) -> PortfolioEntry:
    def moment(text: str | None) -> datetime | None:
        return _moment(text) if text else None

    upcoming = o.next_milestones[0] if o.next_milestones else None
    return PortfolioEntry(
        key=o.key,
        name=o.name,
        portfolio=o.portfolio,
        health=o.health,
        rule=o.rule,
        finish=moment(o.finish),
        baseline_finish=moment(o.baseline_finish),
        status_date=o.status_date,
        spi=o.spi,
        cpi=o.cpi,
        spent=o.spent,
        budget=o.budget,
        currency=o.currency,
        next_milestone=f"{upcoming.finish[:10]} {upcoming.name}" if upcoming else "",
        overdue=len(o.overdue),
    )


def portfolio_report(session: Session, user: t.User, day: date | None = None) -> Report:
    """Every project the caller can see, one row each (the dashboard's figures)."""
    entries = [_entry(o) for o in portfolio_overview(session, user)]
    return build_portfolio_report(entries, day or date.today())


def stored_portfolio_report(session: Session, keys: Sequence[str]) -> Report:
    """The operator's portfolio summary of stored projects by key."""
    from plansmith.services.dashboard import project_overview

    portfolios = dict(session.execute(select(t.Portfolio.id, t.Portfolio.key)).all())
    entries = []
    for key in keys:
        row = _project_row(session, key)
        portfolio = portfolios.get(row.portfolio_id) if row.portfolio_id else None
        entries.append(_entry(project_overview(session, row, portfolio)))
    return build_portfolio_report(entries, date.today())


def plan_files_portfolio_report(paths: Sequence[Path]) -> ReportOutcome:
    """The portfolio summary of plan files, each with its latest saved baseline."""
    entries, problems = [], []
    for path in paths:
        plan = load_plan(path)
        try:
            saved = list(load_baselines(path).values())
        except BaselineFileError as exc:
            problems.append(error("baseline_file_invalid", str(exc)))
            continue
        problems += [d for d in plan.diagnostics if d.is_error]
        name = plan.project.name if plan.project is not None else path.stem
        finish = saved[-1].finish if saved else None
        overview = plan_overview(plan, path.stem, name, None, finish)
        entries.append(_entry(overview))
    if has_errors(problems):
        return ReportOutcome(None, tuple(problems))
    return ReportOutcome(build_portfolio_report(entries, date.today()), tuple(problems))


def render_report(report: Report, fmt: ReportFormat) -> bytes:
    """The report's bytes; :class:`ReportUnavailable` (``pdf_unavailable``) when PDF cannot be
    rendered on this machine."""
    from plansmith.reports.pdf import PdfUnavailable

    try:
        return render(report, fmt)
    except PdfUnavailable as exc:
        raise ReportUnavailable(str(exc), code="pdf_unavailable") from None
