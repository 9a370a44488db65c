"""The status report's figures are the engines' figures: each one is computed again here through
the services the CLI's ``evm`` and ``simulate`` use, and compared exactly (Decimal for money)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from plansmith.analytics.health import HEALTH_RULES, assess, overdue_tasks
from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.io.baselines import save_baseline
from plansmith.io.plan_file import load_plan
from plansmith.reports.document import NONE_RECORDED, ActionItem, Decision, Report
from plansmith.reports.markdown import render_markdown
from plansmith.reports.portfolio import PortfolioEntry, build_portfolio_report
from plansmith.services.dashboard import plan_overview
from plansmith.services.money import baseline_of, cost_plan_file, evm_plan_file
from plansmith.services.reports import (
    ITERATIONS,
    SEED,
    ReportUnavailable,
    plan_file_status_report,
    plan_files_portfolio_report,
    status_report,
)
from plansmith.services.risk import simulate_plan, simulate_plan_file

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
TRACKING = EXAMPLES / "erp-upgrade-tracking.yaml"  # ten weeks in: progress, bookings, a budget
SAAS = EXAMPLES / "saas-launch.yaml"  # risks, estimates, a deadline the plan misses


@pytest.fixture(scope="module")
def tracking() -> Report:
    outcome = plan_file_status_report(TRACKING, workers=1)
    assert outcome.ok, outcome.diagnostics
    assert outcome.report is not None
    return outcome.report


@pytest.fixture(scope="module")
def saas() -> Report:
    outcome = plan_file_status_report(SAAS, date(2027, 3, 15), workers=1)
    assert outcome.ok, outcome.diagnostics
    assert outcome.report is not None
    return outcome.report


def test_earned_value_figures_are_the_evm_engines(tracking: Report) -> None:
    evm = evm_plan_file(TRACKING)
    assert evm.ok
    f, fc, s = evm.result.project, evm.result.forecast, evm.result.schedule
    expected = {
        "bac": f.bac, "pv": f.pv, "ev": f.ev, "ac": f.ac, "sv": f.sv, "cv": f.cv,
        "spi_evm": f.spi, "cpi_evm": f.cpi, "eac_typical": fc.eac_typical, "etc": fc.etc,
        "vac": fc.vac, "tcpi_bac": fc.tcpi_bac, "sv_t": s.sv_t, "spi_t": s.spi_t,
        "spi": f.spi, "cpi": f.cpi, "eac": fc.eac_typical,
    }  # fmt: skip
    for figure_id, value in expected.items():
        assert tracking.figure(figure_id).value == value, figure_id
        assert isinstance(value, Decimal)
    assert tracking.figure("percent_complete").value == f.ev / f.bac
    phases = tracking.table("evm_phases")
    assert phases.column("SV") == [p.sv for _, p in evm.result.phases]
    costs = tracking.table("costs")
    assert costs.rows[-1][0] == "Project"
    assert costs.rows[-1][1:7] == (f.bac, f.pv, f.ev, f.ac, f.sv, f.cv)


def test_status_date_and_forecast_finish_are_the_schedules(tracking: Report) -> None:
    costed, _, _ = cost_plan_file(TRACKING)
    assert costed is not None
    schedule = costed.schedule
    assert tracking.status_date == costed.project.status_date == date(2027, 5, 14)
    assert tracking.figure("forecast_finish").value == schedule.at(schedule.finish)
    done = [
        t.id
        for t in costed.project.tasks
        if t.milestone and (t.actual_finish is not None or (t.progress.complete or 0) >= 1)
    ]
    assert sorted(map(str, tracking.table("milestones_done").column("Id"))) == sorted(done)
    assert tracking.figure("milestones_done").value == len(done) == 2


def test_p50_p80_are_the_simulations_with_the_same_seed(saas: Report) -> None:
    plan = load_plan(SAAS)
    assert plan.project is not None
    options = SimulationOptions(iterations=ITERATIONS, seed=SEED, workers=2)  # cores don't matter
    dated = replace(plan, project=replace(plan.project, status_date=date(2027, 3, 15)))
    outcome = simulate_plan(dated, options)
    assert outcome.ok
    assert outcome.report is not None
    origin = plan.project.origin_datetime
    p50, p80 = (
        origin + timedelta(minutes=int(outcome.report.finish.percentiles[p])) for p in (50, 80)
    )
    assert saas.figure("p80_finish").value == p80
    assert saas.figure("p80_finish_forecast").value == p80
    assert saas.figure("p50_finish_forecast").value == p50
    cost80 = Decimal(repr(outcome.report.cost.percentiles[80])).quantize(Decimal("0.01"))
    assert saas.figure("p80_cost").value == cost80


def test_p80_matches_plansmith_simulate_when_the_status_date_is_the_plans(
    tracking: Report,
) -> None:
    outcome = simulate_plan_file(TRACKING, SimulationOptions(iterations=ITERATIONS, seed=SEED))
    assert outcome.ok
    assert outcome.report is not None
    project = load_plan(TRACKING).project
    assert project is not None
    p80 = project.origin_datetime + timedelta(minutes=int(outcome.report.finish.percentiles[80]))
    assert tracking.figure("p80_finish").value == p80


def test_health_is_the_dashboards_rule(saas: Report, tracking: Report) -> None:
    for path, report, level in ((SAAS, saas, "red"), (TRACKING, tracking, "green")):
        assert report.health is not None
        assert report.health.level == level
        assert report.health.rules == HEALTH_RULES
        if path == TRACKING:  # the dashboard reads a plan at its own status date
            overview = plan_overview(load_plan(path), "k", "n", None, None)
            assert (overview.health, overview.rule) == (report.health.level, report.health.rule)
    costed, diagnostics, _ = cost_plan_file(SAAS, date(2027, 3, 15))
    assert costed is not None
    overdue = overdue_tasks(costed.project, costed.schedule, date(2027, 3, 15))
    evm = evm_plan_file(SAAS, date(2027, 3, 15))
    expected = assess(diagnostics, evm.result.project.spi, evm.result.project.cpi, None, overdue)
    assert saas.health is not None
    assert (saas.health.level, saas.health.rule) == (expected.level, expected.rule)
    assert "deadline" in saas.health.rule


def test_a_missed_deadline_is_a_slipping_milestone(saas: Report) -> None:
    slipping = saas.table("milestones_slipping")
    assert "public-launch" in slipping.column("Id")
    assert saas.figure("milestones_slipping").value == len(slipping.rows)


def test_a_baseline_makes_later_milestones_slip_and_sets_the_baseline_finish(
    tmp_path: Path,
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "project: {id: p, name: P, start: 2027-01-04, status_date: 2027-01-06}\n"
        "tasks:\n"
        "  - {id: a, name: A, duration: 3d}\n"
        "  - {id: m, name: Gate, milestone: true, after: [a]}\n",
        encoding="utf-8",
    )
    costed, _, _ = cost_plan_file(plan)
    assert costed is not None
    save_baseline(plan, baseline_of(costed, "approved"))
    plan.write_text(plan.read_text(encoding="utf-8").replace("3d", "5d"), encoding="utf-8")
    outcome = plan_file_status_report(plan, workers=1)
    assert outcome.report is not None
    report = outcome.report
    # nothing started by the status date, so the work is planned after it: 7, 8 and 11 January
    assert report.figure("baseline_finish").value == datetime(2027, 1, 11, 18, 0)
    slipping = report.table("milestones_slipping")
    assert slipping.column("Id") == ["m"]
    assert slipping.column("Working days late") == [2]
    assert report.health is not None
    assert report.health.level == "amber"
    assert report.health.rule == "the finish is 2 working day(s) after the baseline's"


def test_top_risks_come_from_the_register_ranked_by_the_simulation(saas: Report) -> None:
    project = load_plan(SAAS).project
    assert project is not None
    open_risks = [r for r in project.risks if r.active]
    top = saas.table("top_risks")
    assert saas.figure("open_risks").value == len(open_risks)
    assert len(top.rows) == min(5, len(open_risks))
    by_id = {r.id: r for r in project.risks}
    for row in top.rows:
        risk = by_id[str(row[0])]
        assert row[1] == risk.title
        assert row[2] == risk.probability
    assert len(saas.table("risks").rows) == len(project.risks)


def test_decisions_and_meeting_actions_say_none_recorded_until_there_are_some() -> None:
    report = plan_file_status_report(TRACKING, workers=1).report
    assert report is not None
    assert report.section("decisions").paragraphs == (NONE_RECORDED,)
    assert report.table("meeting_actions").rows == ()
    text = render_markdown(report)
    assert text.count(NONE_RECORDED) >= 2
    decided = status_report(
        load_plan(TRACKING),
        iterations=50,
        decisions=[Decision("Approve the cut-over weekend", "Sponsor", date(2027, 5, 21))],
        actions=[ActionItem("Book the data-centre slot", "Ops", date(2027, 5, 18))],
    ).report
    assert decided is not None
    assert decided.table("decisions").column("Decision") == ["Approve the cut-over weekend"]
    assert decided.table("meeting_actions").column("Action") == ["Book the data-centre slot"]
    text = render_markdown(decided)
    assert "Approve the cut-over weekend" in text
    assert "Book the data-centre slot" in text


def test_accomplishments_are_tasks_finished_in_the_last_two_weeks(tracking: Report) -> None:
    costed, _, _ = cost_plan_file(TRACKING)
    assert costed is not None
    day = date(2027, 5, 14)
    finished = {
        t.id
        for t in costed.project.tasks
        if not t.children
        and t.actual_finish is not None
        and day - timedelta(days=14) < t.actual_finish.date() <= day
    }
    assert set(map(str, tracking.table("accomplishments").column("Id"))) == finished
    assert finished


def test_the_tasks_sheet_has_every_task(tracking: Report) -> None:
    project = load_plan(TRACKING).project
    assert project is not None
    assert tracking.table("tasks").column("Id") == [t.id for t in project.tasks]


def test_a_plan_with_errors_gives_no_report_and_its_diagnostics(tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("project: {id: p, name: P, start: 2027-01-04}\ntasks: 3\n", encoding="utf-8")
    outcome = plan_file_status_report(plan)
    assert outcome.report is None
    assert not outcome.ok
    assert "invalid_type" in {d.code for d in outcome.diagnostics}


def test_the_portfolio_summary_counts_health_from_each_plans_overview() -> None:
    outcome = plan_files_portfolio_report([SAAS, TRACKING])
    assert outcome.ok
    assert outcome.report is not None
    report = outcome.report
    table = report.table("projects")
    assert table.column("Project") == ["saas-launch", "erp-upgrade-tracking"]  # red first
    assert table.column("Health") == ["RED", "GREEN"]
    assert report.figure("red").value == 1
    assert report.figure("green").value == 1
    evm = evm_plan_file(TRACKING)
    assert table.rows[1][7] == evm.result.project.spi


def test_burn_is_spent_over_budget() -> None:
    entry = PortfolioEntry("k", "n", None, "green", "", spent=Decimal(25), budget=Decimal(100))
    report = build_portfolio_report([entry], date(2027, 1, 1))
    assert report.table("projects").column("Burn") == [Decimal("0.25")]


def test_a_pdf_that_cannot_be_rendered_is_a_503_with_its_code() -> None:
    problem = ReportUnavailable("PDF needs WeasyPrint")
    assert (problem.status, problem.code) == (503, "pdf_unavailable")
