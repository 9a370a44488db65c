"""The Stakeholders and Communication pages, and the public unsubscribe page, over a real
database (SQLite and PostgreSQL): managers edit with messages next to the fields, viewers only
read, stakeholders and outsiders are refused; send now fills the log; the unsubscribe link asks
before it acts."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services.deliveries import token_hash
from plansmith.storage.database import Database
from plansmith.storage.tables_comms import CommunicationRecipient, UnsubscribeToken
from tests.web.test_analysis_pages import Site, code_of, csrf, roles


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


def _add_person(browser: TestClient, key: str, **fields: str) -> tuple[int, str]:
    page = browser.get(f"/projects/{key}/stakeholders")
    data = {"csrf_token": csrf(page.text), **fields}
    answer = browser.post(f"/projects/{key}/stakeholders", data=data)
    return answer.status_code, answer.text


def test_a_manager_keeps_the_register_and_sees_the_grid(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    owner = browsers["owner"]
    status, _ = _add_person(
        owner,
        key,
        name="<b>Dana</b>",
        organisation="Lumen",
        email="dana@lumen.example",
        interest="5",
        influence="2",
        channel="meeting",
    )
    assert status == 303
    page = owner.get(f"/projects/{key}/stakeholders")
    assert page.status_code == 200
    assert f'href="/projects/{key}/stakeholders" aria-current="page"' in page.text
    assert "&lt;b&gt;Dana&lt;/b&gt;" in page.text  # user text is escaped
    assert "<b>Dana</b>" not in page.text
    informed = page.text.split('id="quadrant-keep_informed"')[1].split("</article>")[0]
    assert "&lt;b&gt;Dana&lt;/b&gt;" in informed
    # A refusal: the page again, the message next to its field, what was typed kept.
    status, text = _add_person(owner, key, name="Eve", email="not-an-address", interest="9")
    assert status == 422
    assert re.search(r'id="person-email-error" class="field-error">[^<]*not an e-mail', text)
    assert 'id="person-interest-error"' in text
    assert 'value="Eve"' in text
    # Editing through the form, with the version read.
    person = re.search(r'<tr data-id="(\d+)">', page.text)
    assert person is not None
    edit = owner.get(f"/projects/{key}/stakeholders?edit={person.group(1)}")
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version is not None
    changed = owner.post(
        f"/projects/{key}/stakeholders",
        data={
            "csrf_token": csrf(edit.text),
            "id": person.group(1),
            "version": version.group(1),
            "name": "Dana",
            "interest": "5",
            "influence": "5",
            "channel": "email",
        },
    )
    assert changed.status_code == 303, changed.text
    grid = owner.get(f"/projects/{key}/stakeholders").text
    assert "Dana" in grid.split('id="quadrant-manage_closely"')[1].split("</article>")[0]


def test_who_sees_the_pages(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    for page in ("stakeholders", "communication"):
        viewer = browsers["viewer"].get(f"/projects/{key}/{page}")
        assert viewer.status_code == 200
        assert "<form" not in viewer.text.split("<main")[1]  # nothing to edit
        refused = browsers["stakeholder"].get(f"/projects/{key}/{page}")
        assert (refused.status_code, code_of(refused.text)) == (403, "forbidden")
        absent = browsers["outsider"].get(f"/projects/{key}/{page}")
        assert (absent.status_code, code_of(absent.text)) == (404, "not_found")
    nav = browsers["stakeholder"].get(f"/projects/{key}/reports").text
    assert f"/projects/{key}/stakeholders" not in nav
    viewer_post, _ = _add_person(browsers["viewer"], key, name="Sneaky")
    assert viewer_post == 403
    no_token = browsers["owner"].post(f"/projects/{key}/stakeholders", data={"name": "X"})
    assert (no_token.status_code, code_of(no_token.text)) == (403, "csrf_failed")


def test_the_plan_send_now_and_the_log(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    owner = roles(site, key)["owner"]
    _add_person(owner, key, name="Ada", email="ada@lumen.example", interest="3", influence="3")
    _add_person(owner, key, name="No Mail", interest="3", influence="3")
    page = owner.get(f"/projects/{key}/communication")
    assert "No Mail" not in page.text  # only people with an address can be recipients
    ada = re.search(r'name="recipients" value="(\d+)"', page.text)
    assert ada is not None
    form = {
        "csrf_token": csrf(page.text),
        "report": "status",
        "format": "pdf",
        "cadence": "monthly",
        "weekday": "mon",
        "day": "15",
        "hour": "7",
        "starts": "2031-01-01",
        "active": "1",
    }
    missing = owner.post(f"/projects/{key}/communication", data=form)
    assert missing.status_code == 422
    assert 'id="entry-title-error"' in missing.text
    added = owner.post(
        f"/projects/{key}/communication",
        data={**form, "title": "Monthly status", "recipients": ada.group(1)},
    )
    assert added.status_code == 303, added.text
    page = owner.get(f"/projects/{key}/communication")
    row = page.text.split('<table id="plan"')[1].split("</table>")[0]
    assert "Monthly status" in row
    assert "monthly on day 15, 07:00" in row
    assert "2031-01-15 07:00" in row
    assert "Ada" in row
    entry = re.search(r'action="/projects/[^/]+/communication/(\d+)/send"', page.text)
    assert entry is not None
    sent = owner.post(
        f"/projects/{key}/communication/{entry.group(1)}/send",
        data={"csrf_token": csrf(page.text)},
    )
    assert sent.status_code == 303
    after = owner.get(sent.headers["location"])
    assert 'id="sent-notice"' in after.text
    log = after.text.split('<table id="deliveries"')[1]
    assert 'class="delivery-pending"' in log
    assert "ada@lumen.example" in log


def test_the_unsubscribe_page_asks_first(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    owner = roles(site, key)["owner"]
    _add_person(owner, key, name="Ben", email="ben@lumen.example", interest="3", influence="3")
    page = owner.get(f"/projects/{key}/communication")
    ben = re.search(r'name="recipients" value="(\d+)"', page.text)
    assert ben is not None
    owner.post(
        f"/projects/{key}/communication",
        data={"csrf_token": csrf(page.text), "title": "Weekly", "recipients": ben.group(1)},
    )
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with site.database.transaction() as session:
        [(entry_id, person_id)] = session.execute(
            select(CommunicationRecipient.entry_id, CommunicationRecipient.stakeholder_id)
        ).all()
        session.add(
            UnsubscribeToken(
                token_hash=token_hash(token),
                entry_id=entry_id,
                stakeholder_id=person_id,
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
    anyone = TestClient(site.app, follow_redirects=False)
    ask = anyone.get(f"/unsubscribe/{token}")
    assert ask.status_code == 200
    assert "Stop sending “Weekly”" in ask.text
    with site.database.transaction() as session:  # looking changed nothing
        assert session.scalar(select(CommunicationRecipient.entry_id)) == entry_id
    forged = anyone.post(f"/unsubscribe/{token}", data={})
    assert (forged.status_code, code_of(forged.text)) == (403, "csrf_failed")
    done = anyone.post(f"/unsubscribe/{token}", data={"csrf_token": csrf(ask.text)})
    assert done.status_code == 200
    assert "Ben will no longer receive “Weekly”" in done.text
    with site.database.transaction() as session:
        assert session.scalar(select(CommunicationRecipient.entry_id)) is None
    unknown = anyone.get("/unsubscribe/nothing-like-a-token")
    assert (unknown.status_code, code_of(unknown.text)) == (404, "invalid_unsubscribe_link")
