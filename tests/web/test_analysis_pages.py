"""The resources, risk and money pages over a real database (SQLite and PostgreSQL): what each
role sees, that the figures on a page are the engines' figures, and applying leveling.

Pages are read through the app as a browser would (sign in through the form, the session and
CSRF cookies in the client's jar); the numbers are compared with the services the API and the
CLI use for the same plan, seed and options.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.io.simulation_json import simulation_to_json
from plansmith.scheduling.leveling import unleveled_loads
from plansmith.scheduling.progress import progressed
from plansmith.services import accounts, project_actions
from plansmith.services.access import Role, grant
from plansmith.services.audit import project_history
from plansmith.services.planning import overload_plan_file
from plansmith.services.projects import import_plan_text
from plansmith.services.risk import simulate_plan_file
from plansmith.storage import tables as t
from plansmith.storage.database import Database

EXAMPLES = Path(__file__).parents[2] / "examples"
PASSWORD = "correct horse battery"
SAAS, ERP = "pulse-launch", "erp-r12-upgrade"
PAGES = ("resources", "risk", "money")


@dataclass
class Site:
    app: Any
    database: Database

    def import_example(self, name: str) -> str:
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        with self.database.transaction() as session:
            return import_plan_text(session, text, name).key

    def account(self, email: str, project: str | None = None, role: Role | None = None) -> None:
        with self.database.transaction() as session:
            user = accounts.create_user(session, email, PASSWORD, is_admin=role is None)
            if project is not None and role is not None:
                project_id = session.scalar(select(t.Project.id).where(t.Project.key == project))
                assert project_id is not None
                grant(session, project_id, user.id, role)

    def browser(self, email: str) -> TestClient:
        """A client signed in through the sign-in form, as ``email``."""
        client = TestClient(self.app, follow_redirects=False)
        form = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf(form.text), "next": "/"},
        )
        assert answer.status_code == 303, answer.text
        return client

    def user(self, email: str) -> t.User:
        with self.database.transaction() as session:
            user = session.scalar(select(t.User).where(t.User.email == email))
            assert user is not None
            session.expunge(user)
            return user


@pytest.fixture
def site(database: Database, tmp_path: Path, database_url: str) -> Iterator[Site]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    app = compose(settings, database)
    with TestClient(app):  # runs the app's start-up once
        yield Site(app, database)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def data_block(html: str, name: str) -> Any:
    """The JSON a page hands its charts, from its <script type="application/json"> block."""
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    assert found, f"no {name} block on the page"
    return json.loads(found.group(1))


def code_of(html: str) -> str:
    found = re.search(r'data-code="([a-z_]+)"', html)
    return found.group(1) if found else ""


def roles(site: Site, key: str) -> dict[str, TestClient]:
    site.account("owner@example.com", key, Role.OWNER)
    site.account("viewer@example.com", key, Role.VIEWER)
    site.account("stakeholder@example.com", key, Role.STAKEHOLDER)
    site.account("outsider@example.com", None, Role.VIEWER)  # an account with no role here
    return {
        name: site.browser(f"{name}@example.com")
        for name in ("owner", "viewer", "stakeholder", "outsider")
    }


# Who sees what -----------------------------------------------------------------------------


def test_each_role_sees_what_it_may(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    expected = {
        "owner": {"resources": 200, "risk": 200, "money": 200},
        "viewer": {"resources": 200, "risk": 200, "money": 200},
        "stakeholder": {"resources": 200, "risk": 200, "money": 200},
        "outsider": {"resources": 404, "risk": 404, "money": 404},
    }
    for name, pages in expected.items():
        for page, status in pages.items():
            answer = browsers[name].get(f"/projects/{key}/{page}?iterations=500")
            assert answer.status_code == status, (name, page, answer.text[:300])
            if status == 404:
                assert code_of(answer.text) == "not_found"
            if status == 403:
                assert code_of(answer.text) == "forbidden"

    owner = browsers["owner"].get(f"/projects/{key}/resources").text
    assert 'id="apply-leveling"' in owner
    viewer = browsers["viewer"].get(f"/projects/{key}/resources").text
    assert 'id="apply-leveling"' not in viewer
    assert 'id="apply-not-allowed"' in viewer
    assert 'id="leveling-moves"' in viewer  # the preview is for every reader

    hidden = browsers["stakeholder"].get(f"/projects/{key}/resources").text
    assert 'id="plan-hidden"' in hidden
    assert "resources-data" not in hidden
    assert browsers["stakeholder"].get(f"/projects/{key}/tables/utilisation.csv").status_code == 403
    assert browsers["stakeholder"].get(f"/projects/{key}/level/preview").status_code == 403
    stakeholder = browsers["stakeholder"].get(f"/projects/{key}/risk?iterations=500").text
    assert 'id="register-hidden"' in stakeholder
    assert 'id="risk-register"' not in stakeholder
    assert "Mehmet Yildiz" not in stakeholder  # a risk owner: the plan, not the report
    assert 'id="risk-matrix"' in stakeholder
    assert 'id="drivers"' in stakeholder
    register = browsers["stakeholder"].get(f"/projects/{key}/tables/risk-register.csv")
    assert register.status_code == 403
    viewer_risk = browsers["viewer"].get(f"/projects/{key}/risk?iterations=500").text
    assert 'id="risk-register"' in viewer_risk
    assert "Mehmet Yildiz" in viewer_risk

    anonymous = TestClient(site.app, follow_redirects=False)
    for page in PAGES:
        answer = anonymous.get(f"/projects/{key}/{page}")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/sign-in?next=/projects/{key}/{page}"


# The figures are the engines' ----------------------------------------------------------------


def test_risk_page_shows_the_simulation_of_the_cli_and_the_api(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    site.account("admin@example.com")
    browser = site.browser("admin@example.com")
    page = browser.get(f"/projects/{key}/risk?iterations=1000&seed=7")
    assert page.status_code == 200
    chart = data_block(page.text, "risk-data")
    options = SimulationOptions(iterations=1000, seed=7, workers=1)
    with site.database.transaction() as session:
        api = project_actions.simulate(session, site.user("admin@example.com"), key, options)
    cli = simulate_plan_file(EXAMPLES / "saas-launch.yaml", options)
    assert cli.report is not None
    assert chart["finish"]["p80"] == api["finish"]["p80"]
    assert chart["finish"]["p50"] == api["finish"]["p50"]
    assert chart["cost"]["p80"] == api["cost"]["p80"]
    assert chart["finish"]["counts"] == api["histogram"]["finish"]["counts"]
    assert chart["finish"]["cumulative"] == api["histogram"]["finish"]["cumulative"]
    p80 = datetime.strptime(api["finish"]["p80"], "%Y-%m-%dT%H:%M")
    assert f"P80 finish {p80:%Y-%m-%d}" in page.text  # the text the charts' summary reads out
    # the tornado: the largest sensitivities of tasks and risks, largest first
    drivers = sorted(
        [*api["tasks"], *api["risks"]], key=lambda d: (-abs(d["sensitivity"]), d["id"])
    )
    assert [d["value"] for d in chart["tornado"]] == [d["sensitivity"] for d in drivers[:10]]
    # the stored plan simulates as its file does with `plansmith simulate`
    cli_doc = simulation_to_json(cli.plan.project, cli.report, cli.diagnostics)
    assert cli_doc["finish"] == api["finish"]
    assert cli_doc["cost"] == api["cost"]

    partial = browser.get(
        f"/projects/{key}/risk?iterations=1000&seed=7", headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert data_block(partial.text, "risk-data") == chart
    download = browser.get(f"/projects/{key}/tables/risk-percentiles.csv?iterations=1000&seed=7")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[3][0] == "P80"
    assert rows[3][1] == p80.strftime("%Y-%m-%d %H:%M")

    for query, code in (("iterations=abc", "invalid"), ("iterations=20000", "too_many_iterations")):
        refused = browser.get(f"/projects/{key}/risk?{query}")
        assert refused.status_code == 422
        assert code_of(refused.text) == code


def test_heatmap_marks_every_week_overload_reports(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    site.account("admin@example.com")
    browser = site.browser("admin@example.com")
    page = browser.get(f"/projects/{key}/resources")
    assert page.status_code == 200
    chart = data_block(page.text, "resources-data")
    marked = {(chart["weeks"][x], chart["ids"][y]) for x, y, *_ in chart["before"]["over"]}
    overload = overload_plan_file(EXAMPLES / "saas-launch.yaml").to_json()["resources"]
    reported = set()
    for resource in overload:
        for span in resource["overloads"]:
            year, week, _ = datetime.strptime(span["from"], "%Y-%m-%dT%H:%M").isocalendar()
            reported.add((f"{year}-W{week:02d}", resource["id"]))
    assert reported
    assert reported <= marked
    assert chart["after"]["over"] == []  # leveling leaves nobody over capacity
    download = browser.get(f"/projects/{key}/tables/utilisation.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    over = {(r["Week"], r["Resource id"]) for r in rows if r["Over-allocated"] == "true"}
    assert over == marked
    xlsx = browser.get(f"/projects/{key}/tables/leveling-moves.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_money_page_shows_the_budget_and_earned_value_of_the_engines(site: Site) -> None:
    key = site.import_example("erp-upgrade-tracking.yaml")
    site.account("admin@example.com")
    browser = site.browser("admin@example.com")
    page = browser.get(f"/projects/{key}/money")
    assert page.status_code == 200
    chart = data_block(page.text, "money-data")
    with site.database.transaction() as session:
        evm = project_actions.evm(session, site.user("admin@example.com"), key)
    assert chart["series"] == evm["series"]
    assert chart["bac"] == evm["bac"]
    assert chart["eac"] == evm["eac"]["typical"]
    at_status = [p for p in chart["curve"] if p["date"] == evm["status_date"]]
    assert at_status
    assert at_status[0]["pv"] == float(evm["pv"])
    assert at_status[0]["ac"] == float(evm["ac"])
    by_phase = {p["id"]: p for p in evm["phases"]}
    rows = list(
        csv.DictReader(
            io.StringIO(
                browser.get(f"/projects/{key}/tables/budget-phases.csv").content.decode("utf-8-sig")
            )
        )
    )
    for row in rows:
        if row["Phase id"] in by_phase:
            assert row["Actual cost"] == by_phase[row["Phase id"]]["ac"]
    months = [m for m in chart["months"] if m["actual_cumulative"] is not None]
    assert months[-1]["actual_cumulative"] == float(evm["ac"])


def test_money_page_measures_against_a_saved_baseline(site: Site) -> None:
    key = site.import_example("erp-upgrade-tracking.yaml")
    site.account("admin@example.com")
    browser = site.browser("admin@example.com")
    with site.database.transaction() as session:
        project_actions.save_baseline(session, site.user("admin@example.com"), key, "approved")
    page = browser.get(f"/projects/{key}/money")
    assert '<option value="approved">' in page.text
    partial = browser.get(
        f"/projects/{key}/money?baseline=approved", headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    with site.database.transaction() as session:
        user = site.user("admin@example.com")
        evm = project_actions.evm(session, user, key, baseline="approved")
    chart = data_block(partial.text, "money-data")
    assert chart["series"] == evm["series"]
    assert chart["bac"] == evm["bac"]
    assert "--baseline approved" in partial.text
    series = browser.get(f"/projects/{key}/tables/evm-series.csv?baseline=approved")
    rows = list(csv.DictReader(io.StringIO(series.content.decode("utf-8-sig"))))
    assert [r["EV"] for r in rows] == [p["ev"] for p in evm["series"]]
    missing = browser.get(f"/projects/{key}/money?baseline=nothing")
    assert missing.status_code == 404
    assert code_of(missing.text) == "not_found"


def test_money_page_says_earned_value_needs_a_status_date(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    site.account("admin@example.com")
    page = site.browser("admin@example.com").get(f"/projects/{key}/money")
    assert page.status_code == 200
    assert 'id="evm-missing"' in page.text
    assert "needs a status date" in page.text
    assert 'id="budget-phases"' in page.text


# Applying leveling ---------------------------------------------------------------------------


def _tokens(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="move" value="([^"]+)">', html)


def test_apply_leveling(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    owner = browsers["owner"]
    page = owner.get(f"/projects/{key}/resources").text
    tokens, token = _tokens(page), csrf(page)
    assert tokens
    url = f"/projects/{key}/level/apply"
    form = {"move": tokens, "csrf_token": token}

    refused = owner.post(url, data={"move": tokens})  # no CSRF token
    assert refused.status_code == 403
    assert code_of(refused.text) == "csrf_failed"
    for name, status in (("viewer", 403), ("stakeholder", 403), ("outsider", 404)):
        other = browsers[name]
        their_token = csrf(other.get("/").text)
        answer = other.post(url, data={"move": tokens, "csrf_token": their_token})
        assert answer.status_code == status, name
    assert _tokens(owner.get(f"/projects/{key}/resources").text) == tokens  # nothing changed

    applied = owner.post(url, data=form)
    assert applied.status_code == 303
    assert applied.headers["location"] == f"/projects/{key}/resources?applied={len(tokens)}"

    with site.database.transaction() as session:
        user = site.user("owner@example.com")
        project = session.scalar(select(t.Project).where(t.Project.key == key))
        assert project is not None
        history, _ = project_history(session, user, project, entity="task", limit=500)
        changed = {e["key"]: e for e in history if e["field"] == "start_no_earlier_than"}
        for move in tokens:
            task, version, start = move.split("|")
            assert changed[task]["new"] == start
            row = session.scalar(
                select(t.Task).where(t.Task.project_id == project.id, t.Task.key == task)
            )
            assert row is not None
            assert row.version == int(version) + 1
            assert row.spec["start_no_earlier_than"] == start
        _, plan = project_actions.load_project_plan(session, user, key)
    assert plan.project is not None
    result, loads = unleveled_loads(progressed(plan.project)[0])
    assert result.ok
    assert [load.overloads for load in loads if load.overloads] == []  # none were left leveled

    after = owner.get(f"/projects/{key}/resources?applied={len(tokens)}").text
    assert 'id="applied-notice"' in after
    assert _tokens(after) == []
    stale = owner.post(url, data=form)  # the old preview again: refused, nothing written
    assert stale.status_code == 409
    assert code_of(stale.text) == "leveling_changed"


def test_preview_is_read_only_and_refreshes_by_htmx(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    site.account("admin@example.com")
    browser = site.browser("admin@example.com")
    with site.database.transaction() as session:
        before = session.scalar(select(t.AuditEntry.id).order_by(t.AuditEntry.id.desc()))
    partial = browser.get(f"/projects/{key}/level/preview", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="leveling-moves"' in partial.text
    assert browser.get(f"/projects/{key}/resources").status_code == 200
    with site.database.transaction() as session:
        after = session.scalar(select(t.AuditEntry.id).order_by(t.AuditEntry.id.desc()))
    assert after == before
