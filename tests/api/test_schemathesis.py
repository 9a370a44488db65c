"""Schemathesis against the app's own OpenAPI document: for every operation, generated requests
(valid and not) never get a 5xx, and every answer matches what the document says (status
code, content type, body schema).

It runs on SQLite with saas-launch.yaml imported, as an administrator (who may call
everything) and as a viewer (who is refused most changes), each with a Bearer token. The
``{project}`` in every path is that project, so requests reach the code behind the role check
instead of stopping at "no such project". Hypothesis is derandomized with a fixed number of
examples per operation, so a run is repeatable and stays short.

The few generated values that would only make a request slow (a 60-second leveling limit, a
100,000-iteration simulation) are capped before sending; what they test (that a long run is
accepted) is not the point here.

Two plain tests keep what Schemathesis found as named regressions: the export is YAML any
reader takes, and values out of range (ids, offsets, a status date) get a 4xx, not a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plansmith.api.app import build_app
from plansmith.config import Settings
from plansmith.services.access import Role
from plansmith.services.projects import import_plan_text
from plansmith.storage.database import Database, upgrade
from tests.api.conftest import EXAMPLES, Api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PER_OPERATION = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# The schema is read from an app built at import time (Schemathesis parametrizes at collection);
# the module's fixture then points that app at a prepared database. (The lazy loader,
# schemathesis.pytest.from_fixture, fails on pytest 9: it sets Function._nodeid.)
APP = build_app(
    Settings(
        database_url="sqlite://",
        data_dir=Path("."),
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    ),
    Database.connect("sqlite://"),
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@dataclass
class Target:
    project: str
    headers: dict[str, str]


@dataclass
class Targets:
    admin: Target
    viewer: Target


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    """SQLite only (the permission and concurrency tests cover PostgreSQL). One database for
    the module: each operation's examples run against what the earlier ones left."""
    directory = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{directory / 'plansmith.db'}"
    database = Database.connect(url)
    upgrade(database.engine)
    settings = Settings(
        database_url=url,
        data_dir=directory,
        secret_key="s" * 48,
        production=False,
        load_demo=False,
    )
    before = APP.state.database, APP.state.settings
    APP.state.database, APP.state.settings = database, settings
    try:
        api = Api(TestClient(APP), database, settings)  # its helpers use the database only
        project = api.import_example("saas-launch.yaml")
        # The viewer's own copy, so nothing the administrator's run deletes is missed.
        text = (EXAMPLES / "saas-launch.yaml").read_text(encoding="utf-8")
        with database.transaction() as session:
            viewer_project = import_plan_text(
                session, text.replace(f"id: {project}", "id: viewed-launch", 1), "viewed.yaml"
            ).key
        yield Targets(
            Target(project, api.user("schemathesis-admin@example.com", admin=True)),
            Target(
                viewer_project,
                api.member("schemathesis-viewer@example.com", viewer_project, Role.VIEWER),
            ),
        )
    finally:
        APP.state.database, APP.state.settings = before
        database.dispose()


def test_the_exported_plan_reads_as_plain_yaml(targets: Targets) -> None:
    """Any YAML reader takes the export, not only Plansmith's (Schemathesis found this: a
    date-time without seconds went out tagged ``!!timestamp``, which ``yaml.safe_load`` cannot
    construct)."""
    admin = targets.admin
    with TestClient(APP) as client:
        reply = client.get(f"/api/v1/projects/{admin.project}/export", headers=admin.headers)
    assert reply.status_code == 200, reply.text
    document = yaml.safe_load(reply.text)
    assert document["project"]["id"] == admin.project


HUGE = "9" * 30  # more than any database integer holds


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", f"/api/v1/auth/tokens/{HUGE}"),
        ("DELETE", f"/api/v1/projects/{{project}}/members/{HUGE}"),
        ("GET", f"/api/v1/projects/{{project}}/dependencies/{HUGE}"),
        ("GET", f"/api/v1/projects/{{project}}/assignments/{HUGE}"),
        ("GET", f"/api/v1/projects/{{project}}/actuals/{HUGE}"),
        ("GET", f"/api/v1/projects/{{project}}/tasks?offset={HUGE}"),
        ("GET", "/api/v1/projects/{project}/tasks?offset=9223372036854775808"),
        ("GET", f"/api/v1/projects?offset={HUGE}"),
        ("GET", f"/api/v1/projects/{{project}}/history?offset={HUGE}"),
        ("GET", "/api/v1/projects/{project}/evm?status_date=9999-12-31"),
    ],
)
def test_values_out_of_range_are_refused_not_crashes(
    targets: Targets, method: str, path: str
) -> None:
    """What Schemathesis found (and its neighbours): numbers no database column holds and a
    date with no day after it are the caller's mistake, answered with a 4xx."""
    admin = targets.admin
    with TestClient(APP, raise_server_exceptions=False) as client:
        reply = client.request(method, path.format(project=admin.project), headers=admin.headers)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text)
    assert reply.json()["code"], reply.text


def _aimed(case: schemathesis.Case, target: Target) -> None:
    """The real project in the path, and no request that is merely slow."""
    if "project" in case.path_parameters:
        case.path_parameters["project"] = target.project
    if isinstance(case.body, dict):
        if case.path.endswith("/level"):
            if isinstance(case.body.get("time_limit"), (int, float)):
                case.body["time_limit"] = min(case.body["time_limit"], 0.2)
            if isinstance(case.body.get("schedules"), int):
                case.body["schedules"] = min(case.body["schedules"], 10)
        if case.path.endswith("/simulate") and isinstance(case.body.get("iterations"), int):
            case.body["iterations"] = min(case.body["iterations"], 50)


@schema.parametrize()
@PER_OPERATION
def test_the_api_keeps_its_documented_promises_for_an_admin(
    case: schemathesis.Case, targets: Targets
) -> None:
    _aimed(case, targets.admin)
    case.call_and_validate(headers=targets.admin.headers, checks=CHECKS)


@schema.parametrize()
@PER_OPERATION
def test_the_api_keeps_its_documented_promises_for_a_viewer(
    case: schemathesis.Case, targets: Targets
) -> None:
    _aimed(case, targets.viewer)
    case.call_and_validate(headers=targets.viewer.headers, checks=CHECKS)
