"""A project's systems inventory through the API (SQLite and PostgreSQL): the systems kept in
the plan, their checks by code, renewals, the maintenance calendar, and renew-or-replace tasks
added as real, audited tasks."""

from __future__ import annotations

from tests.api.conftest import Api

V1 = "/api/v1"
P = f"{V1}/projects/ops"
SYSTEM = {
    "id": "pg",
    "name": "PostgreSQL",
    "type": "software",
    "version": "15.6",
    "renewal": "2027-04-01",
    "renewal_cost": 1200,
    "warranty_end": "2027-01-01",
    "end_of_life": "2027-06-30",
    "maintenance": [{"id": "patch", "monthly": "first sat", "time": "02:00-04:00"}],
    "updates": [{"version": "16", "date": "2027-04-03", "window": "patch"}],
}


def _project(api: Api, admin: dict[str, str]) -> None:
    reply = api.client.post(
        f"{V1}/projects",
        json={"id": "ops", "name": "Ops", "start": "2027-01-04", "status_date": "2027-03-01"},
        headers=admin,
    )
    assert reply.status_code == 201, reply.text


def test_systems_are_edited_one_at_a_time_in_the_plan(api: Api, admin: dict[str, str]) -> None:
    _project(api, admin)
    created = api.client.post(f"{P}/systems", json=SYSTEM, headers=admin)
    assert created.status_code == 201, created.text
    twice = api.client.post(f"{P}/systems", json=SYSTEM, headers=admin)
    assert (twice.status_code, twice.json()["code"]) == (409, "system_exists")
    bad = api.client.post(
        f"{P}/systems",
        json={
            **SYSTEM,
            "id": "x",
            "maintenance": [{"id": "w", "weekly": "someday", "time": "01:00-02:00"}],
        },
        headers=admin,
    )
    assert bad.status_code == 422
    assert [d["code"] for d in bad.json()["diagnostics"]] == ["invalid_rrule"]
    changed = api.client.patch(
        f"{P}/systems/pg",
        json={"version": "16.1"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == "16.1"  # the software's; the ETag is the project's
    listed = api.client.get(f"{P}/systems", headers=admin).json()
    assert [(s["id"], s["version"]) for s in listed] == [("pg", "16.1")]
    exported = api.client.get(f"{P}/export", headers=admin)
    assert "systems:" in exported.text
    assert "first sat" in exported.text
    stale = api.client.delete(
        f"{P}/systems/pg", headers={**admin, "If-Match": created.headers["ETag"]}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "version_mismatch")
    gone = api.client.delete(
        f"{P}/systems/pg", headers={**admin, "If-Match": changed.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert api.client.get(f"{P}/systems/pg", headers=admin).status_code == 404


def test_checks_renewals_and_the_maintenance_calendar(api: Api, admin: dict[str, str]) -> None:
    _project(api, admin)
    api.client.post(f"{P}/systems", json=SYSTEM, headers=admin)
    checks = api.client.get(f"{P}/systems/checks", headers=admin).json()
    assert checks["as_of"] == "2027-03-01"  # the project's status date
    assert [(d["code"], d["path"][-1]) for d in checks["diagnostics"]] == [
        ("licence_renewal_due", "renewal"),
        ("warranty_expired", "warranty_end"),
        ("end_of_life_near", "end_of_life"),
    ]
    later = api.client.get(f"{P}/systems/checks", params={"today": "2027-08-01"}, headers=admin)
    assert [d["code"] for d in later.json()["diagnostics"]] == [
        "licence_renewal_overdue",
        "warranty_expired",
        "end_of_life_passed",
    ]
    renewals = api.client.get(f"{P}/systems/renewals", headers=admin).json()
    assert [(r["date"], r["amount"], r["category"]) for r in renewals["renewals"]] == [
        ("2027-04-01", "1200", "software")
    ]
    events = api.client.get(
        f"{P}/maintenance", params={"from": "2027-03-01", "to": "2027-04-30"}, headers=admin
    ).json()
    assert [(e["kind"], e["start"]) for e in events] == [
        ("maintenance", "2027-03-06T02:00"),
        ("maintenance", "2027-04-03T02:00"),
        ("update", "2027-04-03T02:00"),
    ]
    too_long = api.client.get(
        f"{P}/maintenance", params={"from": "2027-01-01", "to": "2029-01-01"}, headers=admin
    )
    assert (too_long.status_code, too_long.json()["code"]) == (422, "invalid_range")


def test_renew_or_replace_tasks_are_real_tasks_due_before_end_of_life(
    api: Api, admin: dict[str, str]
) -> None:
    _project(api, admin)
    api.client.post(f"{P}/systems", json=SYSTEM, headers=admin)
    made = api.client.post(f"{P}/systems/renewal-tasks", headers=admin)
    assert made.status_code == 201, made.text
    (task,) = made.json()["created"]
    assert task["id"] == "renew-pg"
    assert task["deadline"] < "2027-06-30"
    assert api.client.get(f"{P}/tasks/renew-pg", headers=admin).status_code == 200
    history = api.client.get(f"{P}/history", headers=admin).json()
    assert any(entry["key"] == "renew-pg" for entry in history["items"])
    again = api.client.post(f"{P}/systems/renewal-tasks", headers=admin)
    assert again.json()["created"] == []  # the plan has it already


def test_renewals_are_money_and_changes_are_the_managers(api: Api, admin: dict[str, str]) -> None:
    from plansmith.services.access import Role

    _project(api, admin)
    api.client.post(f"{P}/systems", json=SYSTEM, headers=admin)
    viewer = api.member("viewer@example.com", "ops", Role.VIEWER)
    stakeholder = api.member("stake@example.com", "ops", Role.STAKEHOLDER)
    assert api.client.get(f"{P}/systems", headers=viewer).status_code == 200
    assert api.client.get(f"{P}/systems", headers=stakeholder).status_code == 403
    assert api.client.get(f"{P}/systems/renewals", headers=stakeholder).status_code == 200
    refused = api.client.post(f"{P}/systems", json={**SYSTEM, "id": "x"}, headers=viewer)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_maintenance_windows_and_updates_are_in_the_project_feed(
    api: Api, admin: dict[str, str]
) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    reply = api.client.post(
        f"{V1}/projects",
        json={"id": "ops", "name": "Ops", "start": "2027-01-04", "timezone": "Europe/Berlin"},
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    system = {
        **SYSTEM,
        "maintenance": [
            *SYSTEM["maintenance"],  # type: ignore[misc]
            {"id": "sun", "weekly": "sun", "time": "01:00-02:00", "until": "2027-06-30"},
        ],
        "updates": [*SYSTEM["updates"], {"version": "17", "date": "2027-09-01"}],  # type: ignore[misc]
    }
    assert api.client.post(f"{P}/systems", json=system, headers=admin).status_code == 201
    made = api.client.post(f"{V1}/calendar-feeds", json={"project": "ops"}, headers=admin)
    assert made.status_code == 201, made.text
    url = made.json()["url"].split("testserver", 1)[1]
    events = list(Calendar.from_ical(api.client.get(url).content).walk("VEVENT"))
    by_summary = {str(e["SUMMARY"]): e for e in events}
    patch = next(
        e for e in events if str(e["UID"]).startswith("plansmith-ops-maintenance-pg-patch")
    )
    berlin = ZoneInfo("Europe/Berlin")
    # the first "first Saturday" from the project's start (2027-01-04)
    assert patch["DTSTART"].dt == datetime(2027, 2, 6, 2, 0, tzinfo=berlin)
    assert patch["RRULE"]["BYDAY"] == ["1SA"]
    sunday = next(e for e in events if str(e["UID"]).startswith("plansmith-ops-maintenance-pg-sun"))
    assert sunday["RRULE"]["UNTIL"][0].date() == date(2027, 6, 30)
    in_window = by_summary["Update PostgreSQL to 16"]
    assert in_window["DTSTART"].dt == datetime(2027, 4, 3, 2, 0, tzinfo=berlin)
    assert by_summary["Update PostgreSQL to 17"]["DTSTART"].dt == date(2027, 9, 1)  # all day
