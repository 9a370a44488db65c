"""Meetings through the API on SQLite and PostgreSQL: series with an RRULE, occurrences with
minutes, invitations read back with icalendar, the decision log and its history, action items
made into plan tasks that schedule, and the status report fed from them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from plansmith.services.access import Role
from tests.api.conftest import Api

V1 = "/api/v1"
SOFIA = "sofia.marin@lumen-analytics.example"  # resource be-dev-1 of saas-launch.yaml
BERLIN = ZoneInfo("Europe/Berlin")

STANDUP = {
    "id": "standup",
    "title": "Daily stand-up",
    "kind": "stand-up",
    "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "start": "2027-03-01T09:30",
    "duration": 15,
    "location": "Room 4",
    "agenda_template": "1. Yesterday\n2. Today\n3. Blockers",
    "attendees": [SOFIA, "guest@partner.example"],
}


@pytest.fixture
def project(api: Api) -> str:
    return api.import_example("saas-launch.yaml")


def _events(data: bytes) -> list[Any]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def _post(api: Api, url: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    reply = api.client.post(url, json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    document: dict[str, Any] = reply.json()
    return document


def test_a_series_is_an_invitation_with_its_rule_attendees_and_zone(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    series = _post(api, f"{base}/meetings", STANDUP, admin)
    assert series["rrule"] == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert series["organizer"] == "admin@example.com"

    reply = api.client.get(f"{base}/meetings/standup/invite.ics", headers=admin)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.content)
    assert calendar["METHOD"] == "REQUEST"
    [event] = _events(reply.content)
    assert event["DTSTART"].dt == datetime(2027, 3, 1, 9, 30, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=15)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    assert str(event["ORGANIZER"]) == "mailto:admin@example.com"
    assert {str(a) for a in event["ATTENDEE"]} == {
        f"mailto:{SOFIA}",
        "mailto:guest@partner.example",
    }
    assert "VTIMEZONE" in {c.name for c in calendar.subcomponents}


def test_an_occurrence_with_minutes_updates_its_instance(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    _post(api, f"{base}/meetings", STANDUP, admin)
    held = _post(
        api,
        f"{base}/meetings/standup/occurrences",
        {"start": "2027-03-03T09:30", "minutes": "Payments API is late."},
        admin,
    )
    assert held["recurrence_id"] == "2027-03-03T09:30"
    assert held["agenda"].startswith("1. Yesterday")  # the series' template
    again = api.client.post(
        f"{base}/meetings/standup/occurrences", json={"start": "2027-03-03T09:30"}, headers=admin
    )
    assert again.status_code == 409
    assert again.json()["code"] == "occurrence_exists"

    moved = api.client.patch(
        f"{base}/occurrences/{held['id']}",
        json={"start": "2027-03-03T10:00"},
        headers={**admin, "If-Match": str(held["version"])},
    )
    assert moved.status_code == 200, moved.text
    reply = api.client.get(f"{base}/meetings/standup/invite.ics", headers=admin)
    master, override = _events(reply.content)
    assert override["UID"] == master["UID"]
    assert override["RECURRENCE-ID"].dt == datetime(2027, 3, 3, 9, 30, tzinfo=BERLIN)
    assert override["DTSTART"].dt == datetime(2027, 3, 3, 10, 0, tzinfo=BERLIN)
    assert "Payments API is late." in str(override["DESCRIPTION"])

    one = api.client.get(f"{base}/occurrences/{held['id']}/invite.ics", headers=admin)
    [event] = _events(one.content)
    assert event["UID"] == master["UID"]

    listed = api.client.get(f"{base}/meetings/standup/occurrences", headers=admin)
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"rrule": "FREQ=HOURLY"}, "invalid_rrule", "rrule"),
        ({"rrule": "every monday"}, "invalid_rrule", "rrule"),
        ({"attendees": ["not an address"]}, "invalid", "attendees"),
        ({"start": "2027-03-01T09:30+01:00"}, "invalid", "start"),
        ({"kind": "party"}, "invalid", "kind"),
    ],
)
def test_a_bad_series_is_refused_with_the_field(
    api: Api, admin: dict[str, str], project: str, change: dict[str, Any], code: str, field: str
) -> None:
    reply = api.client.post(
        f"{V1}/projects/{project}/meetings", json={**STANDUP, **change}, headers=admin
    )
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == code
    assert any(field in d["path"] for d in body["diagnostics"])


def test_the_decision_log_keeps_its_history(api: Api, admin: dict[str, str], project: str) -> None:
    base = f"{V1}/projects/{project}"
    decision = _post(
        api,
        f"{base}/decisions",
        {
            "date": "2027-03-05",
            "title": "Payment provider",
            "rationale": "fees",
            "decided_by": "CTO",
        },
        admin,
    )
    assert decision["status"] == "proposed"
    decided = api.client.patch(
        f"{base}/decisions/{decision['id']}",
        json={"status": "decided", "decision": "Stripe"},
        headers={**admin, "If-Match": str(decision["version"])},
    )
    assert decided.status_code == 200, decided.text
    stale = api.client.patch(
        f"{base}/decisions/{decision['id']}",
        json={"status": "superseded"},
        headers={**admin, "If-Match": str(decision["version"])},
    )
    assert stale.status_code == 409
    history = api.client.get(f"{base}/decisions/{decision['id']}/history", headers=admin).json()
    changed = {(e["action"], e["field"], e["old"], e["new"]) for e in history if e["field"]}
    assert ("update", "status", "proposed", "decided") in changed
    assert ("update", "decision", "", "Stripe") in changed
    assert any(e["action"] == "create" for e in history)
    bad = api.client.post(
        f"{base}/decisions", json={"date": "2027-03-05", "title": "x", "status": "maybe"}
    )
    assert bad.status_code == 401
    bad = api.client.post(
        f"{base}/decisions",
        json={"date": "2027-03-05", "title": "x", "meeting": 999999},
        headers=admin,
    )
    assert bad.json()["code"] == "unknown_meeting"


def test_an_action_item_becomes_a_task_that_schedules(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    action = _post(
        api,
        f"{base}/action-items",
        {"text": "Write the refund runbook", "owner": "be-dev-1", "due": "2027-04-30"},
        admin,
    )
    made = api.client.post(
        f"{base}/action-items/{action['id']}/make-task",
        json={"duration": "2d"},
        headers={**admin, "If-Match": str(action["version"])},
    )
    assert made.status_code == 201, made.text
    task = made.json()["task"]
    assert task["id"] == f"action-{action['id']}"
    assert task["deadline"] == "2027-04-30"
    assert made.json()["action_item"]["task"] == task["id"]
    assignments = api.client.get(
        f"{base}/assignments", params={"task": task["id"]}, headers=admin
    ).json()["items"]
    assert [a["resource"] for a in assignments] == ["be-dev-1"]
    schedule = api.client.post(f"{base}/schedule", headers=admin)
    assert schedule.status_code == 200, schedule.text
    assert task["id"] in {t["id"] for t in schedule.json()["tasks"]}
    history = api.client.get(
        f"{base}/history", params={"entity": "task", "key": task["id"]}, headers=admin
    ).json()
    assert history["items"][0]["action"] == "create"

    twice = api.client.post(
        f"{base}/action-items/{action['id']}/make-task",
        headers={**admin, "If-Match": str(made.json()["action_item"]["version"])},
    )
    assert twice.json()["code"] == "already_a_task"


def test_an_owner_who_is_no_resource_cannot_be_made_a_task(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    api.user("nobody@example.com")
    action = _post(
        api, f"{base}/action-items", {"text": "Call", "owner": "nobody@example.com"}, admin
    )
    reply = api.client.post(
        f"{base}/action-items/{action['id']}/make-task",
        headers={**admin, "If-Match": str(action["version"])},
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "owner_not_a_resource"
    unknown = api.client.post(
        f"{base}/action-items", json={"text": "Call", "owner": "ghost"}, headers=admin
    )
    assert unknown.json()["code"] == "unknown_owner"


def test_members_record_minutes_and_actions_but_do_not_arrange_meetings(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    _post(api, f"{base}/meetings", STANDUP, admin)
    member = api.member(SOFIA, project, Role.MEMBER)
    viewer = api.member("viewer@example.com", project, Role.VIEWER)
    held = _post(api, f"{base}/meetings/standup/occurrences", {"minutes": "ok"}, member)
    assert held["minutes"] == "ok"
    _post(api, f"{base}/action-items", {"text": "Follow up", "owner": SOFIA}, member)
    refused = api.client.post(f"{base}/meetings", json={**STANDUP, "id": "x"}, headers=member)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    refused = api.client.post(f"{base}/action-items", json={"text": "x"}, headers=viewer)
    assert refused.status_code == 403
    assert api.client.get(f"{base}/action-items", headers=viewer).status_code == 200


def test_the_status_report_lists_decisions_needed_and_meeting_actions(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    _post(api, f"{base}/meetings", STANDUP, admin)
    held = _post(api, f"{base}/meetings/standup/occurrences", {"start": "2027-03-01T09:30"}, admin)
    _post(
        api,
        f"{base}/decisions",
        {"date": "2027-03-10", "title": "Choose the CDN", "decided_by": "Katrin"},
        admin,
    )
    _post(
        api,
        f"{base}/decisions",
        {"date": "2027-03-01", "title": "Already settled", "status": "decided"},
        admin,
    )
    _post(
        api,
        f"{base}/action-items",
        {
            "text": "Order test cards",
            "owner": "be-dev-1",
            "due": "2027-03-12",
            "meeting": held["id"],
        },
        admin,
    )
    reply = api.client.get(
        f"{base}/reports/status",
        params={"format": "md", "status_date": date(2027, 3, 8).isoformat()},
        headers=admin,
    )
    assert reply.status_code == 200, reply.text
    text = reply.text
    assert "Choose the CDN" in text
    assert "Already settled" not in text
    assert "Order test cards" in text
    assert "Daily stand-up 2027-03-01" in text


def test_a_second_meeting_with_the_same_id_or_a_finished_rule_is_refused(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}"
    finished = {**STANDUP, "rrule": "FREQ=DAILY;COUNT=2", "start": "2020-03-02T09:30"}
    _post(api, f"{base}/meetings", finished, admin)
    again = api.client.post(f"{base}/meetings", json=STANDUP, headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_id"
    over = api.client.post(f"{base}/meetings/standup/occurrences", json={}, headers=admin)
    assert over.status_code == 422
    assert over.json()["code"] == "no_next_meeting"
