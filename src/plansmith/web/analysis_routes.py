"""The analysis pages of a project: resources (utilisation and leveling), risk (register and
Monte Carlo) and money (budget and earned value), their htmx partials, their tables as CSV and
XLSX, and applying a leveling preview.

Each page reads the plan with the right the page needs (resources: read_plan; risk and money:
read_reports, so stakeholders see the reports but not the plan behind them) and builds its
figures through a view model over the engines, so a page shows what the CLI and the API say.
Pages are read-only (GET); the one change, applying leveling, is a POST with the CSRF token
that needs edit_plan and goes through the item use case (versions, audit log).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.errors import Invalid, NotFound
from plansmith.io.baselines import Baseline, baseline_from_json
from plansmith.services import money_view as mv
from plansmith.services import resource_view as rv
from plansmith.services import risk_view as kv
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.services.project_actions import (
    MAX_ITERATIONS,
    load_project_plan,
    status_history,
)
from plansmith.storage import tables as t
from plansmith.web.deps import CsrfChecked, PageSession, PageUser
from plansmith.web.downloads import Table, download
from plansmith.web.pages import page_context, render

router = APIRouter(include_in_schema=False)

MAX_PAGE_ITERATIONS = min(10_000, MAX_ITERATIONS)  # a page answers within a second or so
MIN_ITERATIONS = 100


def _table(name: str, columns: Sequence[tuple[str, str]], rows: list[dict[str, Any]]) -> Table:
    """A view's rows (dicts) as the download helper's table, in the view's column order."""
    return Table(name, [c[0] for c in columns], [[row.get(k) for _, k in columns] for row in rows])


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# Resources ---------------------------------------------------------------------------------


def _resources(session: Session, user: t.User, key: str) -> tuple[t.Project, rv.ResourceView]:
    project, plan = load_project_plan(session, user, key, Action.READ_PLAN)
    return project, rv.resource_view(session, project, plan)


@router.get("/projects/{key}/resources", response_class=HTMLResponse)
def resources_page(
    request: Request, key: str, session: PageSession, user: PageUser
) -> HTMLResponse:
    """Resource loads are the plan itself: a role that reads reports only (a stakeholder)
    gets the page with a word on where its reports are, never the loads."""
    project = find_project(session, user, key, Action.READ_REPORTS)
    context = page_context(session, user, project)
    if not context["can_read_plan"]:
        return render(request, "resources.html", {**context, "view": None, "applied": None})
    project, view = _resources(session, user, key)
    applied = request.query_params.get("applied")
    context = {
        **context,
        "view": view,
        "applied": int(applied) if applied and applied.isdigit() else None,
    }
    return render(request, "resources.html", context)


@router.get("/projects/{key}/level/preview", response_class=HTMLResponse)
def leveling_preview(
    request: Request, key: str, session: PageSession, user: PageUser
) -> HTMLResponse:
    """The preview alone (htmx: "recompute" swaps it in place); read-only."""
    project, view = _resources(session, user, key)
    context = {**page_context(session, user, project), "view": view}
    template = "resources_preview.html" if _is_htmx(request) else "resources.html"
    return render(request, template, {**context, "applied": None})


@router.post("/projects/{key}/level/apply", dependencies=[CsrfChecked])
async def apply_leveling(
    request: Request, key: str, session: PageSession, user: PageUser
) -> Response:
    form = await request.form()
    tokens = [str(value) for value in form.getlist("move")]
    applied = rv.apply_leveling(session, user, key, tokens)
    return RedirectResponse(f"/projects/{key}/resources?applied={len(applied)}", status_code=303)


@router.get("/projects/{key}/tables/utilisation.{fmt}")
def utilisation_table(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _resources(session, user, key)
    return download(_table(f"{key}-utilisation", rv.UTILISATION_COLUMNS, view.cells), fmt)


@router.get("/projects/{key}/tables/resource-load.{fmt}")
def resource_load_table(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _resources(session, user, key)
    return download(_table(f"{key}-resource-load", rv.LOAD_COLUMNS, view.loads), fmt)


@router.get("/projects/{key}/tables/leveling-moves.{fmt}")
def leveling_moves_table(fmt: str, key: str, session: PageSession, user: PageUser) -> Response:
    _, view = _resources(session, user, key)
    rows = [m.row() for m in view.moves]
    return download(_table(f"{key}-leveling-moves", rv.MOVE_COLUMNS, rows), fmt)


# Risk --------------------------------------------------------------------------------------


def _whole(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter, refused with a page (not a JSON error) when wrong."""
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise Invalid(f"{name} must be a whole number, not '{text[:20]}'", code="invalid")
    value = int(text)
    if name == "iterations" and value > high:
        raise Invalid(
            f"at most {high} iterations on a page; use the CLI or the API for more",
            code="too_many_iterations",
        )
    if not low <= value <= high:
        raise Invalid(f"{name} must be between {low} and {high}", code="invalid")
    return value


def _risk(
    request: Request, session: Session, user: t.User, key: str
) -> tuple[t.Project, kv.RiskView]:
    iterations = _whole(request, "iterations", kv.ITERATIONS, MIN_ITERATIONS, MAX_PAGE_ITERATIONS)
    seed = _whole(request, "seed", kv.SEED, 0, 2**32 - 1)
    project, plan = load_project_plan(session, user, key, Action.READ_REPORTS)
    return project, kv.risk_view(plan, iterations=iterations, seed=seed)


@router.get("/projects/{key}/risk", response_class=HTMLResponse)
def risk_page(request: Request, key: str, session: PageSession, user: PageUser) -> HTMLResponse:
    """The whole page, or (for htmx, after the run form changes) only the results."""
    project, view = _risk(request, session, user, key)
    context = {
        **page_context(session, user, project),
        "view": view,
        "choices": kv.ITERATION_CHOICES,
        "query": "?" + urlencode({"iterations": view.iterations, "seed": view.seed}),
        "levels": _levels(),
    }
    template = "risk_results.html" if _is_htmx(request) else "risk.html"
    return render(request, template, context)


def _levels() -> dict[str, Any]:
    return {
        "names": kv.LEVEL_NAMES,
        "probability": [f"{100 * b:g}%" for b in kv.PROBABILITY_LEVELS],
        "impact": [f"{100 * b:g}%" for b in kv.IMPACT_LEVELS[:-1]],
    }


@router.get("/projects/{key}/tables/risk-register.{fmt}")
def risk_register_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    find_project(session, user, key, Action.READ_PLAN)  # owners, responses: the plan itself
    _, view = _risk(request, session, user, key)
    return download(_table(f"{key}-risk-register", kv.REGISTER_COLUMNS, view.register), fmt)


@router.get("/projects/{key}/tables/risk-drivers.{fmt}")
def risk_drivers_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _risk(request, session, user, key)
    return download(_table(f"{key}-risk-drivers", kv.DRIVER_COLUMNS, view.drivers), fmt)


@router.get("/projects/{key}/tables/criticality.{fmt}")
def criticality_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _risk(request, session, user, key)
    return download(_table(f"{key}-criticality", kv.CRITICALITY_COLUMNS, view.criticality), fmt)


@router.get("/projects/{key}/tables/commitments.{fmt}")
def commitments_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _risk(request, session, user, key)
    return download(_table(f"{key}-commitments", kv.COMMITMENT_COLUMNS, view.commitments), fmt)


@router.get("/projects/{key}/tables/risk-matrix.{fmt}")
def risk_matrix_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    """The matrix as the page draws it: a cell names its risks for a role that reads the plan,
    and (like the page) only counts them for one that reads reports only."""
    project, view = _risk(request, session, user, key)
    names = page_context(session, user, project)["can_read_plan"]
    columns = ["Probability \\ impact", *kv.LEVEL_NAMES]
    rows = [
        [
            row["name"],
            *(
                (", ".join(cell["risks"]) if names else len(cell["risks"])) or None
                for cell in row["cells"]
            ),
        ]
        for row in view.matrix
    ]
    return download(Table(f"{key}-risk-matrix", columns, rows), fmt)


@router.get("/projects/{key}/tables/risk-percentiles.{fmt}")
def percentiles_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _risk(request, session, user, key)
    rows = view.percentiles
    return download(_table(f"{key}-risk-percentiles", kv.PERCENTILE_COLUMNS, rows), fmt)


# Money -------------------------------------------------------------------------------------


def _baselines(session: Session, project: t.Project) -> dict[str, Baseline]:
    rows = session.scalars(
        select(t.Baseline).where(t.Baseline.project_id == project.id).order_by(t.Baseline.id)
    )
    return {row.name: baseline_from_json(row.name, row.data) for row in rows}


def _money(
    request: Request, session: Session, user: t.User, key: str
) -> tuple[t.Project, mv.MoneyView]:
    project, plan = load_project_plan(session, user, key, Action.READ_REPORTS)
    saved = _baselines(session, project)
    baseline = request.query_params.get("baseline") or None
    if baseline is not None and baseline not in saved:
        raise NotFound(f"no baseline '{baseline[:100]}' in this project", code="not_found")
    history = status_history(session, project)
    return project, mv.money_view(plan, saved, baseline, history)


@router.get("/projects/{key}/money", response_class=HTMLResponse)
def money_page(request: Request, key: str, session: PageSession, user: PageUser) -> HTMLResponse:
    project, view = _money(request, session, user, key)
    query = "?" + urlencode({"baseline": view.baseline}) if view.baseline else ""
    context = {**page_context(session, user, project), "view": view, "query": query}
    template = "money_results.html" if _is_htmx(request) else "money.html"
    return render(request, template, context)


@router.get("/projects/{key}/tables/budget-phases.{fmt}")
def budget_phases_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _money(request, session, user, key)
    return download(_table(f"{key}-budget-phases", mv.PHASE_COLUMNS, view.phases), fmt)


@router.get("/projects/{key}/tables/budget-months.{fmt}")
def budget_months_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _money(request, session, user, key)
    return download(_table(f"{key}-budget-months", mv.MONTH_COLUMNS, view.months), fmt)


@router.get("/projects/{key}/tables/budget-lines.{fmt}")
def budget_lines_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _money(request, session, user, key)
    return download(_table(f"{key}-budget-lines", mv.LINE_COLUMNS, view.lines), fmt)


@router.get("/projects/{key}/tables/evm-series.{fmt}")
def evm_series_table(
    request: Request, fmt: str, key: str, session: PageSession, user: PageUser
) -> Response:
    _, view = _money(request, session, user, key)
    return download(_table(f"{key}-evm-series", mv.SERIES_COLUMNS, view.series_rows), fmt)
