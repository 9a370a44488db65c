"""A stored project's plan as the plan page shows it: the WBS table's rows and the Gantt
chart's bars, from one schedule of the plan as it stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic
from plansmith.io.plan_file import load_plan_spec
from plansmith.services.planning import schedule_plan
from plansmith.storage import tables as t
from plansmith.storage.plans import plan_spec


@dataclass(frozen=True)
class PlanRow:
    """One task as the WBS table and the Gantt chart show it."""

    id: str
    wbs: str
    name: str
    parent: str | None
    depth: int
    start: str
    finish: str
    duration: str
    progress: float  # 0..100
    predecessors: list[str]
    resources: list[str]
    critical: bool
    milestone: bool
    summary: bool
    version: int
    baseline_start: str | None = None
    baseline_finish: str | None = None


@dataclass(frozen=True)
class PlanView:
    rows: list[PlanRow]
    start: str | None
    finish: str | None
    status_date: date | None
    diagnostics: tuple[Diagnostic, ...] = ()
    gantt: list[dict[str, Any]] = field(default_factory=list)


def plan_view(session: Session, user: t.User, project: t.Project) -> PlanView:
    """The caller's role was checked by whoever found ``project``."""
    spec = plan_spec(session, project)
    outcome = schedule_plan(load_plan_spec(spec, f"{project.key}.yaml"))
    versions = dict(
        session.execute(
            select(t.Task.key, t.Task.version).where(t.Task.project_id == project.id)
        ).all()
    )
    model = outcome.project
    if outcome.result is None or model is None or not outcome.ok:
        return PlanView([], None, None, spec.project.status_date, outcome.diagnostics)
    doc = outcome.to_json()
    baseline = _latest_baseline(session, project)
    by_id = {task.id: task for task in model.tasks}
    durations = {
        row.key: row.spec.get("duration") or row.spec.get("effort")
        for row in _tasks(session, project)
    }
    rows = []
    for entry in doc["tasks"]:
        task = by_id[entry["id"]]
        complete = (
            100.0 if task.actual_finish is not None else float(task.progress.complete or 0) * 100
        )
        planned = baseline.get(task.id, {})
        rows.append(
            PlanRow(
                id=task.id,
                wbs=entry["wbs"],
                name=task.name,
                parent=task.parent,
                depth=entry["wbs"].count("."),
                start=entry["start"],
                finish=entry["finish"],
                duration=str(durations.get(task.id) or ("0" if task.milestone else "")),
                progress=round(complete, 1),
                predecessors=[d.predecessor for d in task.dependencies],
                resources=list(entry["resources"]),
                critical=entry["critical"],
                milestone=entry["milestone"],
                summary=entry["summary"],
                version=versions.get(task.id, 1),
                baseline_start=planned.get("start"),
                baseline_finish=planned.get("finish"),
            )
        )
    gantt = [_bar(row) for row in rows]
    return PlanView(
        rows,
        doc["project"]["start"],
        doc["project"]["finish"],
        spec.project.status_date,
        outcome.diagnostics,
        gantt,
    )


def _tasks(session: Session, project: t.Project) -> list[t.Task]:
    return list(session.scalars(select(t.Task).where(t.Task.project_id == project.id)))


def _latest_baseline(session: Session, project: t.Project) -> dict[str, dict[str, str]]:
    row = session.scalar(
        select(t.Baseline)
        .where(t.Baseline.project_id == project.id)
        .order_by(t.Baseline.saved_at.desc(), t.Baseline.id.desc())
        .limit(1)
    )
    return dict(row.data.get("tasks", {})) if row is not None else {}


def _bar(row: PlanRow) -> dict[str, Any]:
    """frappe-gantt's task: start and end as date-times, dependencies as a comma list."""
    classes = [
        "is-critical" if row.critical else "",
        "is-milestone" if row.milestone else "",
        "is-summary" if row.summary else "",
    ]
    return {
        "id": row.id,
        "name": row.name,
        "start": row.start.replace("T", " "),
        "end": row.finish.replace("T", " "),
        "progress": row.progress,
        "dependencies": ", ".join(row.predecessors),
        "custom_class": " ".join(c for c in classes if c) or "is-task",
        "version": row.version,
        "summary": row.summary,
        "milestone": row.milestone,
        "baseline_start": row.baseline_start,
        "baseline_end": row.baseline_finish,
    }
