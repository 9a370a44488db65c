"""Requests the API refuses, each with its stable code, and nothing written."""

from __future__ import annotations

import pytest

from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.errors import Invalid
from plansmith.services import project_actions
from tests.api.conftest import Api


@pytest.fixture
def project(api: Api) -> str:
    return api.import_example("saas-launch.yaml")


def _task(api: Api, admin: dict[str, str], project: str, key: str) -> dict[str, object]:
    reply = api.client.get(f"/api/v1/projects/{project}/tasks/{key}", headers=admin)
    assert reply.status_code == 200, reply.text
    return reply.json()  # type: ignore[no-any-return]


def test_ids_cannot_change(api: Api, admin: dict[str, str], project: str) -> None:
    first = api.client.get(f"/api/v1/projects/{project}/tasks", headers=admin).json()["items"][0]
    reply = api.client.patch(
        f"/api/v1/projects/{project}/tasks/{first['id']}",
        json={"id": "renamed"},
        headers={**admin, "If-Match": f'"{first["version"]}"'},
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "id_immutable"


def test_a_task_cannot_move_inside_itself(api: Api, admin: dict[str, str], project: str) -> None:
    base = f"/api/v1/projects/{project}/tasks"
    for body in (
        {"id": "outer", "name": "Outer"},
        {"id": "inner", "name": "In", "parent": "outer"},
    ):
        assert api.client.post(base, json=body, headers=admin).status_code == 201
    outer = _task(api, admin, project, "outer")
    reply = api.client.patch(
        f"{base}/outer",
        json={"parent": "inner"},
        headers={**admin, "If-Match": f'"{outer["version"]}"'},
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid_parent"
    assert _task(api, admin, project, "outer")["parent"] is None


def test_if_match_must_be_an_etag(api: Api, admin: dict[str, str], project: str) -> None:
    reply = api.client.patch(
        f"/api/v1/projects/{project}",
        json={"name": "x"},
        headers={**admin, "If-Match": "yesterday"},
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid_if_match"


def test_a_resource_in_use_cannot_be_deleted(api: Api, admin: dict[str, str], project: str) -> None:
    assignment = api.client.get(f"/api/v1/projects/{project}/assignments", headers=admin).json()
    key = assignment["items"][0]["resource"]
    resource = api.client.get(f"/api/v1/resources/{key}", headers=admin).json()
    reply = api.client.delete(
        f"/api/v1/resources/{key}", headers={**admin, "If-Match": f'"{resource["version"]}"'}
    )
    assert reply.status_code == 409
    assert reply.json()["code"] == "integrity_conflict"
    assert api.client.get(f"/api/v1/resources/{key}", headers=admin).status_code == 200


def test_members_need_an_account_and_a_real_role(
    api: Api, admin: dict[str, str], project: str
) -> None:
    base = f"/api/v1/projects/{project}/members"
    nobody = api.client.put(
        base, json={"email": "nobody@example.com", "role": "viewer"}, headers=admin
    )
    assert nobody.status_code == 422
    assert nobody.json()["code"] == "unknown_user"
    api.user("lena@example.com")
    wrong = api.client.put(base, json={"email": "lena@example.com", "role": "boss"}, headers=admin)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid_role"
    ok = api.client.put(base, json={"email": "lena@example.com", "role": "viewer"}, headers=admin)
    assert ok.status_code == 200, ok.text


def test_portfolios_are_unique_and_must_exist(api: Api, admin: dict[str, str]) -> None:
    body = {"id": "infra", "name": "Infrastructure"}
    assert api.client.post("/api/v1/portfolios", json=body, headers=admin).status_code == 201
    again = api.client.post("/api/v1/portfolios", json=body, headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "portfolio_exists"
    project = {"id": "new-one", "name": "New", "start": "2027-01-04", "portfolio": "nope"}
    unknown = api.client.post("/api/v1/projects", json=project, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_portfolio"
    assert api.client.get("/api/v1/projects/new-one", headers=admin).status_code == 404


def test_a_request_may_not_simulate_without_bound(
    api: Api, admin: dict[str, str], project: str
) -> None:
    from sqlalchemy import select

    from plansmith.storage import tables as t

    with api.database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == "admin@example.com"))
        assert user is not None
        options = SimulationOptions(iterations=project_actions.MAX_ITERATIONS + 1, workers=1)
        with pytest.raises(Invalid) as caught:
            project_actions.simulate(session, user, project, options)
    assert caught.value.code == "too_many_iterations"


def test_browser_sessions_sign_in_and_refuse_cross_site_changes(api: Api, project: str) -> None:
    api.user("lena@example.com", admin=True)
    signed = api.client.post(
        "/api/v1/auth/sign-in",
        json={"email": "lena@example.com", "password": "correct horse battery"},
    )
    assert signed.status_code == 200, signed.text
    assert api.client.get("/api/v1/auth/me").json()["email"] == "lena@example.com"
    body = {"id": "from-browser", "name": "From the browser"}
    url = f"/api/v1/projects/{project}/tasks"
    elsewhere = api.client.post(url, json=body, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    assert elsewhere.json()["code"] == "cross_site_request"
    ours = api.client.post(url, json=body, headers={"Origin": "http://testserver"})
    assert ours.status_code == 201, ours.text
    nowhere = api.client.post(url, json={"id": "x", "name": "x"})  # no Origin: refused too
    assert nowhere.status_code == 403
    assert api.client.post("/api/v1/auth/sign-out").status_code == 204
    assert api.client.get("/api/v1/auth/me").status_code == 401


def test_an_uploaded_plan_cannot_read_server_files(api: Api, admin: dict[str, str]) -> None:
    plan = "project: {id: p, name: P, start: 2027-01-04}\npool: /etc/passwd\ntasks: []\n"
    reply = api.client.post(
        "/api/v1/projects/import",
        content=plan.encode(),
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert reply.status_code == 422
    assert [d["code"] for d in reply.json()["diagnostics"]] == ["pool_not_allowed"]
    assert "root" not in reply.text


def test_pool_items_are_changed_only_by_who_manages_every_project_using_them(
    api: Api, admin: dict[str, str], project: str
) -> None:
    from plansmith.services.access import Role

    member = api.member("dev@example.com", project, Role.MEMBER)
    own = api.client.post(
        "/api/v1/projects",
        json={"id": "side-project", "name": "Side", "start": "2027-01-04"},
        headers=member,
    )
    assert own.status_code == 201, own.text  # they own this one, so they may edit the pool...
    key = api.client.get(f"/api/v1/projects/{project}/assignments", headers=admin).json()["items"][
        0
    ]["resource"]
    resource = api.client.get(f"/api/v1/resources/{key}", headers=member).json()
    version = {"If-Match": f'"{resource["version"]}"'}
    taken = api.client.patch(
        f"/api/v1/resources/{key}", json={"email": "dev@example.com"}, headers={**member, **version}
    )
    assert taken.status_code == 403  # ...but not a resource another project books
    assert taken.json()["code"] == "forbidden"
    renamed = api.client.patch(
        f"/api/v1/resources/{key}", json={"name": "Renamed"}, headers={**member, **version}
    )
    assert renamed.status_code == 403
    mine = api.client.post(
        "/api/v1/resources", json={"id": "side-tester", "name": "Tester"}, headers=member
    )
    assert mine.status_code == 201, mine.text
    with_email = api.client.post(
        "/api/v1/resources",
        json={"id": "side-2", "name": "Two", "email": "dev@example.com"},
        headers=member,
    )
    assert with_email.status_code == 403
    by_admin = api.client.patch(
        f"/api/v1/resources/{key}", json={"email": "dev@example.com"}, headers={**admin, **version}
    )
    assert by_admin.status_code == 200, by_admin.text
