"""The Proposals, Evaluations and Inventory pages' tables as CSV and XLSX (docs/web.md,
"Downloads").

Each route reads what its page reads, with the same right: proposals, the scoring model and
evaluations are the instance's, shown to every signed-in user (``PageUser``, as
``portfolio_routes``' pages); a project's inventory needs ``read_plan`` on it (``find_project``,
as ``inventory_page``). Rows come from the same calls as the page (``pipeline``,
``analysed_evaluations``, ``windows_ahead`` are the page's own), typed: scores and amounts as
numbers (the services hand them over as exact strings), days as dates.

The proposals pipeline is a board of cards, not a table, but it is the page's main list, so
it downloads too (one row a proposal, in the board's order).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from plansmith.services import evaluations, inventory, proposals
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.web.deps import PageSession, PageUser
from plansmith.web.downloads import Table, Value, as_date, as_datetime, as_number, download
from plansmith.web.portfolio_routes import analysed_evaluations, pipeline, windows_ahead

router = APIRouter(include_in_schema=False)


@router.get("/tables/proposals.{fmt}")
def proposals_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    columns = (
        "Id", "Title", "Stage", "Sponsor", "Score", "NPV", "Payback (years)", "Cost",
        "Running cost a year", "Benefit a year", "Years", "Start", "Project",
    )  # fmt: skip
    rows = [
        (
            p["id"],
            p["title"],
            stage.value.replace("_", " "),
            p.get("sponsor"),
            as_number(p.get("score")),
            as_number(p.get("npv")),
            as_number(p.get("payback")),
            as_number(p.get("cost")),
            as_number(p.get("running_cost")),
            as_number(p.get("benefit")),
            p.get("years"),
            as_date(p.get("start")),
            p.get("project"),
        )
        for stage, cards in pipeline(session)
        for p in cards
    ]
    return download(Table("proposals", columns, rows), fmt)


@router.get("/tables/scoring-model.{fmt}")
def scoring_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    model, _ = proposals.scoring(session)
    rows = [
        (c.name or c.id, as_number(c.weight), "lower" if c.lower_is_better else "higher")
        for c in model.criteria
    ]
    return download(Table("scoring-model", ("Criterion", "Weight", "Better when"), rows), fmt)


@router.get("/tables/evaluations.{fmt}")
def evaluations_download(fmt: str, session: PageSession, user: PageUser) -> Response:
    columns = ("Id", "Evaluation", "Options", "Best score", "Best NPV", "Recommended")
    rows = [
        (
            e["id"],
            e.get("title") or e["id"],
            len(e["analysis"]["options"]),
            e["analysis"].get("best_score") or None,
            e["analysis"].get("best_npv") or None,
            (e["analysis"].get("recommendation") or {}).get("option") or "not yet",
        )
        for e in analysed_evaluations(session)
    ]
    return download(Table("evaluations", columns, rows), fmt)


@router.get("/evaluations/{key}/tables/matrix.{fmt}")
def matrix_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    """The decision matrix: each option's scores, weighted score, rank and money; a criterion's
    weight (and "lower is better") is in its heading, as on the page."""
    evaluations.get_evaluation(session, key)  # the page's check: an unknown one is a 404
    analysis = evaluations.analysis(session, key)
    criteria = analysis["criteria"]
    headings = [
        f"{c['name']} (weight {c['weight']}{', lower is better' if c['lower_is_better'] else ''})"
        for c in criteria
    ]
    columns = ["Option", *headings, "Score", "Rank", "TCO", "NPV", "Payback (years)", "Notes"]
    rows: list[list[Value]] = [
        [
            o["name"],
            *(as_number(o["scores"].get(c["id"])) for c in criteria),
            as_number(o.get("score")),
            o.get("rank"),
            as_number(o.get("tco")),
            as_number(o.get("npv")),
            as_number(o.get("payback"))
            if o.get("payback") is not None
            else "not within the horizon",
            o.get("notes") or None,
        ]
        for o in analysis["options"]
    ]
    return download(Table(f"{key}-matrix", columns, rows), fmt)


# Inventory (a project's) ----------------------------------------------------------------------

INVENTORY = "/projects/{key}/tables"


@router.get(INVENTORY + "/systems.{fmt}")
def systems_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    find_project(session, user, key, Action.READ_PLAN)
    columns = (
        "Id", "System", "Type", "Vendor", "Version", "Environment", "Owner", "Seats", "Renewal",
        "Renewal cost", "Warranty ends", "End of life", "Support", "Support ends",
    )  # fmt: skip
    rows = [
        (
            s["id"],
            s["name"],
            s["type"],
            s.get("vendor"),
            s.get("version"),
            s.get("environment"),
            s.get("owner"),
            s.get("seats"),
            as_date(s.get("renewal")),
            as_number(s.get("renewal_cost")),
            as_date(s.get("warranty_end")),
            as_date(s.get("end_of_life")),
            s.get("support_contract"),
            as_date(s.get("support_end")),
        )
        for s in inventory.list_systems(session, user, key)
    ]
    return download(Table(f"{key}-systems", columns, rows), fmt)


@router.get(INVENTORY + "/renewals.{fmt}")
def renewals_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    find_project(session, user, key, Action.READ_PLAN)
    due = inventory.renewals(session, user, key) or {}
    currency = due.get("currency") or ""
    columns = ("Date", "System", "Category", f"Amount ({currency})" if currency else "Amount")
    rows = [
        (as_date(r["date"]), r["system"], r.get("category"), as_number(r.get("amount")))
        for r in due.get("renewals", [])
    ]
    return download(Table(f"{key}-renewals", columns, rows), fmt)


@router.get(INVENTORY + "/maintenance-windows.{fmt}")
def windows_download(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    find_project(session, user, key, Action.READ_PLAN)
    columns = ("When", "Until", "What", "Kind", "System")
    rows = [
        (
            as_datetime(e["start"]),
            as_datetime(e["end"]) if e.get("end") else "all day",
            e["title"],
            e.get("kind"),
            e.get("system"),
        )
        for e in windows_ahead(session, user, key)
    ]
    return download(Table(f"{key}-maintenance-windows", columns, rows), fmt)
