"""Proposals and technology evaluations through the API (SQLite and PostgreSQL): intake,
scoring, the pipeline, approval creating the project, the decision matrix with cost-benefit
figures, the recommendation, and applying it to a project."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

V1 = "/api/v1"

PROPOSAL = {
    "id": "sso",
    "title": "Single sign-on",
    "problem": "Twelve passwords",
    "objectives": ["One identity provider"],
    "sponsor": "sponsor@example.com",
    "cost": 60000,
    "running_cost": 8000,
    "benefit": 45000,
    "years": 3,
    "risks": ["Legacy tools"],
    "scores": {"strategic_fit": 5, "value": 4, "urgency": 4, "cost": 2, "risk": 3},
}

EVALUATION: dict[str, Any] = {
    "id": "backup",
    "title": "Backup storage",
    "currency": "EUR",
    "discount_rate": "8%",
    "horizon": 5,
    "criteria": [
        {"id": "capability", "weight": 60},
        {"id": "lock_in", "weight": 40, "lower_is_better": True},
    ],
    "options": [
        {
            "id": "tape",
            "name": "Keep tape",
            "scores": {"capability": 2, "lock_in": 2},
            "costs": [{"name": "Tapes", "per_period": 18000, "category": "hardware"}],
        },
        {
            "id": "objstore",
            "name": "Object store",
            "scores": {"capability": 5, "lock_in": 3},
            "costs": [{"name": "Appliances", "once": 60000, "category": "hardware"}],
            "savings": [{"name": "Tape retired", "per_period": 18000}],
            "system": {"id": "objstore", "name": "Object store", "type": "hardware"},
        },
    ],
}


def _etag(api: Api, url: str, headers: dict[str, str]) -> str:
    reply = api.client.get(url, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.headers["ETag"]


def _move(api: Api, key: str, to: str, headers: dict[str, str]) -> Any:
    url = f"{V1}/proposals/{key}"
    return api.client.post(
        f"{url}/transition",
        json={"to": to},
        headers={**headers, "If-Match": _etag(api, url, headers)},
    )


def test_a_proposal_goes_through_the_pipeline_and_approval_makes_the_project(
    api: Api, admin: dict[str, str]
) -> None:
    author = api.user("author@example.com")
    api.user("sponsor@example.com")
    created = api.client.post(f"{V1}/proposals", json=PROPOSAL, headers=author)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft"
    assert body["submitted_by"] == "author@example.com"
    assert body["score"] == "4.15"  # (30*5 + 25*4 + 15*4 + 15*4 + 15*3) / 100
    assert body["npv"] is not None
    assert body["payback"] is not None
    again = api.client.post(f"{V1}/proposals", json=PROPOSAL, headers=author)
    assert (again.status_code, again.json()["code"]) == (409, "proposal_exists")

    # the author cannot approve, nor skip review
    early = api.client.post(
        f"{V1}/proposals/sso/approve", json={}, headers={**admin, "If-Match": '"1"'}
    )
    assert (early.status_code, early.json()["code"]) == (422, "invalid_transition")
    submitted = _move(api, "sso", "under_review", author)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "under_review"
    refused = _move(api, "sso", "rejected", author)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    edited = api.client.patch(
        f"{V1}/proposals/sso",
        json={"title": "Changed"},
        headers={**author, "If-Match": submitted.headers["ETag"]},
    )
    assert edited.status_code == 403  # under review: the author no longer edits it
    wrong = api.client.patch(
        f"{V1}/proposals/sso",
        json={"status": "approved"},
        headers={**admin, "If-Match": submitted.headers["ETag"]},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_transition")

    approved = api.client.post(
        f"{V1}/proposals/sso/approve",
        json={"project": "sso-rollout", "start": "2027-03-01"},
        headers={**admin, "If-Match": submitted.headers["ETag"]},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["project"] == "sso-rollout"
    project = api.client.get(f"{V1}/projects/sso-rollout", headers=admin).json()
    assert project["name"] == "Single sign-on"
    assert project["start"] == "2027-03-01"
    assert project["budget"][0]["amount"] in ("60000", 60000)
    assert "sponsor@example.com" in project["budget"][0]["name"]
    sponsor = api.client.get(f"{V1}/projects/sso-rollout", headers=api.user("x@example.com"))
    assert sponsor.status_code == 404  # only the approver and the sponsor have roles
    members = api.client.get(f"{V1}/projects/sso-rollout/members", headers=admin).json()
    assert {m["email"]: m["role"] for m in members}["sponsor@example.com"] == "owner"
    final = _move(api, "sso", "draft", admin)
    assert (final.status_code, final.json()["code"]) == (422, "invalid_transition")


def test_rejecting_and_reworking_and_the_lists(api: Api, admin: dict[str, str]) -> None:
    author = api.user("author@example.com")
    api.client.post(f"{V1}/proposals", json={"id": "p1", "title": "One"}, headers=author)
    assert _move(api, "p1", "under_review", author).status_code == 200
    assert _move(api, "p1", "rejected", admin).json()["status"] == "rejected"
    assert _move(api, "p1", "draft", author).json()["status"] == "draft"
    bogus = _move(api, "p1", "approved", admin)
    assert bogus.status_code == 422
    listed = api.client.get(f"{V1}/proposals", params={"status": "draft"}, headers=author)
    assert [p["id"] for p in listed.json()] == ["p1"]
    missing = api.client.get(f"{V1}/proposals/p1", headers=author).json()
    assert [d["code"] for d in missing["diagnostics"]] == ["missing_score"]
    gone = api.client.delete(
        f"{V1}/proposals/p1",
        headers={**author, "If-Match": _etag(api, f"{V1}/proposals/p1", author)},
    )
    assert gone.status_code == 204


def test_the_scoring_model_is_the_administrators(api: Api, admin: dict[str, str]) -> None:
    model = {"criteria": [{"id": "fit", "weight": 70}, {"id": "cost", "weight": 30}]}
    user = api.user("someone@example.com")
    refused = api.client.put(f"{V1}/proposal-scoring", json=model, headers=user)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    changed = api.client.put(f"{V1}/proposal-scoring", json=model, headers=admin)
    assert changed.status_code == 200, changed.text
    assert [c["id"] for c in changed.json()["criteria"]] == ["fit", "cost"]
    api.client.post(
        f"{V1}/proposals", json={"id": "p", "title": "P", "scores": {"fit": 5}}, headers=user
    )
    scored = api.client.get(f"{V1}/proposals/p", headers=user).json()
    assert scored["score"] == "3.80"  # 0.7 * 5 + 0.3 * 1 (missing counts as the worst)


def test_an_evaluation_scores_figures_recommends_and_applies(
    api: Api, admin: dict[str, str]
) -> None:
    project = api.client.post(
        f"{V1}/projects", json={"id": "dc", "name": "DC", "start": "2027-01-04"}, headers=admin
    )
    assert project.status_code == 201, project.text
    created = api.client.post(f"{V1}/evaluations", json=EVALUATION, headers=admin)
    assert created.status_code == 201, created.text
    twice = api.client.post(f"{V1}/evaluations", json=EVALUATION, headers=admin)
    assert (twice.status_code, twice.json()["code"]) == (409, "evaluation_exists")

    analysis = api.client.get(f"{V1}/evaluations/backup/analysis", headers=admin).json()
    rows = {o["id"]: o for o in analysis["options"]}
    assert (rows["objstore"]["rank"], rows["tape"]["rank"]) == (1, 2)
    assert rows["objstore"]["score"] == "4.20"  # 0.6 * 5 + 0.4 * (6 - 3)
    assert rows["tape"]["tco"] == "90000.00"
    assert rows["objstore"]["npv"] is not None
    assert analysis["best_score"] == "objstore"

    not_yet = api.client.post(f"{V1}/projects/dc/evaluations/backup/apply", headers=admin)
    assert (not_yet.status_code, not_yet.json()["code"]) == (422, "no_recommendation")
    unknown = api.client.put(
        f"{V1}/evaluations/backup/recommendation",
        json={"option": "cloud"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert unknown.status_code == 422
    assert [d["code"] for d in unknown.json()["diagnostics"]] == ["unknown_option"]
    chosen = api.client.put(
        f"{V1}/evaluations/backup/recommendation",
        json={"option": "objstore", "rationale": "Best on both", "decided_by": "Board"},
        headers={**admin, "If-Match": created.headers["ETag"]},
    )
    assert chosen.status_code == 200, chosen.text
    applied = api.client.post(f"{V1}/projects/dc/evaluations/backup/apply", headers=admin)
    assert applied.status_code == 200, applied.text
    stored = api.client.get(f"{V1}/projects/dc", headers=admin).json()
    assert [(b["category"], str(b["amount"])) for b in stored["budget"]] == [("hardware", "60000")]
    assert [s["id"] for s in stored["systems"]] == ["objstore"]
    again = api.client.post(f"{V1}/projects/dc/evaluations/backup/apply", headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "system_exists")


def test_an_evaluation_with_errors_is_refused_and_warnings_shown(
    api: Api, admin: dict[str, str]
) -> None:
    bad = {**EVALUATION, "options": [{**EVALUATION["options"][0], "scores": {"speed": 3}}]}
    refused = api.client.post(f"{V1}/evaluations", json=bad, headers=admin)
    assert refused.status_code == 422
    assert "unknown_criterion" in [d["code"] for d in refused.json()["diagnostics"]]
    uneven = {
        **EVALUATION,
        "criteria": [{"id": "capability", "weight": 50}, {"id": "lock_in", "weight": 20}],
    }
    created = api.client.post(f"{V1}/evaluations", json=uneven, headers=admin)
    assert created.status_code == 201, created.text
    analysis = api.client.get(f"{V1}/evaluations/backup/analysis", headers=admin).json()
    assert [d["code"] for d in analysis["diagnostics"]] == ["evaluation_weights_not_100"]
    writer = api.user("plain@example.com")
    denied = api.client.post(f"{V1}/evaluations", json={**EVALUATION, "id": "x"}, headers=writer)
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")


def test_a_model_without_criteria_is_refused_and_a_score_off_the_scale_shown_by_code(
    api: Api, admin: dict[str, str]
) -> None:
    empty = api.client.put(f"{V1}/proposal-scoring", json={"criteria": []}, headers=admin)
    assert empty.status_code == 422, empty.text
    assert [d["code"] for d in empty.json()["diagnostics"]] == ["no_criteria"]
    off = {**PROPOSAL, "id": "off", "scores": {**PROPOSAL["scores"], "value": 9}}
    # A proposal is taken as written (intake is a draft) and shows what is wrong with it; its
    # score counts the value at the scale's top.
    kept = api.client.post(f"{V1}/proposals", json=off, headers=admin)
    assert kept.status_code == 201, kept.text
    [problem] = kept.json()["diagnostics"]
    assert (problem["code"], problem["severity"]) == ("score_out_of_range", "error")
    assert "'value'" in problem["message"]
    option = {**EVALUATION["options"][0], "scores": {"capability": 0, "lock_in": 2}}
    evaluation = {**EVALUATION, "id": "off", "options": [option]}
    also = api.client.post(f"{V1}/evaluations", json=evaluation, headers=admin)
    assert also.status_code == 422, also.text
    assert "score_out_of_range" in [d["code"] for d in also.json()["diagnostics"]]
