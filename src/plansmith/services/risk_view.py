"""A stored project's risk as the risk page shows it: the register with a probability x impact
matrix, and a Monte Carlo run's finish and cost distributions, drivers (the tornado) and
criticality.

Every figure is the simulation's JSON document, the one ``plansmith simulate`` and the API's
simulate action write for the same plan, seed and iterations; this module only picks, sorts
and labels. The page runs one core and a moderate number of iterations, so it answers quickly
and the same seed gives the same page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
from plansmith.domain.risk import Risk, ThreePoint
from plansmith.io.plan_file import LoadedPlan
from plansmith.io.schedule_json import TIME_FORMAT
from plansmith.io.simulation_json import money, simulation_to_json
from plansmith.scheduling.calendars import CalendarBook
from plansmith.services.risk import simulate_plan

ITERATIONS = 2000
ITERATION_CHOICES = (500, 1000, 2000, 5000, 10000)
SEED = 0  # the CLI's default: `plansmith simulate plan.yaml -n 2000` gives the same figures
TOP_DRIVERS = 10

# Probability levels (upper bounds) and impact levels (upper bounds, as a share of the plan's
# working days for schedule and of its planned cost for money): a risk's impact level is the
# higher of the two. The page prints these so the matrix can be read without this file.
PROBABILITY_LEVELS = (0.10, 0.25, 0.50, 0.75, 1.00)
IMPACT_LEVELS = (0.005, 0.01, 0.025, 0.05, float("inf"))
LEVEL_NAMES = ("very low", "low", "medium", "high", "very high")

REGISTER_COLUMNS = (
    ("Risk id", "id"),
    ("Title", "title"),
    ("Status", "status"),
    ("Probability %", "probability"),
    ("Schedule impact (days, mean)", "schedule_days"),
    ("Schedule impact range", "schedule_range"),
    ("Cost impact (mean)", "cost"),
    ("Tasks", "tasks"),
    ("Owner", "owner"),
    ("Response", "response"),
    ("Probability level", "p_level"),
    ("Impact level", "i_level"),
    ("Score", "score"),
    ("Occurred %", "occurrence"),
    ("Sensitivity", "sensitivity"),
)
DRIVER_COLUMNS = (
    ("Kind", "kind"),
    ("Id", "id"),
    ("Name", "label"),
    ("Sensitivity", "sensitivity"),
    ("Cost sensitivity", "cost_sensitivity"),
)
CRITICALITY_COLUMNS = (
    ("Task id", "id"),
    ("Task", "name"),
    ("Criticality %", "criticality"),
    ("Sensitivity", "sensitivity"),
    ("PERT mean (days)", "pert_mean_days"),
    ("Optimistic (days)", "optimistic"),
    ("Likely (days)", "likely"),
    ("Pessimistic (days)", "pessimistic"),
)
COMMITMENT_COLUMNS = (
    ("Id", "id"),
    ("Name", "name"),
    ("Kind", "kind"),
    ("Target", "target"),
    ("Chance on time %", "p_on_time"),
)
PERCENTILE_COLUMNS = (("Percentile", "label"), ("Finish", "finish"), ("Cost", "cost"))


@dataclass(frozen=True)
class RiskView:
    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    iterations: int = ITERATIONS
    seed: int = SEED
    doc: dict[str, Any] = field(default_factory=dict)  # the simulation's JSON document
    register: list[dict[str, Any]] = field(default_factory=list)
    matrix: list[dict[str, Any]] = field(default_factory=list)  # rows, probability high first
    drivers: list[dict[str, Any]] = field(default_factory=list)
    criticality: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    percentiles: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        """The results in one sentence: what a screen reader hears for the charts."""
        if not self.ok:
            return "The plan cannot be simulated."
        finish, cost = self.doc["finish"], self.doc["cost"]
        currency = self.doc["project"]["currency"]
        return (
            f"P50 finish {finish['p50'][:10]}, P80 finish {finish['p80'][:10]} "
            f"(the plan says {self.doc['project']['deterministic_finish'][:10]}); "
            f"P50 cost {cost['p50']} {currency}, P80 cost {cost['p80']} {currency}."
        )

    def chart(self) -> dict[str, Any]:
        if not self.ok:
            return {}
        doc = self.doc
        return {
            "finish": {**doc["histogram"]["finish"], "p50": doc["finish"]["p50"],
                       "p80": doc["finish"]["p80"],
                       "plan": doc["project"]["deterministic_finish"]},
            "cost": {**doc["histogram"]["cost"], "p50": doc["cost"]["p50"],
                     "p80": doc["cost"]["p80"], "plan": doc["project"]["deterministic_cost"],
                     "currency": doc["project"]["currency"]},
            "tornado": [
                {"label": d["label"], "value": d["sensitivity"], "kind": d["kind"]}
                for d in self.drivers
            ],
            "criticality": [
                {"label": c["name"], "value": c["criticality"]} for c in self.criticality[:15]
            ],
        }  # fmt: skip


def risk_view(plan: LoadedPlan, *, iterations: int = ITERATIONS, seed: int = SEED) -> RiskView:
    """Simulate ``plan`` and lay the results out for the page; the caller checked the role."""
    began = time.perf_counter()
    outcome = simulate_plan(plan, SimulationOptions(iterations=iterations, seed=seed, workers=1))
    seconds = time.perf_counter() - began
    project = plan.project
    if not outcome.ok or project is None:
        return RiskView(False, outcome.diagnostics, iterations, seed)
    doc = simulation_to_json(project, outcome.report, outcome.diagnostics)
    names = {task.id: task.name for task in project.tasks}
    simulated = {r["id"]: r for r in doc["risks"]}
    register = _register(project, doc, simulated)
    return RiskView(
        ok=True,
        diagnostics=outcome.diagnostics,
        iterations=iterations,
        seed=seed,
        doc=doc,
        register=register,
        matrix=_matrix(register),
        drivers=_drivers(doc, names),
        criticality=_criticality(doc, names),
        commitments=[
            {
                "id": m["id"],
                "name": names.get(m["id"], m["id"]),
                "kind": m["kind"],
                "target": _instant(m["target"]),
                "p_on_time": round(100 * m["p_on_time"], 1),
            }
            for m in doc["milestones"]
        ],
        percentiles=[
            {
                "label": label.upper(),
                "finish": _instant(doc["finish"][label]),
                "cost": Decimal(doc["cost"][label]),
            }
            for label in ("p10", "p50", "p80", "p90", "p95", "mean")
        ],
        seconds=round(seconds, 3),
    )


def _instant(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)


def _level(value: float, bounds: tuple[float, ...]) -> int:
    """1..5: the first level whose upper bound ``value`` does not pass."""
    return next(i for i, bound in enumerate(bounds, 1) if value <= bound + 1e-12)


def _days(point: ThreePoint | None, day: float) -> float:
    return round(point.pert_mean / day, 2) if point is not None else 0.0


def _register(
    project: Project, doc: dict[str, Any], simulated: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    day = 60.0 * project.hours_per_day
    timeline = CalendarBook(project).project_timeline()
    finish = _instant(doc["project"]["deterministic_finish"])
    minutes = int((finish - project.origin_datetime).total_seconds() // 60)
    plan_days = (timeline.work_at(minutes) if timeline is not None else minutes) / day
    plan_cost = float(doc["project"]["deterministic_cost"]) or 1.0
    rows = []
    for risk in project.risks:
        schedule_days = _days(risk.schedule, day)
        cost = risk.cost.pert_mean if risk.cost is not None else 0.0
        share = max(schedule_days / plan_days if plan_days > 0 else 0.0, cost / plan_cost)
        p_level = _level(risk.probability, PROBABILITY_LEVELS)
        i_level = _level(share, IMPACT_LEVELS) if share > 0 else 1
        run = simulated.get(risk.id)
        rows.append(
            {
                "id": risk.id,
                "title": risk.title,
                "status": risk.status.value,
                "probability": round(100 * risk.probability, 1),
                "schedule_days": schedule_days,
                "schedule_range": _range(risk, day),
                "cost": Decimal(money(cost)),
                "tasks": ", ".join(risk.tasks),
                "owner": risk.owner or "",
                "response": risk.response.strip(),
                "p_level": p_level,
                "i_level": i_level,
                "score": p_level * i_level,
                "band": _band(p_level * i_level),
                "occurrence": round(100 * run["occurrence"], 1) if run else None,
                "sensitivity": run["sensitivity"] if run else None,
            }
        )
    return rows


def _range(risk: Risk, day: float) -> str:
    point = risk.schedule
    if point is None:
        return ""
    low, likely, high = (
        round(v / day, 2) for v in (point.optimistic, point.likely, point.pessimistic)
    )
    return f"{likely:g}d" if low == high else f"{low:g}d / {likely:g}d / {high:g}d"


def _band(score: int) -> str:
    return "high" if score >= 10 else "medium" if score >= 5 else "low"


def _matrix(register: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Five rows (probability, highest first) of five cells (impact, lowest first); closed
    risks are left out, as the simulation leaves them out."""
    rows = []
    for p in range(5, 0, -1):
        cells = []
        for i in range(1, 6):
            risks = [
                r["id"]
                for r in register
                if r["status"] != "closed" and r["p_level"] == p and r["i_level"] == i
            ]
            cells.append({"impact": i, "score": p * i, "band": _band(p * i), "risks": risks})
        rows.append({"probability": p, "name": LEVEL_NAMES[p - 1], "cells": cells})
    return rows


def _drivers(doc: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The tornado: tasks and risks by absolute sensitivity, the top ten that move the finish."""
    entries = [
        {"kind": "task", "id": t["id"], "label": names.get(t["id"], t["id"]),
         "sensitivity": t["sensitivity"], "cost_sensitivity": t["cost_sensitivity"]}
        for t in doc["tasks"]
    ] + [
        {"kind": "risk", "id": r["id"], "label": f"Risk: {r['title']}",
         "sensitivity": r["sensitivity"], "cost_sensitivity": r["cost_sensitivity"]}
        for r in doc["risks"]
    ]  # fmt: skip
    entries = [e for e in entries if e["sensitivity"] != 0]
    entries.sort(key=lambda e: (-abs(e["sensitivity"]), e["id"]))
    return entries[:TOP_DRIVERS]


def _criticality(doc: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for task in doc["tasks"]:
        if task["criticality"] <= 0:
            continue
        estimate = task.get("estimate") or {}
        rows.append(
            {
                "id": task["id"],
                "name": names.get(task["id"], task["id"]),
                "criticality": round(100 * task["criticality"], 2),
                "sensitivity": task["sensitivity"],
                "pert_mean_days": task.get("pert_mean_days"),
                "optimistic": estimate.get("optimistic_days"),
                "likely": estimate.get("likely_days"),
                "pessimistic": estimate.get("pessimistic_days"),
            }
        )
    rows.sort(key=lambda r: (-r["criticality"], r["id"]))
    return rows
