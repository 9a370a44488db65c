"""The Team and Workload pages over a real database (SQLite and PostgreSQL): each role sees what
it may (managers edit, viewers read, stakeholders and outsiders are refused), a RACI cell saved
through htmx and through a plain form, a refused cell with its code next to it, a sign-off
recorded and shown in the deliverable's history, and workload only from readable projects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import workload
from plansmith.services.projects import import_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from tests.web.test_analysis_pages import Site, code_of, csrf, roles

PLAN = Path(__file__).parents[1] / "data" / "team-plan.yaml"
HTMX = {"HX-Request": "true"}


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


def _project(site: Site) -> str:
    with site.database.transaction() as session:
        return import_plan_text(session, PLAN.read_text(encoding="utf-8"), "team.yaml").key


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def _cell(html: str, item: str, party: str) -> str:
    """The HTML of one grid cell: the item's row, the party's column."""
    row = html.split(f'<tr data-item="{item}">')[1].split("</tr>", maxsplit=1)[0]
    return row.split(f'<td data-party="{party}">')[1].split("</td>")[0]


def _checks_of_row(html: str, item: str) -> set[str]:
    row = html.split(f'<tr data-item="{item}">')[1].split("</tr>", maxsplit=1)[0]
    checks = row.split('class="raci-checks"')[1]
    return set(re.findall(r'data-code="([a-z_]+)"', checks))


def _set_cell(
    browser: TestClient, key: str, page: str, item: str, party: str, letters: str, **extra: str
) -> tuple[int, str]:
    data = {"csrf_token": csrf(page), "version": _version(page), "item": item, "party": party}
    answer = browser.post(
        f"/projects/{key}/team/raci", data={**data, "letters": letters, **extra}, headers=HTMX
    )
    return answer.status_code, answer.text


def test_each_role_sees_what_it_may(site: Site) -> None:
    key = _project(site)
    browsers = roles(site, key)
    owner = browsers["owner"].get(f"/projects/{key}/team")
    assert owner.status_code == 200
    assert f'href="/projects/{key}/team" aria-current="page"' in owner.text
    assert 'aria-label="API specification: Bob Team"' in _cell(owner.text, "api-spec", "tp-bob")
    assert 'value="A"' in _cell(owner.text, "api-spec", "tp-bob")
    assert 'id="raci-add"' in owner.text
    assert "Record sign-off" in owner.text
    for section in ("skills-matrix", "skill-gaps", "certification-list", "training-plan"):
        assert f'id="{section}"' in owner.text
    assert '<tr class="cert-expiring" data-state="expiring">' in owner.text
    assert "Postgres tuning" in owner.text.split('id="skill-gaps"')[1]

    viewer = browsers["viewer"].get(f"/projects/{key}/team")
    assert viewer.status_code == 200
    main = viewer.text.split("<main")[1]
    assert "<form" not in main  # reads, changes nothing
    assert "<input" not in main
    assert _cell(viewer.text, "api-spec", "tp-bob").strip() == "A"
    assert "raci_no_accountable" in _checks_of_row(viewer.text, "build")

    refused = browsers["stakeholder"].get(f"/projects/{key}/team")
    assert (refused.status_code, code_of(refused.text)) == (403, "forbidden")
    absent = browsers["outsider"].get(f"/projects/{key}/team")
    assert (absent.status_code, code_of(absent.text)) == (404, "not_found")
    assert (
        f"/projects/{key}/team" not in browsers["stakeholder"].get(f"/projects/{key}/reports").text
    )

    page = owner.text
    status, _ = _set_cell(browsers["viewer"], key, page, "build", "tp-bob", "A")
    assert status == 403
    no_token = browsers["owner"].post(
        f"/projects/{key}/team/raci", data={"item": "build", "party": "tp-bob", "letters": "A"}
    )
    assert (no_token.status_code, code_of(no_token.text)) == (403, "csrf_failed")


def test_a_manager_edits_a_raci_cell(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    page = owner.get(f"/projects/{key}/team").text
    assert "raci_no_accountable" in _checks_of_row(page, "build")
    status, part = _set_cell(owner, key, page, "build", "tp-bob", "a")
    assert status == 200, part
    assert part.startswith('<div id="team-editable">') or '<div id="team-editable">' in part
    assert "<html" not in part  # htmx gets the editable part only
    assert 'value="A"' in _cell(part, "build", "tp-bob")  # written as the checks read it
    assert "raci_no_accountable" not in _checks_of_row(part, "build")
    # The redrawn forms carry the new version: the next cell saves without a conflict.
    status, part = _set_cell(owner, key, part, "api-spec", "tp-sponsor", "A")
    assert status == 200, part
    assert "raci_many_accountable" in _checks_of_row(part, "api-spec")
    # Without htmx the same form posts and the page comes back whole.
    data = {"csrf_token": csrf(part), "version": _version(part), "item": "build"}
    plain = owner.post(
        f"/projects/{key}/team/raci", data={**data, "party": "tp-sponsor", "letters": "I"}
    )
    assert (plain.status_code, plain.headers["location"]) == (303, f"/projects/{key}/team#raci")
    again = owner.get(f"/projects/{key}/team").text
    assert 'value="I"' in _cell(again, "build", "tp-sponsor")


def test_a_refused_cell_shows_its_code_next_to_it(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    page = owner.get(f"/projects/{key}/team").text
    status, part = _set_cell(owner, key, page, "build", "tp-bob", "X<b>")
    assert status == 422
    cell = _cell(part, "build", "tp-bob")
    assert 'aria-invalid="true"' in cell
    assert code_of(cell) == "invalid_value"
    assert "is not a RACI cell" in cell
    assert 'value="X&lt;b&gt;"' in cell  # what was typed is kept, escaped
    assert "<b>" not in part
    assert code_of(_cell(part, "build", "tp-alice")) == ""  # only that cell
    # A team error from the add form: an item that is neither a deliverable nor a task.
    status, part = _set_cell(owner, key, page, "ghost", "tp-bob", "A", where="add")
    assert status == 422
    added = part.split('id="raci-add"')[1].split("</form>")[0]
    assert code_of(added) == "raci_unknown_item"
    # A cell the grid does not have (a crafted request): said at the add form, not lost.
    status, part = _set_cell(owner, key, page, "build", "nobody", "C")
    assert status == 422
    added = part.split('id="raci-add"')[1].split("</form>")[0]
    assert code_of(added) == "raci_unknown_party"
    # A stale version: a conflict, shown at the cell, the grid redrawn with the current one.
    saved, current = _set_cell(owner, key, page, "build", "tp-sponsor", "I")
    assert saved == 200, current
    status, part = _set_cell(owner, key, page, "build", "tp-bob", "C")  # the page read before
    assert status == 409
    assert code_of(_cell(part, "build", "tp-bob")) == "version_mismatch"
    assert _version(part) == _version(current) != _version(page)
    page = current
    # Without htmx a refusal is the whole page again, the message at the same cell.
    data = {"csrf_token": csrf(page), "version": _version(page), "item": "build"}
    plain = owner.post(
        f"/projects/{key}/team/raci", data={**data, "party": "tp-bob", "letters": "Z"}
    )
    assert plain.status_code == 422
    assert "<html" in plain.text
    assert code_of(_cell(plain.text, "build", "tp-bob")) == "invalid_value"


def test_a_sign_off_is_recorded_and_shown_in_the_history(site: Site) -> None:
    key = _project(site)
    owner = roles(site, key)["owner"]
    page = owner.get(f"/projects/{key}/team").text
    url = f"/projects/{key}/team/deliverables/api-spec/sign-off"
    form = {"csrf_token": csrf(page), "version": _version(page), "date": "2027-01-20"}
    missing = owner.post(url, data=form)
    assert missing.status_code == 422
    assert 'id="signoff-1-by-error" class="field-error"' in missing.text
    signed = owner.post(
        url, data={**form, "by": "Dana <Sponsor>", "decision": "accepted", "note": "Complete"}
    )
    assert (signed.status_code, signed.headers["location"]) == (
        303,
        f"/projects/{key}/team#deliverable-api-spec",
    )
    page = owner.get(f"/projects/{key}/team").text
    article = page.split('data-deliverable="api-spec"')[1].split("</article>")[0]
    assert 'class="deliverable-status status-accepted">accepted<' in article
    assert "<td>Dana &lt;Sponsor&gt;</td><td>2027-01-20</td><td>accepted</td>" in article
    history = article.split('class="deliverable-history"')[1].split("</details>")[0]
    assert "sign-off: accepted by Dana &lt;Sponsor&gt; on 2027-01-20 (Complete)" in history
    assert "status: in_progress → accepted" in history
    assert "owner@example.com" in history  # the account that recorded it
    assert "Dana <Sponsor>" not in page


def test_workload_lists_only_readable_projects(site: Site) -> None:
    key = _project(site)
    other = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)  # roles on the team probe only
    page = browsers["viewer"].get("/workload")
    assert page.status_code == 200
    assert 'href="/workload" aria-current="page"' in page.text
    counted = page.text.split('id="workload-projects"')[1].split("</p>")[0]
    assert re.findall(r'data-project="([^"]+)"', counted) == [key]
    assert other not in page.text
    with site.database.transaction() as session:
        viewer = session.scalar(select(t.User).where(t.User.email == "viewer@example.com"))
        assert viewer is not None
        expected = workload.workload(session, viewer)
    assert [p["id"] for p in expected["people"]] == ["tp-alice", "tp-bob"]
    alice = page.text.split('<tr data-person="tp-alice">')[1].split("</tr>")[0]
    hours = expected["people"][0]["months"]["2027-01"]
    assert f'<td data-month="2027-01">{hours:.1f} h' in alice
    assert "Nobody is booked" in browsers["outsider"].get("/workload").text
