"""The Stakeholders, Communication and Meetings pages' tables as CSV and XLSX (docs/web.md,
"Downloads").

All three pages need ``read_plan`` on the project (``find_project``, as their routes do) and
so does every download here; rows come from the page's own calls (``plan_entries``,
``LOG_SHOWN``, ``series_with_dates``, the services' lists), typed: scores and attempts as
numbers, days as dates, moments as date and time.

The power/interest grid is drawn as four boxes, not a table, but it is the Stakeholders page's
main figure, so it downloads too (one row a stakeholder, with the quadrant they fall in). A
meeting series' dates and a decision's history are one table each on the page: their
downloads hold every series' (every decision's), and ``?series=`` (``?decision=``), as the
link under each table has it, narrows to that one.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from plansmith.services import delivery_log, meeting_log, stakeholders
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.web.comms_routes import LOG_SHOWN, plan_entries
from plansmith.web.deps import PageSession, PageUser
from plansmith.web.downloads import Table, as_date, as_datetime, download
from plansmith.web.meeting_routes import history_line, series_with_dates

router = APIRouter(include_in_schema=False)
P = "/projects/{key}/tables"


@router.get(P + "/stakeholders.{fmt}")
def register_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    columns = ("Name", "Organisation", "Role", "E-mail", "Interest", "Influence", "Channel")
    rows = [
        (
            p["name"],
            p.get("organisation") or None,
            p.get("role") or None,
            p.get("email") or None,
            p.get("interest"),
            p.get("influence"),
            p.get("channel"),
        )
        for p in stakeholders.list_stakeholders(session, user, key)  # read_plan, as the page
    ]
    return download(Table(f"{key}-stakeholders", columns, rows), fmt)


@router.get(P + "/power-interest.{fmt}")
def grid_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    columns = ("Quadrant", "Name", "Organisation", "Interest", "Influence")
    rows = [
        (
            cell.label,
            p["name"],
            p.get("organisation") or None,
            p.get("interest"),
            p.get("influence"),
        )
        for cell in stakeholders.power_interest_grid(session, user, key)
        for p in cell.stakeholders
    ]
    return download(Table(f"{key}-power-interest", columns, rows), fmt)


@router.get(P + "/communication-plan.{fmt}")
def plan_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    people = stakeholders.list_stakeholders(session, user, key)  # read_plan, as the page
    columns = ("Entry", "Active", "Report", "Format", "When (UTC)", "Recipients", "Next due")
    rows = [
        (
            e["title"],
            bool(e["active"]),
            e["report"],
            e["format"],
            e["when"],
            e["names"] or "nobody",
            as_datetime(e.get("next_due")) or "not due",
        )
        for e in plan_entries(session, user, key, people)
    ]
    return download(Table(f"{key}-communication-plan", columns, rows), fmt)


@router.get(P + "/deliveries.{fmt}")
def log_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    """The latest LOG_SHOWN deliveries, as the page lists them (the API pages through all)."""
    log, _ = delivery_log.list_deliveries(session, user, key, limit=LOG_SHOWN)
    columns = ("Due (UTC)", "Entry", "To", "E-mail", "Status", "Attempts", "Last error", "Sent")
    rows = [
        (
            as_datetime(d["due_at"]),
            d["title"],
            d["name"],
            d["email"],
            d["status"],
            d["attempts"],
            d.get("last_error") or None,
            as_datetime(d.get("sent_at")),
        )
        for d in log
    ]
    return download(Table(f"{key}-deliveries", columns, rows), fmt)


# Meetings ------------------------------------------------------------------------------------


def _status(date: dict[str, object]) -> str:
    return "cancelled" if date.get("cancelled") else "recorded" if date.get("id") else "planned"


@router.get(P + "/meeting-dates.{fmt}")
def dates_download(
    fmt: str, key: str, session: PageSession, user: PageUser, series: str | None = None
) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    columns = ("Series", "Title", "When", "Status")
    rows = [
        (s["id"], s["title"], as_datetime(d["start"]), _status(d))
        for s in series_with_dates(session, user, project)
        if series in (None, str(s["id"]))
        for d in s["dates"]
    ]
    return download(Table(f"{key}-meeting-dates", columns, rows), fmt)


@router.get(P + "/decisions.{fmt}")
def decisions_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    columns = ("Id", "Date", "Decision", "Detail", "Rationale", "Decided by", "Status")
    rows = [
        (
            d["id"],
            as_date(d["date"]),
            d["title"],
            d.get("decision") or None,
            d.get("rationale") or None,
            d.get("decided_by") or None,
            d["status"],
        )
        for d in meeting_log.list_decisions(session, user, project)
    ]
    return download(Table(f"{key}-decisions", columns, rows), fmt)


@router.get(P + "/decision-history.{fmt}")
def decision_history_download(
    fmt: str, key: str, session: PageSession, user: PageUser, decision: str | None = None
) -> Response:
    """A decision's changes, newest first (``?decision=``), or every decision's."""
    project = find_project(session, user, key, Action.READ_PLAN)
    chosen = (
        [decision]
        if decision is not None
        else [str(d["id"]) for d in meeting_log.list_decisions(session, user, project)]
    )
    columns = ("Decision", "When", "Who", "Change")
    rows = [
        (ident, as_datetime(e["at"]), e.get("user") or None, history_line(e))
        for ident in chosen
        for e in meeting_log.decision_history(session, user, project, ident)
    ]
    return download(Table(f"{key}-decision-history", columns, rows), fmt)


@router.get(P + "/action-items.{fmt}")
def actions_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    project = find_project(session, user, key, Action.READ_PLAN)
    columns = ("Id", "Action", "Owner", "Due", "Status", "Task")
    rows = [
        (
            a["id"],
            a["text"],
            a.get("owner") or None,
            as_date(a.get("due")),
            "done" if a["done"] else "open",
            a.get("task") or None,
        )
        for a in meeting_log.list_actions(session, user, project)
    ]
    return download(Table(f"{key}-action-items", columns, rows), fmt)
