"""The team through the API (docs/team.md): RACI grid edits with their check codes, deliverables
with sign-offs and history, skills, certifications, training, gaps, workload; round trip."""

from __future__ import annotations

from pathlib import Path

import yaml

from plansmith.io.plan_schema import PlanSpec
from plansmith.services.projects import import_plan_text
from tests.api.conftest import Api

PLAN = Path(__file__).parents[1] / "data" / "team-plan.yaml"


def _project(api: Api) -> str:
    with api.database.transaction() as session:
        return import_plan_text(session, PLAN.read_text(encoding="utf-8"), "team.yaml").key


def _codes(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {d["code"] for d in body["diagnostics"]}


def test_the_team_reads_with_its_checks(api: Api, admin: dict[str, str]) -> None:
    key = _project(api)
    team = api.client.get(f"/api/v1/projects/{key}/team", headers=admin)
    assert team.status_code == 200, team.text
    body = team.json()
    assert {"raci_no_accountable", "certification_expiring", "skill_gap"} <= _codes(body)
    assert body["raci"]["cells"]["api-spec"] == {"tp-alice": "R", "tp-bob": "A", "tp-sponsor": "I"}
    assert {p["id"] for p in body["raci"]["parties"]} == {"tp-alice", "tp-bob", "tp-sponsor"}
    skills = api.client.get(f"/api/v1/projects/{key}/skills", headers=admin).json()["skills"]
    alice = next(p for p in skills["people"] if p["id"] == "tp-alice")
    assert alice["levels"] == {"python": 4, "postgres": 2}
    gaps = api.client.get(f"/api/v1/projects/{key}/skill-gaps", headers=admin).json()["gaps"]
    assert gaps == [
        {
            "task": "build",
            "skill": "postgres",
            "level": 3,
            "assigned": ["tp-alice"],
            "best": 2,
            "training": ["Postgres tuning"],
        }
    ]
    certs = api.client.get(f"/api/v1/projects/{key}/certifications", headers=admin).json()
    assert certs["certifications"][0]["state"] == "expiring"
    training = api.client.get(f"/api/v1/projects/{key}/training", headers=admin).json()
    assert training["training"][0]["cost"] == "1500"


def test_editing_the_raci_grid_reports_each_rule_by_code(api: Api, admin: dict[str, str]) -> None:
    key = _project(api)
    url = f"/api/v1/projects/{key}/raci"
    etag = api.client.get(url, headers=admin).headers["ETag"]

    def cell(item: str, party: str, letters: str) -> dict:  # type: ignore[type-arg]
        nonlocal etag
        reply = api.client.put(
            f"{url}/cell",
            json={"item": item, "party": party, "letters": letters},
            headers={**admin, "If-Match": etag},
        )
        assert reply.status_code == 200, reply.text
        etag = reply.headers["ETag"]
        return reply.json()  # type: ignore[no-any-return]

    assert "raci_many_accountable" in _codes(cell("api-spec", "tp-sponsor", "A"))
    assert "raci_no_responsible" in _codes(cell("api-spec", "tp-alice", ""))
    fixed = cell("build", "tp-bob", "A")
    assert "raci_no_accountable" not in _codes(fixed)
    assert fixed["raci"]["cells"]["build"] == {"tp-alice": "R", "tp-bob": "A"}
    unknown = api.client.put(
        f"{url}/cell",
        json={"item": "build", "party": "nobody", "letters": "C"},
        headers={**admin, "If-Match": etag},
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "raci_unknown_party"
    no_item = api.client.put(
        f"{url}/cell",
        json={"item": "nothing", "party": "tp-bob", "letters": "C"},
        headers={**admin, "If-Match": etag},
    )
    assert no_item.json()["code"] == "raci_unknown_item"
    stale = api.client.put(
        f"{url}/cell",
        json={"item": "build", "party": "tp-bob", "letters": "C"},
        headers={**admin, "If-Match": '"1"'},
    )
    assert stale.status_code == 409
    rules = api.client.put(
        f"/api/v1/projects/{key}/team/team_rules",
        json={"max_accountable": 1},
        headers={**admin, "If-Match": etag},
    )
    assert rules.status_code == 200, rules.text
    assert "raci_overloaded_accountable" in _codes(rules.json())


def test_a_deliverable_is_signed_off_with_history(api: Api, admin: dict[str, str]) -> None:
    key = _project(api)
    base = f"/api/v1/projects/{key}/deliverables"
    etag = api.client.get(f"{base}/api-spec", headers=admin).headers["ETag"]
    created = api.client.put(
        f"{base}/runbook",
        json={"name": "Runbook", "owner": "tp-bob", "milestone": "ship", "status": "accepted"},
        headers={**admin, "If-Match": etag},
    )
    assert created.status_code == 200, created.text
    team = api.client.get(f"/api/v1/projects/{key}/team", headers=admin).json()
    assert "deliverable_accepted_unsigned" in _codes(team)
    assert "raci_no_accountable" in {
        d["code"] for d in team["diagnostics"] if d["subject"] == "raci:runbook"
    }
    signed = api.client.post(
        f"{base}/runbook/sign-off",
        json={"by": "Dana Sponsor", "date": "2027-01-20", "note": "Looks complete"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "accepted"
    assert signed.json()["signoffs"] == [
        {"by": "Dana Sponsor", "date": "2027-01-20", "note": "Looks complete"}
    ]
    again = api.client.post(
        f"{base}/runbook/sign-off",
        json={"by": "Dana Sponsor", "decision": "rejected", "note": "Missing restore steps"},
        headers={**admin, "If-Match": signed.headers["ETag"]},
    )
    assert again.json()["status"] == "rejected"
    assert len(again.json()["signoffs"]) == 2
    history = api.client.get(f"{base}/runbook/history", headers=admin).json()["items"]
    assert history[0]["user"] == "admin@example.com"
    assert {h["action"] for h in history} >= {"create", "update"}
    bad = api.client.put(
        f"{base}/other",
        json={"name": "Other", "owner": "ghost"},
        headers={**admin, "If-Match": again.headers["ETag"]},
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "unknown_resource"
    gone = api.client.delete(
        f"{base}/runbook", headers={**admin, "If-Match": again.headers["ETag"]}
    )
    assert gone.status_code == 204, gone.text
    assert api.client.get(f"{base}/runbook", headers=admin).status_code == 404


def test_the_team_survives_export_and_import(api: Api, admin: dict[str, str]) -> None:
    key = _project(api)
    exported = api.client.get(f"/api/v1/projects/{key}/export", headers=admin)
    assert exported.status_code == 200, exported.text
    document = yaml.safe_load(exported.text)
    original = PlanSpec.model_validate(yaml.safe_load(PLAN.read_text(encoding="utf-8")))
    back = PlanSpec.model_validate(document)
    for section in ("roles", "deliverables", "raci", "certifications", "training", "tasks"):
        assert getattr(back, section) == getattr(original, section)
    assert document["resources"][0]["skills"] == {"python": 4, "postgres": 2}
    assert document["tasks"][0]["requires"] == [
        {"skill": "postgres", "level": 3},
        {"skill": "python"},
    ]


def test_workload_adds_up_a_person_across_projects(api: Api, admin: dict[str, str]) -> None:
    _project(api)
    api.import_example("saas-launch.yaml")
    body = api.client.get("/api/v1/workload", headers=admin).json()
    alice = next(p for p in body["people"] if p["id"] == "tp-alice")
    assert alice["projects"]["2027-01"] == {"team-probe": 40.0}
    assert alice["capacity"]["2027-01"] > 0
    assert len(body["people"]) > 1
    outsider = api.user("nobody@example.com")
    assert api.client.get("/api/v1/workload", headers=outsider).json()["people"] == []


def test_the_demo_portfolio_shows_every_team_feature(api: Api, admin: dict[str, str]) -> None:
    from plansmith.services.demo import load_demo

    with api.database.transaction() as session:
        load_demo(session)
    body = api.client.get("/api/v1/projects/dc-migration-2027/team", headers=admin).json()
    assert body["ok"], body
    assert {"raci_no_accountable", "certification_expired", "skill_gap"} <= _codes(body)
    for section in ("roles", "training", "certifications", "gaps"):
        assert body[section], section
    assert body["deliverables"][0]["signoffs"]
    assert any(p["levels"] for p in body["skills"]["people"])
    workload = api.client.get("/api/v1/workload", headers=admin).json()
    assert len(workload["people"]) > 5
