"""The status report of one project at a status date, from the engines' own results.

Nothing is computed twice: dates and milestones come from the schedule (progress folded in as
of the status date), SV, CV, SPI and CPI from :mod:`plansmith.analytics.evm`, the P50 and P80
from the Monte Carlo report, health from :mod:`plansmith.analytics.health` (the dashboard's
rule). This module only picks, orders and labels; :mod:`.status_sheets` lays out the
spreadsheet's whole tables.

Sections: executive summary, milestones (done, next, slipping), schedule and cost (earned
value), forecast (P50/P80), top risks, decisions needed, roles and deliverables
(:mod:`.status_team`), accomplishments and next steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from plansmith.analytics.costs import CostPlan
from plansmith.analytics.evm import EvmReport
from plansmith.analytics.health import (
    HEALTH_RULES,
    assess,
    is_done,
    overdue_tasks,
    slip_days,
)
from plansmith.analytics.risk_report import RiskReport
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
from plansmith.reports.document import (
    NONE_RECORDED,
    ActionItem,
    Column,
    Decision,
    Health,
    KeyFigure,
    Report,
    Section,
    Table,
)
from plansmith.reports.status_charts import finish_chart, s_curve
from plansmith.reports.status_sheets import risk_rows, sheets
from plansmith.reports.status_team import team_section
from plansmith.scheduling.result import ScheduleResult

CENT = Decimal("0.01")
NEXT_MILESTONES = 5
DONE_MILESTONES = 10
TOP_RISKS = 5
NEXT_STEPS = 15
PERIOD_DAYS = 14  # accomplishments: the last two weeks; next steps: the next two


@dataclass(frozen=True)
class StatusInputs:
    """What the engines said about the project at ``status_date`` (the services gather it)."""

    project: Project  # progressed as of the status date
    schedule: ScheduleResult
    costs: CostPlan
    status_date: date
    diagnostics: tuple[Diagnostic, ...] = ()
    evm: EvmReport | None = None
    simulation: RiskReport | None = None
    baseline_name: str | None = None
    baseline_finish: datetime | None = None
    baseline_tasks: Mapping[str, datetime] = field(default_factory=dict)  # id -> its finish
    history: Sequence[Mapping[str, object]] = ()  # recorded EVM points (the S-curve's past)
    decisions: Sequence[Decision] = ()
    actions: Sequence[ActionItem] = ()


def simulated_money(value: float) -> Decimal:
    """A simulated amount (a float, as the simulation draws it) as money, to the cent: the
    same rounding as ``plansmith simulate``'s JSON."""
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def simulated_instant(project: Project, minutes: float) -> datetime:
    return project.origin_datetime + timedelta(minutes=int(minutes))


def build_status_report(inputs: StatusInputs) -> Report:
    project, schedule = inputs.project, inputs.schedule
    finish = schedule.at(schedule.finish)
    figures = inputs.evm.project if inputs.evm is not None else None
    slip = slip_days(
        project,
        finish.date(),
        inputs.baseline_finish.date() if inputs.baseline_finish else None,
    )
    overdue = overdue_tasks(project, schedule, inputs.status_date)
    assessed = assess(
        inputs.diagnostics,
        figures.spi if figures else None,
        figures.cpi if figures else None,
        slip,
        overdue,
    )
    health = Health(assessed.level, assessed.rule, HEALTH_RULES)
    notes = [
        "Earned value is measured against "
        + (
            f"baseline '{inputs.baseline_name}'."
            if inputs.baseline_name
            else "the plan as it stands."
        )
    ]
    if inputs.simulation is not None:
        notes.append(
            f"Forecasts come from a Monte Carlo simulation of {inputs.simulation.iterations:,} "
            f"iterations with seed {inputs.simulation.seed}."
        )
    return Report(
        kind="status",
        title=f"Status report: {project.name}",
        subject=project.name,
        status_date=inputs.status_date,
        currency=project.currency,
        health=health,
        sections=(
            _summary(inputs, health, finish, overdue),
            _milestones(inputs),
            _earned_value(inputs),
            _forecast(inputs, finish),
            _risks(inputs),
            _decisions(inputs),
            team_section(project, schedule),
            _progress(inputs),
        ),
        sheets=sheets(project, schedule, inputs.evm, inputs.simulation, inputs.baseline_tasks),
        notes=tuple(notes),
    )


def _summary(inputs: StatusInputs, health: Health, finish: datetime, overdue: list[str]) -> Section:
    evm, sim, project = inputs.evm, inputs.simulation, inputs.project
    figures = [
        KeyFigure("health", "Health", health.level.upper(), "text", health.rule),
        KeyFigure("status_date", "Status date", inputs.status_date, "date"),
        KeyFigure("forecast_finish", "Forecast finish", finish, "datetime", "the schedule"),
        KeyFigure("baseline_finish", "Baseline finish", inputs.baseline_finish, "datetime"),
    ]
    p80: datetime | None = None
    if sim is not None:
        p80 = simulated_instant(project, sim.finish.percentiles[80])
        figures.append(KeyFigure("p80_finish", "P80 finish", p80, "datetime", "80 % likely by"))
    if evm is not None:
        f = evm.project
        share = f.ev / f.bac if f.bac else None
        figures += [
            KeyFigure("percent_complete", "Earned (EV / BAC)", share, "percent"),
            KeyFigure("spi", "SPI", f.spi, "ratio", "schedule performance, EV / PV"),
            KeyFigure("cpi", "CPI", f.cpi, "ratio", "cost performance, EV / AC"),
            KeyFigure("eac", "Estimate at completion", evm.forecast.eac_typical, "money"),
            KeyFigure("bac", "Budget at completion", f.bac, "money"),
        ]
    figures.append(KeyFigure("overdue", "Overdue tasks", len(overdue), "count"))
    text = f"{project.name} is {health.level.upper()} at {inputs.status_date}: {health.rule}."
    text += f" The schedule forecasts the finish on {finish:%Y-%m-%d}"
    text += f"; the simulation's P80 is {p80:%Y-%m-%d}." if p80 is not None else "."
    return Section("summary", "Executive summary", (text,), tuple(figures))


def _milestones(inputs: StatusInputs) -> Section:
    project, schedule, day = inputs.project, inputs.schedule, inputs.status_date
    chance = {t.id: t.p_on_time for t in inputs.simulation.targets} if inputs.simulation else {}
    done, upcoming, slipping = [], [], []
    for task, placed in zip(project.tasks, schedule.tasks, strict=True):
        if not task.milestone:
            continue
        end = schedule.at(placed.finish)
        if is_done(task):
            done.append((task.id, task.name, task.actual_finish or end))
            continue
        promised = [x for x in (inputs.baseline_tasks.get(task.id), task.deadline) if x]
        limit = min(promised) if promised else None
        late = limit is not None and end > limit
        if late or end.date() < day:
            behind = slip_days(project, end.date(), limit.date() if limit else day)
            slipping.append(
                (task.id, task.name, end, limit, behind, chance.get(task.id)),
            )
        else:
            upcoming.append((task.id, task.name, end, limit, chance.get(task.id)))
    done.sort(key=lambda r: r[2], reverse=True)  # the latest first
    upcoming.sort(key=lambda r: r[2])
    slipping.sort(key=lambda r: r[2])
    ids = (Column("Id"), Column("Milestone"))
    return Section(
        "milestones",
        "Milestones",
        (
            f"{len(done)} done, {len(slipping)} slipping, {len(upcoming)} still to come "
            "(slipping: forecast after its baseline finish or deadline).",
        ),
        (
            KeyFigure("milestones_done", "Milestones done", len(done), "count"),
            KeyFigure("milestones_slipping", "Milestones slipping", len(slipping), "count"),
        ),
        (
            Table(
                "milestones_slipping",
                "Slipping",
                (*ids, Column("Forecast", "datetime"), Column("Promised", "datetime"),
                 Column("Working days late", "count"), Column("Chance on time", "percent")),
                tuple(slipping),
                "None.",
            ),
            Table(
                "milestones_next",
                "Next",
                (*ids, Column("Forecast", "datetime"), Column("Promised", "datetime"),
                 Column("Chance on time", "percent")),
                tuple(upcoming[:NEXT_MILESTONES]),
                "None.",
                _first(NEXT_MILESTONES, len(upcoming)),
            ),
            Table(
                "milestones_done", "Done, the latest first", (*ids, Column("Finished", "datetime")),
                tuple(done[:DONE_MILESTONES]), "None yet.",
                _first(DONE_MILESTONES, len(done)).replace("first", "latest"),
            ),
        ),
    )  # fmt: skip


def _first(shown: int, total: int) -> str:
    return f"The first {shown} of {total}." if total > shown else ""


def _earned_value(inputs: StatusInputs) -> Section:
    evm = inputs.evm
    if evm is None:
        return Section("evm", "Schedule and cost variance", ("Earned value is not available.",))
    f, fc, s = evm.project, evm.forecast, evm.schedule
    money = [
        ("bac", "BAC", f.bac), ("pv", "PV", f.pv), ("ev", "EV", f.ev), ("ac", "AC", f.ac),
        ("sv", "SV", f.sv), ("cv", "CV", f.cv), ("eac_typical", "EAC (BAC / CPI)", fc.eac_typical),
        ("etc", "ETC", fc.etc), ("vac", "VAC", fc.vac),
    ]  # fmt: skip
    figures = [KeyFigure(i, label, value, "money") for i, label, value in money]
    figures[6:6] = [
        KeyFigure("spi_evm", "SPI", f.spi, "ratio"),
        KeyFigure("cpi_evm", "CPI", f.cpi, "ratio"),
    ]
    figures += [
        KeyFigure("tcpi_bac", "TCPI (BAC)", fc.tcpi_bac, "ratio"),
        KeyFigure("sv_t", "SV(t), working days", s.sv_t, "days"),
        KeyFigure("spi_t", "SPI(t)", s.spi_t, "ratio"),
    ]
    phases = Table(
        "evm_phases",
        "By phase",
        (Column("Phase"), *(Column(c, "money") for c in ("BAC", "PV", "EV", "AC", "SV", "CV")),
         Column("SPI", "ratio"), Column("CPI", "ratio")),
        tuple((name, p.bac, p.pv, p.ev, p.ac, p.sv, p.cv, p.spi, p.cpi)
              for name, p in evm.phases),
    )  # fmt: skip
    behind = "behind" if f.sv < 0 else "ahead of or on"
    over = "over" if f.cv < 0 else "within"
    text = (
        f"At {evm.status_date} the project has earned {f.ev:,.2f} of {f.pv:,.2f} planned "
        f"({behind} schedule) and spent {f.ac:,.2f} ({over} budget for the work done)."
    )
    chart = s_curve(inputs.costs, evm, inputs.history, inputs.project.currency)
    return Section(
        "evm", "Schedule and cost variance", (text,), tuple(figures), (phases,), (chart,)
    )


def _forecast(inputs: StatusInputs, finish: datetime) -> Section:
    sim, project = inputs.simulation, inputs.project
    if sim is None:
        return Section("forecast", "Forecast", ("The simulation is not available.",))
    at = [simulated_instant(project, sim.finish.percentiles[p]) for p in (50, 80)]
    figures = (
        KeyFigure("deterministic_finish", "Planned finish", finish, "datetime"),
        KeyFigure("p50_finish_forecast", "P50 finish", at[0], "datetime"),
        KeyFigure("p80_finish_forecast", "P80 finish", at[1], "datetime"),
        KeyFigure("p50_cost", "P50 cost", simulated_money(sim.cost.percentiles[50]), "money"),
        KeyFigure("p80_cost", "P80 cost", simulated_money(sim.cost.percentiles[80]), "money"),
    )
    names = {t.id: t.name for t in project.tasks}
    targets = sorted(sim.targets, key=lambda t: (t.p_on_time, t.target))
    table = Table(
        "commitments",
        "Dates promised and the chance of meeting them",
        (Column("Id"), Column("Name"), Column("Kind"), Column("Target", "datetime"),
         Column("Chance on time", "percent")),
        tuple((t.id, names.get(t.id, t.id), t.kind, simulated_instant(project, t.target),
               t.p_on_time) for t in targets[:10]),
        "No milestones or deadlines.",
        _first(10, len(targets)),
    )  # fmt: skip
    text = (
        f"Half the simulated runs finish by {at[0]:%Y-%m-%d} (P50) and four in five by "
        f"{at[1]:%Y-%m-%d} (P80); the schedule says {finish:%Y-%m-%d}."
    )
    chart = finish_chart(project, sim, finish)
    return Section("forecast", "Forecast", (text,), figures, (table,), (chart,))


def _risks(inputs: StatusInputs) -> Section:
    rows = risk_rows(inputs.project, inputs.simulation)
    active = [r for r in rows if r[2] != "closed"]
    # Ranked by how strongly each moves the finish in the simulation, then by probability.
    active.sort(key=lambda r: (-abs(_number(r[-1])), -_number(r[3]), str(r[0])))
    return Section(
        "risks",
        "Top risks",
        (f"{len(active)} open risk(s); ranked by how strongly each moves the finish date.",),
        (KeyFigure("open_risks", "Open risks", len(active), "count"),),
        (
            Table(
                "top_risks",
                "Top risks",
                (Column("Id"), Column("Risk"), Column("Probability", "percent"),
                 Column("Schedule impact (days)", "days"), Column("Cost impact", "money"),
                 Column("Owner"), Column("Response")),
                tuple((r[0], r[1], r[3], r[4], r[5], r[7], r[8]) for r in active[:TOP_RISKS]),
                "No open risks.",
                _first(TOP_RISKS, len(active)),
            ),
        ),
    )  # fmt: skip


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _decisions(inputs: StatusInputs) -> Section:
    return Section(
        "decisions",
        "Decisions needed",
        () if inputs.decisions else (NONE_RECORDED,),
        tables=(
            Table(
                "decisions",
                "Decisions needed",
                (Column("Decision"), Column("Owner"), Column("Due", "date"), Column("Context")),
                tuple((d.title, d.owner, d.due, d.context) for d in inputs.decisions),
            ),
        )
        if inputs.decisions
        else (),
    )


def _progress(inputs: StatusInputs) -> Section:
    project, schedule, day = inputs.project, inputs.schedule, inputs.status_date
    since, until = day - timedelta(days=PERIOD_DAYS), day + timedelta(days=PERIOD_DAYS)
    done, coming = [], []
    for task, placed in zip(project.tasks, schedule.tasks, strict=True):
        if task.children:
            continue
        start, end = schedule.at(placed.start), schedule.at(placed.finish)
        if is_done(task):
            finished = task.actual_finish or end
            if since < finished.date() <= day:
                done.append((task.id, task.name, finished))
        elif start.date() <= until:
            share = task.progress.complete or Decimal(0)
            coming.append((task.id, task.name, start, end, share))
    done.sort(key=lambda r: r[2])
    coming.sort(key=lambda r: (r[2], r[0]))
    actions = sorted(inputs.actions, key=lambda a: (a.done, a.due or date.max))
    tables = [
        Table(
            "accomplishments",
            f"Accomplished in the {PERIOD_DAYS} days to {day}",
            (Column("Id"), Column("Task"), Column("Finished", "datetime")),
            tuple(done),
            "Nothing finished in the period.",
        ),
        Table(
            "next_steps",
            f"Next steps: under way or starting by {until}",
            (Column("Id"), Column("Task"), Column("Start", "datetime"),
             Column("Finish", "datetime"), Column("Complete", "percent")),
            tuple(coming[:NEXT_STEPS]),
            "Nothing under way or starting.",
            _first(NEXT_STEPS, len(coming)),
        ),
        Table(
            "meeting_actions",
            "Actions from meetings",
            (Column("Action"), Column("Owner"), Column("Due", "date"), Column("Status"),
             Column("Meeting")),
            tuple((a.title, a.owner, a.due, "done" if a.done else "open", a.meeting)
                  for a in actions),
        ),
    ]  # fmt: skip
    return Section(
        "progress",
        "Accomplishments and next steps",
        figures=(
            KeyFigure("finished_in_period", "Tasks finished in the period", len(done), "count"),
        ),
        tables=tuple(tables),
    )
