"""MS Project XML through the API: preview, import with the fidelity report, export with our
dates; a broken file is a 422 with located diagnostics and stores nothing."""

from __future__ import annotations

import io
from pathlib import Path

from plansmith.services.mspdi import read_mspdi_upload
from tests.api.conftest import Api

DATA = Path(__file__).resolve().parents[1] / "data" / "mspdi"
XML = {"Content-Type": "application/xml"}


def test_preview_reports_fidelity_and_dates_and_stores_nothing(
    api: Api, admin: dict[str, str]
) -> None:
    data = (DATA / "task-links-project2010-mspdi.xml").read_bytes()
    reply = api.client.post("/api/v1/mspdi/preview", content=data, headers={**admin, **XML})
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["ok"] is True
    assert report["dates"]["compared"] == 16
    assert report["dates"]["differences"] == []
    assert report["summary"]["mapped"] > 0
    assert {"section", "field", "fate", "detail", "count", "examples"} <= set(report["fields"][0])
    listed = api.client.get("/api/v1/projects", headers=admin).json()
    assert all(p["id"] != "task-links-project2010-mspdi" for p in listed["items"])


def test_import_then_export_as_mspdi_gives_the_same_dates_back(
    api: Api, admin: dict[str, str]
) -> None:
    data = (DATA / "mspdirelations-moved.xml").read_bytes()  # Task 5's finish moved by hand
    created = api.client.post(
        "/api/v1/projects/import/mspdi", content=data, headers={**admin, **XML}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "mspdirelations"
    [difference] = body["fidelity"]["dates"]["differences"]
    assert difference["task"] == "task-5"
    exported = api.client.get(
        "/api/v1/projects/mspdirelations/export", params={"format": "mspdi"}, headers=admin
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/xml")
    again = read_mspdi_upload(io.BytesIO(exported.content), "again.xml")
    assert again.ok
    assert again.dates.compared == 5
    assert again.dates.same
    plan = api.client.get("/api/v1/projects/mspdirelations/export", headers=admin)
    assert plan.headers["content-type"].startswith("application/yaml")


def test_a_broken_file_is_refused_with_located_diagnostics(api: Api, admin: dict[str, str]) -> None:
    data = (DATA / "mspdirelations.xml").read_bytes()[:4000]
    reply = api.client.post("/api/v1/projects/import/mspdi", content=data, headers={**admin, **XML})
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "invalid_plan"
    [problem] = body["diagnostics"]
    assert problem["code"] == "mspdi_malformed"
    assert problem["location"]["line"] > 50
    listed = api.client.get("/api/v1/projects", headers=admin).json()
    assert all(p["id"] != "mspdirelations" for p in listed["items"])


def test_an_upload_over_the_limit_is_refused(api: Api, admin: dict[str, str]) -> None:
    too_big = b"<Project>" + b" " * (api.settings.upload_limit_bytes + 1)
    reply = api.client.post("/api/v1/mspdi/preview", content=too_big, headers={**admin, **XML})
    assert reply.status_code == 413


def test_the_files_baselines_become_the_projects(api: Api, admin: dict[str, str]) -> None:
    data = (DATA / "baselines.xml").read_bytes()
    created = api.client.post(
        "/api/v1/projects/import/mspdi", content=data, headers={**admin, **XML}
    )
    assert created.status_code == 201, created.text
    key = created.json()["id"]
    listed = api.client.get(f"/api/v1/projects/{key}/baselines", headers=admin)
    assert [b["name"] for b in listed.json()] == [f"baseline{n}" for n in range(1, 11)]
    assert listed.json()[2]["cost"] == "300"
    exported = api.client.get(
        f"/api/v1/projects/{key}/export", params={"format": "mspdi"}, headers=admin
    )
    again = read_mspdi_upload(io.BytesIO(exported.content), "again.xml")
    assert [b.cost for b in again.imported.baselines] == [100 * n for n in range(1, 11)]
