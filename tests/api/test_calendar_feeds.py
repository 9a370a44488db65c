"""Private calendar feeds, fetched without signing in and read back with icalendar: a
project's milestones, deadlines and meetings; a person's meetings, milestones and vacations;
the same UIDs on every fetch; nothing of another project; a revoked or expired feed, or one
whose owner lost their role, is not found."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from plansmith.services.access import Role
from plansmith.services.projects import import_plan_text
from plansmith.storage import tables as t
from plansmith.storage import tables_meetings as m
from plansmith.storage.plans import now
from tests.api.conftest import Api

V1 = "/api/v1"
SOFIA = "sofia.marin@lumen-analytics.example"
OTHER = """\
project: {id: other-customer, name: Other customer, start: 2027-03-01}
tasks:
  - {id: secret-gate, name: Secret gate, milestone: true}
"""


@pytest.fixture
def project(api: Api, admin: dict[str, str]) -> str:
    key = api.import_example("saas-launch.yaml")
    with api.database.transaction() as session:
        import_plan_text(session, OTHER, "other.yaml")
    base = f"{V1}/projects/{key}"
    for body in (
        {
            "id": "standup",
            "title": "Daily stand-up",
            "kind": "stand-up",
            "rrule": "FREQ=DAILY;COUNT=20",
            "start": "2027-03-01T09:30",
            "attendees": [SOFIA],
        },
        {"id": "steering", "title": "Steering committee", "start": "2027-03-15T14:00"},
    ):
        reply = api.client.post(f"{base}/meetings", json=body, headers=admin)
        assert reply.status_code == 201, reply.text
    reply = api.client.post(
        f"{V1}/projects/other-customer/meetings",
        json={"id": "secret", "title": "Secret meeting", "start": "2027-03-02T10:00"},
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    return key


def _feed(api: Api, headers: dict[str, str], body: dict[str, Any]) -> str:
    reply = api.client.post(f"{V1}/calendar-feeds", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    url: str = reply.json()["url"]
    assert "/api/v1/feeds/" in url
    assert url.endswith(".ics")
    return url.split("testserver", 1)[1]


def _events(api: Api, url: str) -> list[Any]:
    reply = api.client.get(url)  # no credentials but the URL
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/calendar")
    return list(Calendar.from_ical(reply.content).walk("VEVENT"))


def test_a_project_feed_has_milestones_deadlines_and_meetings(
    api: Api, admin: dict[str, str], project: str
) -> None:
    url = _feed(api, admin, {"project": project})
    events = _events(api, url)
    summaries = {str(e["SUMMARY"]) for e in events}
    assert "Daily stand-up" in summaries
    assert "Steering committee" in summaries
    assert "Milestone: Gate: MVP scope frozen" in summaries
    deadlines = [e for e in events if str(e["SUMMARY"]).startswith("Deadline:")]
    assert [e["DTSTART"].dt for e in deadlines] == [date(2027, 6, 24)]
    standup = next(e for e in events if str(e["SUMMARY"]) == "Daily stand-up")
    assert standup["DTSTART"].dt == datetime(2027, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert standup["RRULE"]["COUNT"] == [20]
    assert not {"Secret meeting", "Milestone: Secret gate"} & summaries  # another project's
    assert "METHOD" not in Calendar.from_ical(api.client.get(url).content)

    again = _events(api, url)
    assert sorted(str(e["UID"]) for e in again) == sorted(str(e["UID"]) for e in events)
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_a_persons_feed_has_their_meetings_and_vacations(
    api: Api, admin: dict[str, str], project: str
) -> None:
    member = api.member(SOFIA, project, Role.MEMBER)
    events = _events(api, _feed(api, member, {}))
    summaries = {str(e["SUMMARY"]) for e in events}
    assert "Daily stand-up" in summaries  # invited
    assert "Steering committee" not in summaries  # not invited
    assert "Milestone: Gate: MVP scope frozen" in summaries
    assert not {"Secret meeting", "Milestone: Secret gate"} & summaries
    [vacation] = [e for e in events if str(e["SUMMARY"]).startswith("Vacation")]
    assert (vacation["DTSTART"].dt, vacation["DTEND"].dt) == (date(2027, 5, 24), date(2027, 5, 29))


def test_revoked_expired_and_unknown_feeds_are_not_found(
    api: Api, admin: dict[str, str], project: str
) -> None:
    revoked = _feed(api, admin, {"project": project, "name": "to revoke"})
    listed = api.client.get(f"{V1}/calendar-feeds", headers=admin).json()
    [row] = [f for f in listed if f["name"] == "to revoke"]
    assert "url" not in row
    assert api.client.delete(f"{V1}/calendar-feeds/{row['id']}", headers=admin).status_code == 204
    expired = _feed(api, admin, {})
    with api.database.transaction() as session:
        session.execute(
            update(m.CalendarFeed)
            .where(m.CalendarFeed.revoked_at.is_(None))
            .values(expires_at=now() - timedelta(minutes=1))
        )
    for url in (revoked, expired, f"{V1}/feeds/no-such-token.ics"):
        reply = api.client.get(url)
        assert reply.status_code == 404
        assert reply.json()["code"] == "not_found"


def test_a_feed_shows_only_what_its_owner_may_still_read(
    api: Api, admin: dict[str, str], project: str
) -> None:
    viewer = api.member("viewer@example.com", project, Role.VIEWER)
    url = _feed(api, viewer, {"project": project})
    assert api.client.get(url).status_code == 200
    with api.database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == "viewer@example.com"))
        assert user is not None
        session.execute(t.Membership.__table__.delete().where(t.Membership.user_id == user.id))
    assert api.client.get(url).status_code == 404
    refused = api.client.post(f"{V1}/calendar-feeds", json={"project": project}, headers=viewer)
    assert refused.status_code == 404
    stakeholder = api.member("stake@example.com", project, Role.STAKEHOLDER)
    refused = api.client.post(
        f"{V1}/calendar-feeds", json={"project": project}, headers=stakeholder
    )
    assert refused.status_code == 403
    someone_elses = api.client.delete(f"{V1}/calendar-feeds/1", headers=stakeholder)
    assert someone_elses.status_code == 404


def test_a_persons_feed_has_the_maintenance_windows_of_the_systems_they_own(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"{V1}/projects/{project}/systems"
    for key, owner in (("db", SOFIA), ("cdn", "someone.else@example.com")):
        system = {
            "id": key,
            "name": key.upper(),
            "type": "software",
            "owner": owner,
            "maintenance": [{"id": "patch", "weekly": "sat", "time": "02:00-04:00"}],
        }
        reply = api.client.post(base, json=system, headers=admin)
        assert reply.status_code == 201, reply.text
    member = api.member(SOFIA, project, Role.MEMBER)
    mine = {str(e["SUMMARY"]) for e in _events(api, _feed(api, member, {}))}
    assert "Maintenance: DB" in mine
    assert "Maintenance: CDN" not in mine
    everyone = {str(e["SUMMARY"]) for e in _events(api, _feed(api, admin, {"project": project}))}
    assert {"Maintenance: DB", "Maintenance: CDN"} <= everyone
