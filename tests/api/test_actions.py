"""Actions on a stored project give the CLI's answers for the same plan, baselines live in the
database, and a plan goes in and out as YAML."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from plansmith.cli.main import app as cli
from plansmith.services.access import Role
from tests.api.conftest import EXAMPLES, Api


def _cli_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_schedule_through_the_api_equals_the_cli(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("datacentre-migration.yaml")
    reply = api.client.post(f"/api/v1/projects/{key}/schedule", headers=admin)
    assert reply.status_code == 200, reply.text
    expected = _cli_json("schedule", str(EXAMPLES / "datacentre-migration.yaml"))
    assert reply.json()["tasks"] == expected["tasks"]
    assert reply.json()["project"] == expected["project"]


def test_leveling_and_simulation_through_the_api(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("saas-launch.yaml")
    leveled = api.client.post(
        f"/api/v1/projects/{key}/level", json={"schedules": 50, "seed": 3}, headers=admin
    )
    assert leveled.status_code == 200, leveled.text
    assert "delay_reasons" in json.dumps(leveled.json())
    simulated = api.client.post(
        f"/api/v1/projects/{key}/simulate", json={"iterations": 200, "seed": 1}, headers=admin
    )
    assert simulated.status_code == 200, simulated.text
    expected = _cli_json(
        "simulate", str(EXAMPLES / "saas-launch.yaml"), "--iterations", "200", "--seed", "1"
    )
    assert simulated.json()["finish"] == expected["finish"]


def test_baselines_and_evm(api: Api, admin: dict[str, str]) -> None:
    key = api.import_example("erp-upgrade-tracking.yaml")
    saved = api.client.post(
        f"/api/v1/projects/{key}/baselines", json={"name": "approved"}, headers=admin
    )
    assert saved.status_code == 201, saved.text
    again = api.client.post(
        f"/api/v1/projects/{key}/baselines", json={"name": "approved"}, headers=admin
    )
    assert again.status_code == 409
    assert again.json()["code"] == "baseline_exists"
    listed = api.client.get(f"/api/v1/projects/{key}/baselines", headers=admin).json()
    assert [b["name"] for b in listed] == ["approved"]
    evm = api.client.get(
        f"/api/v1/projects/{key}/evm", params={"baseline": "approved"}, headers=admin
    )
    assert evm.status_code == 200, evm.text
    expected = _cli_json("evm", str(EXAMPLES / "erp-upgrade-tracking.yaml"))
    figures = ("bac", "pv", "ev", "ac", "cpi", "spi", "eac", "tasks")
    assert {k: evm.json()[k] for k in figures} == {k: expected[k] for k in figures}
    assert evm.json()["baseline"] == "approved"
    stakeholder = api.member("sponsor@example.com", key, Role.STAKEHOLDER)
    assert api.client.get(f"/api/v1/projects/{key}/evm", headers=stakeholder).status_code == 200
    denied = api.client.post(f"/api/v1/projects/{key}/schedule", headers=stakeholder)
    assert denied.status_code == 403


def test_import_export_round_trip(api: Api, admin: dict[str, str], tmp_path: Path) -> None:
    text = (EXAMPLES / "saas-launch.yaml").read_text(encoding="utf-8")
    created = api.client.post(
        "/api/v1/projects/import",
        content=text.encode(),
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert created.status_code == 201, created.text
    key = created.json()["id"]
    first = api.client.get(f"/api/v1/projects/{key}/export", headers=admin)
    assert first.status_code == 200
    deleted = api.client.delete(f"/api/v1/projects/{key}", headers={**admin, "If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.text
    api.client.post(
        "/api/v1/projects/import",
        content=first.content,
        headers={**admin, "Content-Type": "application/yaml"},
    )
    second = api.client.get(f"/api/v1/projects/{key}/export", headers=admin)
    assert second.text == first.text


def test_a_bad_plan_upload_is_refused_with_located_diagnostics(
    api: Api, admin: dict[str, str]
) -> None:
    bad = (
        "project: {id: p, name: P, start: 2027-01-04}\n"
        "tasks:\n  - id: a\n    name: A\n    duration: soon\n"
    )
    reply = api.client.post(
        "/api/v1/projects/import",
        content=bad.encode(),
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "invalid_plan"
    assert body["diagnostics"][0]["code"] == "invalid_duration"
    assert body["diagnostics"][0]["location"]["line"] == 5


def test_an_upload_over_the_limit_is_refused(api: Api, admin: dict[str, str]) -> None:
    huge = b"#" * (api.settings.upload_limit_bytes + 1)
    reply = api.client.post(
        "/api/v1/projects/import",
        content=huge,
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert reply.status_code == 413
    assert reply.json()["code"] == "upload_too_large"


def test_status_history_records_earned_value_for_the_indices_over_time(
    api: Api, admin: dict[str, str]
) -> None:
    key = api.import_example("erp-upgrade-tracking.yaml")
    url = f"/api/v1/projects/{key}/status-history"
    assert api.client.get(url, headers=admin).json() == []
    for day in ("2027-04-30", "2027-05-14"):
        recorded = api.client.post(url, params={"status_date": day}, headers=admin)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["status_date"] == day
    again = api.client.post(url, params={"status_date": "2027-05-14"}, headers=admin)
    assert again.status_code == 201  # the same date is replaced, not kept twice
    history = api.client.get(url, headers=admin).json()
    assert [point["status_date"] for point in history] == ["2027-04-30", "2027-05-14"]
    series = api.client.get(f"/api/v1/projects/{key}/evm", headers=admin).json()["series"]
    assert [point["status_date"] for point in series][:2] == ["2027-04-30", "2027-05-14"]
    assert series[0]["ev"] == history[0]["ev"]
    viewer = api.member("viewer@example.com", key, Role.VIEWER)
    assert api.client.post(url, headers=viewer).status_code == 403
