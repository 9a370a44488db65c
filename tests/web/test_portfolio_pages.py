"""The Proposals, Evaluations and Inventory pages over a real database (SQLite and
PostgreSQL): intake with a located refusal, the pipeline's buttons by right (htmx swaps the
board), approval making the project, the decision matrix edited, the recommendation, and a
project's systems with their checks, renewals and windows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services.access import Role
from plansmith.storage.database import Database
from tests.api.test_portfolio_api import EVALUATION
from tests.web.test_analysis_pages import Site, csrf


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
    with TestClient(app):
        yield Site(app, database)


def _propose(browser: TestClient, **fields: str) -> tuple[int, str]:
    page = browser.get("/proposals")
    answer = browser.post("/proposals", data={"csrf_token": csrf(page.text), **fields})
    return answer.status_code, answer.text


def _move(browser: TestClient, key: str, to: str, *, htmx: bool = False, **extra: str) -> str:
    page = browser.get("/proposals").text
    card = page.split(f'id="proposal-{key}"')[1]
    version = card.split('name="version" value="')[1].split('"')[0]
    headers = {"HX-Request": "true"} if htmx else {}
    answer = browser.post(
        f"/proposals/{key}/move",
        data={"csrf_token": csrf(page), "version": version, "to": to, **extra},
        headers=headers,
    )
    assert answer.status_code in (200, 303), answer.text
    return answer.text


def test_a_proposal_moves_through_the_pipeline_to_a_project(site: Site) -> None:
    site.account("admin@example.com")
    site.account("author@example.com", None, Role.VIEWER)
    admin, author = site.browser("admin@example.com"), site.browser("author@example.com")
    status, text = _propose(author, id="sso", title="")
    assert status == 422  # a title is required; the form keeps what was typed
    assert 'value="sso"' in text
    status, _ = _propose(
        author, id="sso", title="Single sign-on", sponsor="Dana", cost="60000", benefit="45000",
        **{"score-strategic_fit": "5", "score-value": "4", "score-urgency": "4",
           "score-cost": "2", "score-risk": "3"},
    )  # fmt: skip
    assert status == 303
    page = author.get("/proposals").text
    assert 'href="/proposals" aria-current="page"' in page
    draft = page.split('id="stage-draft"')[1].split("</section>")[0]
    assert "Single sign-on" in draft
    assert "4.15" in draft
    assert "Submit for review" in draft
    board = _move(author, "sso", "under_review", htmx=True)
    assert "<html" not in board  # only the board comes back
    assert 'id="proposal-sso" data-status="under_review"' in board
    assert "Approve and create the project" not in author.get("/proposals").text
    assert "Approve and create the project" in admin.get("/proposals").text
    _move(admin, "sso", "approved", project="sso-rollout", start="2027-03-01")
    approved = admin.get("/proposals").text.split('id="stage-approved"')[1]
    assert 'href="/projects/sso-rollout"' in approved
    assert admin.get("/projects/sso-rollout").status_code == 200


def test_the_decision_matrix_is_edited_and_a_recommendation_recorded(site: Site) -> None:
    site.account("admin@example.com")
    admin = site.browser("admin@example.com")
    from plansmith.services import evaluations
    from plansmith.storage import tables as t

    with site.database.transaction() as session:
        user = session.query(t.User).one()
        evaluations.create_evaluation(session, user, EVALUATION)
    listing = admin.get("/evaluations").text
    assert 'href="/evaluations/backup"' in listing
    page = admin.get("/evaluations/backup").text
    assert 'id="option-objstore"' in page
    form = {
        "csrf_token": csrf(page),
        "version": "1",
        "weight-capability": "50",
        "weight-lock_in": "50",
    }
    for option, scores in (("tape", ("5", "1")), ("objstore", ("1", "5"))):
        form[f"score-{option}-capability"], form[f"score-{option}-lock_in"] = scores
    saved = admin.post("/evaluations/backup/matrix", data=form)
    assert saved.status_code == 303, saved.text
    page = admin.get("/evaluations/backup").text
    tape = page.split('id="option-tape"')[1].split("</tr>")[0]
    assert '<td class="rank">1</td>' in tape
    wrong = admin.post(
        "/evaluations/backup/matrix",
        data={**form, "csrf_token": csrf(page), "version": "2", "score-tape-capability": "9"},
    )
    assert wrong.status_code == 422
    assert "outside the scale" in wrong.text
    chosen = admin.post(
        "/evaluations/backup/recommendation",
        data={"csrf_token": csrf(page), "version": "2", "option": "tape", "decided_by": "Board"},
    )
    assert chosen.status_code == 303, chosen.text
    page = admin.get("/evaluations/backup").text
    assert 'id="recommendation"><strong>tape</strong>, by Board' in page
    key = site.import_example("saas-launch.yaml")
    applied = admin.post(
        "/evaluations/backup/apply", data={"csrf_token": csrf(page), "project": key}
    )
    assert applied.status_code == 303, applied.text
    budget = admin.get(f"/api/v1/projects/{key}").json()["budget"]
    assert any("Keep tape: Tapes" in line["name"] for line in budget)
    unknown = admin.post(
        "/evaluations/backup/apply", data={"csrf_token": csrf(page), "project": "nope"}
    )
    assert unknown.status_code == 404


def test_the_inventory_page_shows_systems_checks_renewals_and_windows(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    site.account("owner@example.com", key, Role.OWNER)
    site.account("viewer@example.com", key, Role.VIEWER)
    owner, viewer = site.browser("owner@example.com"), site.browser("viewer@example.com")
    page = owner.get(f"/projects/{key}/inventory")
    assert page.status_code == 200
    assert f'href="/projects/{key}/inventory" aria-current="page"' in page.text
    from datetime import date, timedelta

    soon = (date.today() + timedelta(days=30)).isoformat()
    eol = (date.today() + timedelta(days=100)).isoformat()
    added = owner.post(
        f"/projects/{key}/inventory",
        data={"csrf_token": csrf(page.text), "id": "crm", "name": "CRM", "type": "service",
              "renewal": soon, "renewal_cost": "1200", "end_of_life": eol},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    page = viewer.get(f"/projects/{key}/inventory").text
    assert 'id="system-crm"' in page
    assert 'data-code="licence_renewal_due"' in page
    assert 'data-code="end_of_life_near"' in page
    assert soon in page.split('id="renewals"')[1]
    assert 'id="system-form"' not in page  # a viewer reads only
    mine = owner.get(f"/projects/{key}/inventory").text
    tasks = owner.post(f"/projects/{key}/inventory/renewal-tasks", data={"csrf_token": csrf(mine)})
    assert tasks.status_code == 200
    assert "Renew or replace CRM" in tasks.text
    refused = viewer.post(
        f"/projects/{key}/inventory",
        data={"csrf_token": csrf(page), "id": "x", "name": "X", "type": "service"},
    )
    assert refused.status_code == 403
