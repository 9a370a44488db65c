"""The Meetings page over a real database (SQLite and PostgreSQL): an owner arranges a series
(a bad rule is shown next to its field), records a meeting and its minutes, logs a decision and
sees its history, makes a task of an action item, and creates a feed URL that calendar
programs can fetch; a viewer reads, a stakeholder and an outsider are refused; forms need the
CSRF token; text is escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.storage.database import Database
from tests.web.test_analysis_pages import Site, code_of, csrf, roles

SERIES = {
    "id": "weekly",
    "title": "Weekly <b>sync</b>",
    "kind": "weekly",
    "start": "2027-03-01T10:00",
    "duration": "45",
    "rrule": "FREQ=WEEKLY;BYDAY=MO",
    "attendees": "sofia.marin@lumen-analytics.example\nguest@partner.example",
    "agenda_template": "Status",
}


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


def _post(client: TestClient, url: str, data: dict[str, str]) -> httpx.Response:
    token = csrf(client.get("/").text)
    return client.post(url, data={**data, "csrf_token": token})


def test_an_owner_runs_meetings_from_the_page(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    owner = browsers["owner"]
    base = f"/projects/{key}/meetings"
    page = owner.get(base)
    assert page.status_code == 200
    assert f'href="{base}" aria-current="page"' in page.text

    bad = owner.post(
        f"{base}/series", data={**SERIES, "rrule": "FREQ=SOMETIMES", "csrf_token": csrf(page.text)}
    )
    assert bad.status_code == 422
    assert 'data-field="rrule"' in bad.text
    assert 'value="FREQ=SOMETIMES"' in bad.text  # what was typed stays in the form

    made = owner.post(f"{base}/series", data={**SERIES, "csrf_token": csrf(page.text)})
    assert made.status_code == 303
    page = owner.get(base)
    assert "Weekly &lt;b&gt;sync&lt;/b&gt;" in page.text  # escaped
    assert "2027-03-08 10:00" in page.text or "planned" in page.text

    recorded = owner.post(
        f"{base}/series/weekly/record",
        data={"start": "2027-03-08T10:00", "csrf_token": csrf(page.text)},
    )
    assert recorded.status_code == 303
    meeting_url = recorded.headers["location"]
    meeting = owner.get(meeting_url)
    assert "Status" in meeting.text  # the agenda template
    version = re.search(r'name="version" value="(\d+)"', meeting.text)
    assert version
    saved = owner.post(
        meeting_url,
        data={
            "start": "2027-03-08T10:00",
            "minutes": "Launch date holds.",
            "agenda": "Status",
            "attendees": "guest@partner.example",
            "version": version.group(1),
            "csrf_token": csrf(meeting.text),
        },
    )
    assert saved.status_code == 303
    assert "Launch date holds." in owner.get(meeting_url).text
    invite = owner.get(f"{meeting_url}/invite.ics")
    [event] = Calendar.from_ical(invite.content).walk("VEVENT")
    assert "Launch date holds." in str(event["DESCRIPTION"])

    added = _post(owner, f"{base}/decisions", {"date": "2027-03-08", "title": "Go live"})
    assert added.status_code == 303
    page = owner.get(base)
    decision = re.search(r'data-decision="(\d+)"', page.text)
    assert decision
    changed = owner.post(
        f"{base}/decisions/{decision.group(1)}",
        data={"status": "decided", "version": "1", "csrf_token": csrf(page.text)},
    )
    assert changed.status_code == 303
    history = owner.get(f"{base}/decisions/{decision.group(1)}/history")
    assert "status: proposed → decided" in history.text

    wrong = _post(owner, f"{base}/actions", {"text": "Book the room", "owner": "ghost"})
    assert wrong.status_code == 422
    assert 'data-field="owner"' in wrong.text
    _post(
        owner,
        f"{base}/actions",
        {"text": "Book the room", "owner": "be-dev-1", "due": "2027-03-19"},
    )
    page = owner.get(base)
    action = re.search(r'data-action="(\d+)"', page.text)
    assert action
    made_task = owner.post(
        f"{base}/actions/{action.group(1)}/make-task",
        data={"version": "1", "csrf_token": csrf(page.text)},
    )
    assert made_task.status_code == 303
    plan = owner.get(f"/projects/{key}")
    assert f"action-{action.group(1)}" in plan.text


def test_feed_urls_are_shown_once_and_fetch_a_calendar(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    viewer = roles(site, key)["viewer"]
    answer = _post(viewer, f"/projects/{key}/meetings/feeds", {"scope": "project"})
    url = re.search(r'id="new-feed-url" readonly value="([^"]+)"', answer.text)
    assert url
    path = url.group(1).split("testserver", 1)[1]
    feed = TestClient(site.app).get(path)  # no session: the URL is the key
    assert feed.status_code == 200
    assert any(
        str(e["SUMMARY"]).startswith("Milestone:")
        for e in Calendar.from_ical(feed.content).walk("VEVENT")
    )
    page = viewer.get(f"/projects/{key}/meetings")
    feed_id = re.search(r'data-feed="(\d+)"', page.text)
    assert feed_id
    assert url.group(1) not in page.text  # shown once
    revoked = viewer.post(
        f"/projects/{key}/meetings/feeds/{feed_id.group(1)}/revoke",
        data={"csrf_token": csrf(page.text)},
    )
    assert revoked.status_code == 303
    assert TestClient(site.app).get(path).status_code == 404


def test_who_sees_and_changes_the_page(site: Site) -> None:
    key = site.import_example("saas-launch.yaml")
    browsers = roles(site, key)
    viewer_page = browsers["viewer"].get(f"/projects/{key}/meetings")
    assert viewer_page.status_code == 200
    assert "Log a decision" not in viewer_page.text
    assert browsers["stakeholder"].get(f"/projects/{key}/meetings").status_code == 403
    assert browsers["outsider"].get(f"/projects/{key}/meetings").status_code == 404

    refused = _post(
        browsers["viewer"],
        f"/projects/{key}/meetings/decisions",
        {"date": "2027-03-08", "title": "x"},
    )
    assert refused.status_code == 403
    no_token = browsers["owner"].post(
        f"/projects/{key}/meetings/decisions", data={"date": "2027-03-08", "title": "x"}
    )
    assert no_token.status_code == 403
    assert code_of(no_token.text) == "csrf_failed"
