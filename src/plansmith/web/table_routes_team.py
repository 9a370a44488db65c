"""The Team and Workload pages' tables as CSV and XLSX (docs/web.md, "Downloads").

Each route reads what its page reads, through the same calls and with the same right: the
Team page's tables need ``read_plan`` on the project (``find_project`` then
``team.team_view``, as ``team_routes.team_page``), the Workload page's only a signed-in user
(``workload.workload`` counts the projects that user may read). Rows are built here from the
same view the template draws, with the page's helpers (names, dues, histories, the by-project
rows), so a file holds what the table shows, typed: levels and hours as numbers, days as dates.

A deliverable's sign-offs and history are one table per deliverable on the page; their
downloads hold every deliverable's, and ``?deliverable=<id>`` (the link under each table)
narrows to that one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from plansmith.services import team, workload
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.storage import tables as t
from plansmith.web.deps import PageSession, PageUser
from plansmith.web.downloads import Table, Value, as_date, as_datetime, as_number, download
from plansmith.web.team_routes import (
    deliverable_histories,
    party_names,
    task_dues,
    workload_by_project,
)

router = APIRouter(include_in_schema=False)
P = "/projects/{key}/tables"


def _team(session: Session, user: t.User, key: str) -> tuple[t.Project, dict[str, Any]]:
    """The Team page's check and view; a plan with errors has no team tables (empty files)."""
    project = find_project(session, user, key, Action.READ_PLAN)
    return project, team.team_view(session, user, project.key)


def raci_table(view: dict[str, Any], key: str) -> Table:
    grid = view.get("raci", {})
    parties = grid.get("parties", [])
    checks: dict[str, list[str]] = {}
    for d in view.get("diagnostics", []):
        checks.setdefault(d.get("subject") or "", []).append(d["message"])
    columns = ["Id", "Item", "Kind", *(p["name"] for p in parties), "Checks"]
    rows: list[list[Value]] = []
    for item in grid.get("items", []):
        cells = grid.get("cells", {}).get(item["id"], {})
        letters = [cells.get(p["id"]) or None for p in parties]
        note = "; ".join(checks.get(f"raci:{item['id']}", [])) or None
        rows.append([item["id"], item["name"], item["kind"], *letters, note])
    return Table(f"{key}-raci", columns, rows)


@router.get(P + "/raci.{fmt}")
def raci_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _team(session, user, key)
    return download(raci_table(view, key), fmt)


@router.get(P + "/deliverables.{fmt}")
def deliverables_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    project, view = _team(session, user, key)
    names, dues = party_names(view), task_dues(session, project)
    columns = ("Id", "Deliverable", "Status", "Owner", "Due at", "Due", "Acceptance criteria")
    rows = [
        (
            d["id"],
            d["name"],
            d["status"].replace("_", " "),
            names.get(d["owner"], d["owner"]) if d.get("owner") else None,
            dues.get(d["milestone"], (d["milestone"], ""))[0] if d.get("milestone") else None,
            as_date(dues.get(d["milestone"], ("", ""))[1]) if d.get("milestone") else None,
            "; ".join(d.get("acceptance", [])) or None,
        )
        for d in view.get("deliverables", [])
    ]
    return download(Table(f"{key}-deliverables", columns, rows), fmt)


def _chosen(view: dict[str, Any], deliverable: str | None) -> list[dict[str, Any]]:
    return [d for d in view.get("deliverables", []) if deliverable in (None, d["id"])]


@router.get(P + "/deliverable-signoffs.{fmt}")
def signoffs_download(
    fmt: str, key: str, session: PageSession, user: PageUser, deliverable: str | None = None
) -> Response:
    _, view = _team(session, user, key)
    columns = ("Deliverable", "By", "Date", "Decision", "Note")
    rows = [
        (
            d["id"],
            s.get("by"),
            as_date(s.get("date")),
            s.get("decision") or "accepted",
            s.get("note"),
        )
        for d in _chosen(view, deliverable)
        for s in d.get("signoffs", [])
    ]
    return download(Table(f"{key}-deliverable-signoffs", columns, rows), fmt)


@router.get(P + "/deliverable-history.{fmt}")
def history_download(
    fmt: str, key: str, session: PageSession, user: PageUser, deliverable: str | None = None
) -> Response:
    project, view = _team(session, user, key)
    shown = {"deliverables": _chosen(view, deliverable)}
    history = deliverable_histories(session, user, project, shown)
    columns = ("Deliverable", "When", "Recorded by", "Change")
    rows = [
        (ident, as_datetime(e["at"]), e.get("user") or None, e["text"])
        for ident, entries in history.items()
        for e in entries
    ]
    return download(Table(f"{key}-deliverable-history", columns, rows), fmt)


@router.get(P + "/skills-matrix.{fmt}")
def skills_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _team(session, user, key)
    skills = view.get("skills", {})
    people = skills.get("people", [])
    columns = ["Skill", *(p["name"] for p in people)]
    rows = [
        [skill, *(p["levels"].get(skill) for p in people)] for skill in skills.get("skills", [])
    ]
    return download(Table(f"{key}-skills-matrix", columns, rows), fmt)


@router.get(P + "/skill-gaps.{fmt}")
def gaps_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    project, view = _team(session, user, key)
    names, dues = party_names(view), task_dues(session, project)
    columns = (
        "Task", "Task id", "Skill", "Level needed", "Assigned", "Best level among them",
        "Training planned",
    )  # fmt: skip
    rows = [
        (
            dues.get(g["task"], (g["task"], ""))[0],
            g["task"],
            g["skill"],
            g["level"],
            ", ".join(names.get(who, who) for who in g["assigned"]) or "nobody",
            g["best"],
            ", ".join(g["training"]) or "none",
        )
        for g in view.get("gaps", [])
    ]
    return download(Table(f"{key}-skill-gaps", columns, rows), fmt)


@router.get(P + "/certifications.{fmt}")
def certifications_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _team(session, user, key)
    names = party_names(view)
    columns = ("Person", "Certification", "Issued", "Expires", "State")
    rows = [
        (
            names.get(c["resource"], c["resource"]),
            c["name"],
            as_date(c.get("issued")),
            as_date(c.get("expires")),
            c["state"],
        )
        for c in view.get("certifications", [])
    ]
    return download(Table(f"{key}-certifications", columns, rows), fmt)


@router.get(P + "/training-plan.{fmt}")
def training_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _team(session, user, key)
    names = party_names(view)
    columns = ("Person", "Course", "Start", "End", "Cost", "Skill", "To level")
    rows = [
        (
            names.get(c["resource"], c["resource"]),
            c["course"],
            as_date(c.get("start")),
            as_date(c.get("end")),
            as_number(c.get("cost")) or 0,
            c.get("skill"),
            c.get("level") if c.get("skill") else None,
        )
        for c in view.get("training", [])
    ]
    return download(Table(f"{key}-training-plan", columns, rows), fmt)


# Workload (outside any project: the projects the user may read) ------------------------------


@router.get("/tables/workload.{fmt}")
def workload_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    """Hours and capacity per person and month: two columns a month, as each cell shows both."""
    view = workload.workload(session, user)
    months = view["months"]
    columns = ["Person", *(f"{m} {what}" for m in months for what in ("hours", "capacity"))]
    rows: list[list[Value]] = []
    for p in view["people"]:
        cells: list[Value] = []
        for m in months:
            booked = m in p["months"]
            cells += [
                p["months"][m] if booked else None,
                p["capacity"].get(m, 0) if booked else None,
            ]
        rows.append([p["name"], *cells])
    return download(Table("workload", columns, rows), fmt)


@router.get("/tables/workload-by-project.{fmt}")
def workload_projects_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    view = workload.workload(session, user)
    _, by_project = workload_by_project(view)
    columns = ["Person", "Project", *view["months"]]
    rows = [
        [p["name"], key, *(hours.get(m) for m in view["months"])] for p, key, hours in by_project
    ]
    return download(Table("workload-by-project", columns, rows), fmt)
