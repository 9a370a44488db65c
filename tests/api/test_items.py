"""Plan items through the API: create, read, list, update with If-Match, delete; conflicts are
409s and nothing is lost; every change is in the history."""

from __future__ import annotations

import pytest

from plansmith.services.access import Role
from tests.api.conftest import Api


@pytest.fixture
def project(api: Api) -> str:
    return api.import_example("saas-launch.yaml")


def test_a_task_round_trip_with_versions(api: Api, admin: dict[str, str], project: str) -> None:
    base = f"/api/v1/projects/{project}/tasks"
    created = api.client.post(
        base, json={"id": "qa-extra", "name": "Extra QA", "duration": "3d"}, headers=admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["duration"] == "3d"
    assert created.headers["ETag"] == '"1"'
    read = api.client.get(f"{base}/qa-extra", headers=admin)
    assert read.json()["name"] == "Extra QA"
    changed = api.client.patch(
        f"{base}/qa-extra", json={"duration": "5d"}, headers={**admin, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    stale = api.client.patch(
        f"{base}/qa-extra", json={"name": "Lost"}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_mismatch"
    assert api.client.get(f"{base}/qa-extra", headers=admin).json()["name"] == "Extra QA"
    missing = api.client.patch(f"{base}/qa-extra", json={"name": "x"}, headers=admin)
    assert missing.status_code == 428
    assert missing.json()["code"] == "if_match_required"
    history = api.client.get(
        f"/api/v1/projects/{project}/history",
        params={"entity": "task", "key": "qa-extra"},
        headers=admin,
    ).json()
    fields = [(e["action"], e["field"], e["old"], e["new"]) for e in history["items"]]
    assert ("update", "duration", "3d", "5d") in fields
    assert fields[-1][0] == "create"
    gone = api.client.delete(f"{base}/qa-extra", headers={**admin, "If-Match": '"2"'})
    assert gone.status_code == 204
    assert api.client.get(f"{base}/qa-extra", headers=admin).status_code == 404


def test_bad_values_are_422_with_a_code_and_path(
    api: Api, admin: dict[str, str], project: str
) -> None:
    reply = api.client.post(
        f"/api/v1/projects/{project}/tasks",
        json={"id": "t-bad", "name": "Bad", "duration": True},
        headers=admin,
    )
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "invalid"
    assert body["diagnostics"][0]["path"][-1] == "duration"


def test_a_dependency_loop_is_refused(api: Api, admin: dict[str, str], project: str) -> None:
    base = f"/api/v1/projects/{project}"
    for key in ("a1", "a2"):
        assert (
            api.client.post(
                f"{base}/tasks", json={"id": key, "name": key, "duration": "1d"}, headers=admin
            ).status_code
            == 201
        )
    ok = api.client.post(
        f"{base}/dependencies", json={"task": "a2", "predecessor": "a1"}, headers=admin
    )
    assert ok.status_code == 201, ok.text
    loop = api.client.post(
        f"{base}/dependencies", json={"task": "a1", "predecessor": "a2"}, headers=admin
    )
    assert loop.status_code == 422
    assert loop.json()["code"] == "dependency_cycle"


def test_lists_filter_sort_and_page(api: Api, admin: dict[str, str], project: str) -> None:
    base = f"/api/v1/projects/{project}/tasks"
    everything = api.client.get(base, params={"limit": 500}, headers=admin).json()
    assert everything["total"] == len(everything["items"]) > 10
    page = api.client.get(
        base, params={"limit": 5, "offset": 5, "sort": "key"}, headers=admin
    ).json()
    keys = sorted(item["id"] for item in everything["items"])
    assert [item["id"] for item in page["items"]] == keys[5:10]
    top = api.client.get(base, params={"parent": "", "limit": 500}, headers=admin).json()
    assert all(item["parent"] is None for item in top["items"])
    assert 0 < top["total"] < everything["total"]
    bad = api.client.get(base, params={"sort": "nonsense"}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_sort"


def test_roles_decide_what_a_user_may_do(api: Api, project: str) -> None:
    viewer = api.member("viewer@example.com", project, Role.VIEWER)
    outsider = api.user("outsider@example.com")
    base = f"/api/v1/projects/{project}/tasks"
    assert api.client.get(base, headers=viewer).status_code == 200
    denied = api.client.post(base, json={"id": "v1", "name": "v", "duration": "1d"}, headers=viewer)
    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    hidden = api.client.get(base, headers=outsider)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    assert api.client.get(base).status_code == 401
