"""The portfolio dashboard: every visible project's health, with the rule that set it,
forecast finish, budget burn, next milestones and overdue work.

Health is the traffic light of :mod:`plansmith.analytics.health` (the same thresholds in
docs/web.md and in status reports), so a stakeholder can see why a project is amber.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.health import (
    AMBER,
    GREEN,
    HEALTH_RULES,
    RED,
    UNKNOWN,
    assess,
    milestones_ahead,
    overdue_tasks,
    slip_days,
)
from plansmith.domain.diagnostics import has_errors
from plansmith.io.plan_file import LoadedPlan, load_plan_spec
from plansmith.services.access import ALLOWED, Action, role_on, visible_project_ids
from plansmith.services.money import cost_plan, evm_of
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec

TIME = "%Y-%m-%dT%H:%M"
__all__ = ["AMBER", "GREEN", "HEALTH_RULES", "RED", "UNKNOWN"]  # re-exported for pages

# A cell of the portfolio table as a download carries it: plain values, typed.
Cell = str | int | float | Decimal | date | datetime | None
PORTFOLIO_COLUMNS = (
    "Project id",
    "Project",
    "Portfolio",
    "Health",
    "Why",
    "Forecast finish",
    "Baseline finish",
    "Status date",
    "SPI",
    "CPI",
    "Spent",
    "Budget",
    "Currency",
    "Burn %",
    "Next milestones",
    "Overdue",
    "Overdue tasks",
)


@dataclass(frozen=True)
class Milestone:
    id: str
    name: str
    finish: str


@dataclass(frozen=True)
class ProjectOverview:
    key: str
    name: str
    portfolio: str | None
    health: str
    rule: str
    finish: str | None = None
    baseline_finish: str | None = None
    status_date: date | None = None
    spi: Decimal | None = None
    cpi: Decimal | None = None
    spent: Decimal | None = None
    budget: Decimal | None = None
    currency: str = ""
    next_milestones: list[Milestone] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    link: str = ""  # where the name leads, by what the viewer may see

    @property
    def burn(self) -> float | None:
        """Spent as a share of the budget at completion, in percent."""
        if self.spent is None or not self.budget:
            return None
        return float(self.spent / self.budget * 100)


def portfolio_overview(session: Session, user: t.User) -> list[ProjectOverview]:
    projects = session.scalars(
        select(t.Project).where(t.Project.id.in_(visible_project_ids(user))).order_by(t.Project.key)
    )
    portfolios = dict(session.execute(select(t.Portfolio.id, t.Portfolio.key)).all())
    return [
        replace(
            project_overview(
                session, row, portfolios.get(row.portfolio_id) if row.portfolio_id else None
            ),
            link=_landing(session, user, row),
        )
        for row in projects
    ]


def _landing(session: Session, user: t.User, project: t.Project) -> str:
    """Where the project's name leads: its plan, or for a role that may only read reports
    (a stakeholder), its money report."""
    role = role_on(session, user, project.id)
    if role is not None and Action.READ_PLAN in ALLOWED[role]:
        return f"/projects/{project.key}"
    return f"/projects/{project.key}/money"


def project_overview(
    session: Session, project: t.Project, portfolio: str | None
) -> ProjectOverview:
    spec = plan_spec(session, project)
    plan = load_plan_spec(spec, f"{project.key}.yaml")
    baseline = session.scalar(
        select(t.Baseline)
        .where(t.Baseline.project_id == project.id)
        .order_by(t.Baseline.saved_at.desc(), t.Baseline.id.desc())
        .limit(1)
    )
    baseline_finish = baseline.data.get("finish") if baseline is not None else None
    return plan_overview(plan, project.key, project.name, portfolio, baseline_finish)


def plan_overview(
    plan: LoadedPlan, key: str, name: str, portfolio: str | None, baseline_finish: str | None
) -> ProjectOverview:
    """The overview of a plan (stored or a file), with the finish of its latest baseline."""
    costed, diagnostics, plan = cost_plan(plan)
    if costed is None or has_errors(diagnostics):
        return ProjectOverview(key, name, portfolio, UNKNOWN, "the plan has errors")
    schedule, model = costed.schedule, costed.project
    finish = schedule.at(schedule.finish).strftime(TIME)
    today = model.status_date or date.today()
    milestones = [
        Milestone(task.id, task.name, end.strftime(TIME))
        for task, end in milestones_ahead(model, schedule, today)
    ]
    overdue = overdue_tasks(model, schedule, today)
    spi = cpi = spent = None
    if model.status_date is not None:
        evm = evm_of(costed, diagnostics, plan, {}, [])
        if evm.ok:
            figures = evm.result.project
            spi, cpi, spent = figures.spi, figures.cpi, figures.ac
    planned = _moment(baseline_finish)
    slip = slip_days(model, schedule.at(schedule.finish).date(), planned and planned.date())
    health = assess(diagnostics, spi, cpi, slip, overdue)
    return ProjectOverview(
        key,
        name,
        portfolio,
        health.level,
        health.rule,
        finish,
        baseline_finish,
        model.status_date,
        spi,
        cpi,
        spent,
        costed.costs.total,
        model.currency,
        milestones[:3],
        overdue,
    )


def _moment(text: str | None) -> datetime | None:
    return datetime.strptime(text, TIME) if text else None


def _rounded(value: Decimal | None, places: str) -> Decimal | None:
    return value.quantize(Decimal(places)) if value is not None else None


def portfolio_rows(overview: list[ProjectOverview]) -> list[list[Cell]]:
    """The dashboard's table as plain values, one row per project, in PORTFOLIO_COLUMNS."""
    return [
        [
            p.key,
            p.name,
            p.portfolio,
            p.health,
            p.rule,
            _moment(p.finish),
            _moment(p.baseline_finish),
            p.status_date,
            _rounded(p.spi, "0.01"),
            _rounded(p.cpi, "0.01"),
            _rounded(p.spent, "0.01"),
            _rounded(p.budget, "0.01"),
            p.currency or None,
            round(p.burn, 1) if p.burn is not None else None,
            "; ".join(f"{m.finish[:10]} {m.name}" for m in p.next_milestones),
            len(p.overdue),
            ", ".join(p.overdue),
        ]
        for p in overview
    ]
