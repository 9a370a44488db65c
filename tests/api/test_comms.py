"""The communication API (SQLite and PostgreSQL): the register with its grid, the plan with
its next due dates, refusals with the field they concern, send now and the log, and the public
unsubscribe."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from plansmith.services.access import Role
from plansmith.services.deliveries import token_hash
from plansmith.storage.tables_comms import UnsubscribeToken
from tests.api.conftest import Api

V1 = "/api/v1"


def _person(api: Api, key: str, admin: dict[str, str], **values: object) -> dict[str, object]:
    reply = api.client.post(f"{V1}/projects/{key}/stakeholders", json=values, headers=admin)
    assert reply.status_code == 201, reply.text
    document: dict[str, object] = reply.json()
    return document


def test_the_register_and_its_grid(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("saas-launch.yaml")
    base = f"{V1}/projects/{key}"
    sponsor = _person(
        api,
        key,
        admin,
        name="Dana Sponsor",
        organisation="Lumen",
        role="Sponsor",
        email="dana@lumen.example",
        interest=5,
        influence=5,
        channel="meeting",
    )
    assert sponsor["quadrant"] == "manage_closely"
    _person(api, key, admin, name="Cfo", interest=1, influence=4)
    _person(api, key, admin, name="Users", interest=4, influence=1)
    _person(api, key, admin, name="Press", interest=1, influence=1)
    grid = api.client.get(f"{base}/stakeholder-grid", headers=admin).json()
    assert [(c["quadrant"], [s["name"] for s in c["stakeholders"]]) for c in grid] == [
        ("keep_satisfied", ["Cfo"]),
        ("manage_closely", ["Dana Sponsor"]),
        ("monitor", ["Press"]),
        ("keep_informed", ["Users"]),
    ]
    viewer = api.member("viewer@example.com", key, Role.VIEWER)
    listed = api.client.get(f"{base}/stakeholders", headers=viewer)
    assert [s["name"] for s in listed.json()] == ["Cfo", "Dana Sponsor", "Press", "Users"]
    refused = api.client.post(f"{base}/stakeholders", json={"name": "X"}, headers=viewer)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    # A change needs the version read; a stale one is refused.
    url = f"{base}/stakeholders/{sponsor['id']}"
    etag = api.client.get(url, headers=admin).headers["ETag"]
    changed = api.client.patch(url, json={"interest": 2}, headers={**admin, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["quadrant"] == "keep_satisfied"
    stale = api.client.patch(url, json={"interest": 3}, headers={**admin, "If-Match": etag})
    assert (stale.status_code, stale.json()["code"]) == (409, "version_mismatch")


def test_bad_stakeholders_are_refused_with_the_field(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("saas-launch.yaml")
    url = f"{V1}/projects/{key}/stakeholders"
    for body, field in (
        ({"name": "A", "email": "not-an-address"}, "email"),
        ({"name": "A", "interest": 7}, "interest"),
        ({"name": "", "influence": 2}, "name"),
        ({"name": "A", "channel": "pigeon"}, "channel"),
    ):
        reply = api.client.post(url, json=body, headers=admin)
        assert reply.status_code == 422, (body, reply.text)
        assert reply.json()["code"] == "invalid"
        assert reply.json()["diagnostics"][0]["path"][-1] == field, reply.json()


def test_the_plan_its_due_dates_send_now_and_the_log(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("saas-launch.yaml")
    base = f"{V1}/projects/{key}"
    ada = _person(api, key, admin, name="Ada", email="ada@lumen.example")
    nomail = _person(api, key, admin, name="No Mail")
    body = {
        "title": "Monthly portfolio",
        "report": "portfolio",
        "format": "xlsx",
        "cadence": "monthly",
        "day": 31,
        "hour": 9,
        "starts": "2030-02-01",
        "recipients": [ada["id"]],
    }
    created = api.client.post(f"{base}/communication", json=body, headers=admin)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["next_due"] == "2030-02-28T09:00:00+00:00"
    assert entry["recipients"] == [ada["id"]]
    for recipients, code in (
        ([nomail["id"]], "stakeholder_without_email"),
        ([999], "unknown_stakeholder"),
    ):
        refused = api.client.post(
            f"{base}/communication", json={**body, "recipients": recipients}, headers=admin
        )
        assert (refused.status_code, refused.json()["code"]) == (422, code)
        assert refused.json()["diagnostics"][0]["path"] == ["recipients", 0]
    url = f"{base}/communication/{entry['id']}"
    weekly = api.client.patch(
        url,
        json={"cadence": "biweekly", "weekday": "thu", "starts": "2030-01-01"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert weekly.status_code == 200, weekly.text
    assert weekly.json()["next_due"] == "2030-01-03T09:00:00+00:00"
    bad = api.client.patch(
        url, json={"weekday": "someday"}, headers={**admin, "If-Match": weekly.headers["ETag"]}
    )
    assert bad.status_code == 422
    assert bad.json()["diagnostics"][0]["path"] == ["weekday"]

    sent = api.client.post(f"{url}/send", headers=admin)
    assert sent.status_code == 202, sent.text
    assert [(d["email"], d["status"], d["attempts"]) for d in sent.json()] == [
        ("ada@lumen.example", "pending", 0)
    ]
    viewer = api.member("viewer@example.com", key, Role.VIEWER)
    log = api.client.get(f"{base}/deliveries", params={"entry": entry["id"]}, headers=viewer)
    assert log.status_code == 200
    assert log.json()["total"] == 1
    assert log.json()["items"][0]["title"] == "Monthly portfolio"
    stakeholder = api.member("sponsor@example.com", key, Role.STAKEHOLDER)
    hidden = api.client.get(f"{base}/deliveries", headers=stakeholder)
    assert (hidden.status_code, hidden.json()["code"]) == (403, "forbidden")


def test_unsubscribing_is_public_and_needs_a_live_token(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("saas-launch.yaml")
    base = f"{V1}/projects/{key}"
    ada = _person(api, key, admin, name="Ada", email="ada@lumen.example")
    ben = _person(api, key, admin, name="Ben", email="ben@lumen.example")
    entry = api.client.post(
        f"{base}/communication",
        json={"title": "Weekly", "recipients": [ada["id"], ben["id"]]},
        headers=admin,
    ).json()
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with api.database.transaction() as session:
        session.add(
            UnsubscribeToken(
                token_hash=token_hash(token),
                entry_id=entry["id"],
                stakeholder_id=ben["id"],
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
    done = api.client.post(f"{V1}/unsubscribe/{token}")
    assert done.status_code == 200, done.text
    assert {k: done.json()[k] for k in ("name", "title", "already")} == {
        "name": "Ben",
        "title": "Weekly",
        "already": False,
    }
    after = api.client.get(f"{base}/communication/{entry['id']}", headers=admin).json()
    assert after["recipients"] == [ada["id"]]
    assert api.client.post(f"{V1}/unsubscribe/{token}").json()["already"] is True
    unknown = api.client.post(f"{V1}/unsubscribe/{'x' * 43}")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "invalid_unsubscribe_link")
