"""The portfolio dashboard: every visible project's health, with the rule that set it,
forecast finish, budget burn, next milestones and overdue work.

Health is a traffic light from published thresholds (the same ones in docs/web.md), so a
stakeholder can see why a project is amber instead of trusting a colour:

- red: a deadline is forecast to be missed, or SPI or CPI is below 0.90, or the forecast finish
  is more than 10 working days after the latest baseline's;
- amber: work is overdue, or SPI or CPI is below 0.95, or the finish slipped past the baseline;
- green: none of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.io.plan_file import load_plan_spec
from plansmith.services.access import ALLOWED, Action, role_on, visible_project_ids
from plansmith.services.money import Costed, cost_plan, evm_of, working_days
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec

RED, AMBER, GREEN, UNKNOWN = "red", "amber", "green", "unknown"
TIME = "%Y-%m-%dT%H:%M"

# The rule above, as the dashboard prints it under the table (keep the two in step).
HEALTH_RULES = (
    (
        RED,
        "a deadline is forecast to be missed, or SPI or CPI is below 0.90, or the forecast "
        "finish is more than 10 working days after the latest baseline's",
    ),
    (
        AMBER,
        "work is overdue, or SPI or CPI is below 0.95, or the finish slipped past the baseline",
    ),
    (GREEN, "none of these"),
    (UNKNOWN, "the plan has errors, so it cannot be scheduled"),
)

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
    costed, diagnostics, plan = cost_plan(plan)
    if costed is None or has_errors(diagnostics):
        return ProjectOverview(project.key, project.name, portfolio, UNKNOWN, "the plan has errors")
    schedule, model = costed.schedule, costed.project
    finish = schedule.at(schedule.finish).strftime(TIME)
    today = model.status_date or date.today()
    baseline = session.scalar(
        select(t.Baseline)
        .where(t.Baseline.project_id == project.id)
        .order_by(t.Baseline.saved_at.desc(), t.Baseline.id.desc())
        .limit(1)
    )
    baseline_finish = baseline.data.get("finish") if baseline is not None else None
    milestones, overdue = [], []
    for task, placed in zip(model.tasks, schedule.tasks, strict=True):
        done = task.actual_finish is not None or (task.progress.complete or 0) >= 1
        end = schedule.at(placed.finish)
        if task.milestone and not done and end.date() >= today:
            milestones.append(Milestone(task.id, task.name, end.strftime(TIME)))
        if not task.children and not done and end.date() < today:
            overdue.append(task.id)
    milestones.sort(key=lambda m: m.finish)
    spi = cpi = spent = None
    if model.status_date is not None:
        evm = evm_of(costed, diagnostics, plan, {}, [])
        if evm.ok:
            figures = evm.result.project
            spi, cpi, spent = figures.spi, figures.cpi, figures.ac
    health, rule = _health(diagnostics, spi, cpi, finish, baseline_finish, overdue, costed)
    return ProjectOverview(
        project.key,
        project.name,
        portfolio,
        health,
        rule,
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


def _health(
    diagnostics: tuple[Diagnostic, ...],
    spi: Decimal | None,
    cpi: Decimal | None,
    finish: str,
    baseline_finish: str | None,
    overdue: list[str],
    costed: Costed,
) -> tuple[str, str]:
    missed = [d for d in diagnostics if d.code == "deadline_missed"]
    if missed:
        return RED, f"a deadline is forecast to be missed ({missed[0].subject})"
    for name, value in (("SPI", spi), ("CPI", cpi)):
        if value is not None and value < Decimal("0.90"):
            return RED, f"{name} {value:.2f} is below 0.90"
    slip = _slip_days(costed, finish, baseline_finish)
    if slip is not None and slip > 10:
        return RED, f"the finish is {slip} working days after the baseline's"
    if overdue:
        return AMBER, f"{len(overdue)} task(s) overdue"
    for name, value in (("SPI", spi), ("CPI", cpi)):
        if value is not None and value < Decimal("0.95"):
            return AMBER, f"{name} {value:.2f} is below 0.95"
    if slip is not None and slip > 0:
        return AMBER, f"the finish is {slip} working day(s) after the baseline's"
    return GREEN, "on schedule and on budget by every rule"


def _slip_days(costed: Costed, finish: str, baseline_finish: str | None) -> int | None:
    if baseline_finish is None:
        return None
    forecast = datetime.strptime(finish, TIME).date()
    planned = datetime.strptime(baseline_finish, TIME).date()
    if forecast <= planned:
        return 0
    days = working_days(costed.project, forecast)
    return sum(1 for day in days if planned < day <= forecast)


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
