"""The status report's whole tables, for the spreadsheet: every task, every phase's costs, and
the risk register. The text formats show the sections' shorter tables instead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from plansmith.analytics.evm import EvmReport, Figures
from plansmith.analytics.risk_report import RiskReport
from plansmith.domain.model import Project
from plansmith.domain.risk import ThreePoint
from plansmith.reports.document import Column, Table, Value
from plansmith.reports.status_team import team_sheets
from plansmith.scheduling.result import ScheduleResult

CENT = Decimal("0.01")
RISK_COLUMNS = (
    Column("Id"),
    Column("Risk"),
    Column("Status"),
    Column("Probability", "percent"),
    Column("Schedule impact (days)", "days"),
    Column("Cost impact", "money"),
    Column("Tasks"),
    Column("Owner"),
    Column("Response"),
    Column("Occurred in simulation", "percent"),
    Column("Sensitivity", "ratio"),
)
MONEY_COLUMNS = tuple(Column(c, "money") for c in ("BAC", "PV", "EV", "AC", "SV", "CV"))


def _mean_days(point: ThreePoint | None, minutes_per_day: float) -> Decimal:
    if point is None:
        return Decimal(0)
    return Decimal(repr(point.pert_mean / minutes_per_day)).quantize(CENT)


def _mean_money(point: ThreePoint | None) -> Decimal:
    if point is None:
        return Decimal(0)
    return Decimal(repr(point.pert_mean)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def risk_rows(project: Project, simulation: RiskReport | None) -> list[tuple[Value, ...]]:
    """The register in RISK_COLUMNS: impacts as PERT means, and what the simulation saw."""
    simulated = {r.id: r for r in simulation.risks} if simulation is not None else {}
    day = 60.0 * project.hours_per_day
    rows: list[tuple[Value, ...]] = []
    for risk in project.risks:
        run = simulated.get(risk.id)
        rows.append(
            (
                risk.id,
                risk.title,
                risk.status.value,
                risk.probability,
                _mean_days(risk.schedule, day),
                _mean_money(risk.cost),
                ", ".join(risk.tasks),
                risk.owner or "",
                risk.response.strip(),
                run.occurrence if run is not None else None,
                Decimal(repr(run.sensitivity)).quantize(Decimal("0.0001")) if run else None,
            )
        )
    return rows


def _figures(f: Figures | None) -> tuple[Value, ...]:
    if f is None:
        return (None,) * 8
    return (f.bac, f.pv, f.ev, f.ac, f.sv, f.cv, f.spi, f.cpi)


def sheets(
    project: Project,
    schedule: ScheduleResult,
    evm: EvmReport | None,
    simulation: RiskReport | None,
    baseline_tasks: Mapping[str, datetime],
) -> tuple[Table, ...]:
    day = 60.0 * project.hours_per_day
    values = {t.id: t for t in evm.tasks} if evm is not None else {}
    criticality = {t.id: t.criticality for t in simulation.tasks} if simulation else {}
    tasks = []
    for task, placed in zip(project.tasks, schedule.tasks, strict=True):
        value = values.get(task.id)
        tasks.append(
            (
                task.wbs,
                task.id,
                task.name,
                schedule.at(placed.start),
                schedule.at(placed.finish),
                baseline_tasks.get(task.id),
                value.complete if value is not None else task.progress.complete,
                "yes" if placed.critical else "",
                "yes" if task.milestone else "",
                Decimal(placed.total_float) / Decimal(repr(day)),
                criticality.get(task.id),
                *_figures(value.figures if value is not None else None),
            )
        )
    task_table = Table(
        "tasks",
        "Tasks",
        (
            Column("WBS"),
            Column("Id"),
            Column("Task"),
            Column("Start", "datetime"),
            Column("Finish", "datetime"),
            Column("Baseline finish", "datetime"),
            Column("Complete", "percent"),
            Column("Critical"),
            Column("Milestone"),
            Column("Total float (days)", "days"),
            Column("Criticality in simulation", "percent"),
            *MONEY_COLUMNS,
            Column("SPI", "ratio"),
            Column("CPI", "ratio"),
        ),
        tuple(tasks),
    )
    cost_rows: list[tuple[Value, ...]] = []
    if evm is not None:
        cost_rows = [(name, *_figures(f)) for name, f in evm.phases]
        cost_rows.append(("Project", *_figures(evm.project)))
    costs = Table(
        "costs",
        "Costs",
        (Column("Phase"), *MONEY_COLUMNS, Column("SPI", "ratio"), Column("CPI", "ratio")),
        tuple(cost_rows),
        "Earned value is not available.",
    )
    risks = Table("risks", "Risks", RISK_COLUMNS, tuple(risk_rows(project, simulation)))
    return (task_table, costs, risks, *team_sheets(project, schedule))
