"""The status report's "Roles and deliverables" section: each deliverable with its status, the
milestone it is due at (with the schedule's date for it) and the sign-off that accepted it, and
what the RACI checks find.

The findings are :func:`~plansmith.analytics.team_checks.raci_diagnostics` itself, the same
rules the plan file, the API and the Team page report, so the report never judges the matrix
by a rule of its own. The deliverables are also a sheet of the spreadsheet (XLSX shows only
the sections' figures and text), for plans that have any. Kept apart from :mod:`.status` so
that module stays one screenful per section.
"""

from __future__ import annotations

from datetime import datetime

from plansmith.analytics.team_checks import raci_diagnostics
from plansmith.domain.model import Project
from plansmith.reports.document import NONE_RECORDED, Column, KeyFigure, Section, Table, Value
from plansmith.scheduling.result import ScheduleResult

STATUS_WORDS = {
    "planned": "planned",
    "in_progress": "in progress",
    "delivered": "delivered",
    "accepted": "accepted",
    "rejected": "rejected",
}


def deliverables_table(project: Project, schedule: ScheduleResult) -> Table:
    """Every deliverable: status, the milestone it is due at and its date, its sign-off."""
    names = {task.id: task.name for task in project.tasks}
    due: dict[str, datetime] = {
        task.id: schedule.at(placed.finish)
        for task, placed in zip(project.tasks, schedule.tasks, strict=True)
    }
    rows: list[tuple[Value, ...]] = []
    for d in project.team.deliverables:
        signed = d.signed_off
        milestone = names.get(d.milestone, d.milestone) if d.milestone else None
        rows.append(
            (
                d.id,
                d.name,
                STATUS_WORDS.get(d.status, d.status),
                milestone,
                due.get(d.milestone) if d.milestone else None,
                signed.by if signed is not None else None,
                signed.day if signed is not None else None,
            )
        )
    return Table(
        "deliverables",
        "Deliverables",
        (Column("Id"), Column("Deliverable"), Column("Status"), Column("Due at"),
         Column("Due", "datetime"), Column("Signed off by"), Column("Signed off", "date")),
        tuple(rows),
        "No deliverables.",
    )  # fmt: skip


def team_sheets(project: Project, schedule: ScheduleResult) -> tuple[Table, ...]:
    """The spreadsheet's Deliverables sheet, for plans that have any (others keep theirs)."""
    return (deliverables_table(project, schedule),) if project.team.deliverables else ()


def team_section(project: Project, schedule: ScheduleResult) -> Section:
    team = project.team
    findings = raci_diagnostics(project)
    signed_off = sum(1 for d in team.deliverables if d.signed_off is not None)
    if not team.deliverables and not team.raci:
        return Section("team", "Roles and deliverables", (NONE_RECORDED,))
    text = (
        f"{len(team.deliverables)} deliverable(s), {signed_off} signed off; the RACI checks "
        f"find {len(findings)} problem(s)."
    )
    return Section(
        "team",
        "Roles and deliverables",
        (text,),
        (
            KeyFigure("deliverables", "Deliverables", len(team.deliverables), "count"),
            KeyFigure("deliverables_signed_off", "Signed off", signed_off, "count"),
            KeyFigure("raci_findings", "RACI findings", len(findings), "count"),
        ),
        (
            deliverables_table(project, schedule),
            Table(
                "raci_findings",
                "RACI checks",
                (Column("Code"), Column("Finding")),
                tuple((d.code, d.message) for d in findings),
                "The RACI matrix passes every check.",
            ),
        ),
    )
