"""Task tables through the API: the preview, the import as a new project, and every refusal
as ``{code, message, diagnostics}`` with a 4xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from plansmith.api.app import build_app
from tests.api.conftest import Api

URL = "/api/v1/projects/import/table"
TABLE = """\
ID,Task Name,Duration,Predecessors,Resource Names,Outline Level
1,Design,,,,1
2,Write spec,3 days,,Ana[50%],2
3,Review spec,1 day,2FS+1d,Ben,2
4,Build,2 wks,1,Ana,1
5,Live,0 days,4,,1
"""


def _files(data: bytes, name: str = "tasks.csv") -> dict[str, Any]:
    return {"file": (name, data, "application/octet-stream")}


def test_the_preview_shows_the_mapping_rows_and_plan(api: Api, admin: dict[str, str]) -> None:
    reply = api.client.post(f"{URL}/preview", files=_files(TABLE.encode()), headers=admin)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["ok"] is True
    assert [(c["header"], c["field"], c["how"]) for c in body["columns"]][:3] == [
        ("ID", "id", "detected"),
        ("Task Name", "name", "detected"),
        ("Duration", "duration", "detected"),
    ]
    assert [(r["row"], r["level"], r["task_id"]) for r in body["rows"]] == [
        (2, 1, "design"),
        (3, 2, "write-spec"),
        (4, 2, "review-spec"),
        (5, 1, "build"),
        (6, 1, "live"),
    ]
    assert body["plan"]["project"]["name"] == "tasks"
    assert body["plan"]["tasks"][0]["children"][1]["depends"] == [
        {"task": "write-spec", "type": "FS", "lag": "1d"}
    ]
    # The preview stores nothing.
    projects = api.client.get("/api/v1/projects", headers=admin).json()
    assert projects["total"] == 0


def test_the_preview_puts_problems_on_their_rows(api: Api, admin: dict[str, str]) -> None:
    bad = TABLE.replace("1 day", "one day").replace("4,,1", "9,,1")
    mapping = json.dumps({"Resource Names": "ignore"})
    reply = api.client.post(
        f"{URL}/preview", files=_files(bad.encode()), data={"mapping": mapping}, headers=admin
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["ok"] is False
    assert body["plan"] is None
    problems = {
        r["row"]: [(p["code"], p["location"]["column"]) for p in r["problems"]]
        for r in body["rows"]
    }
    assert problems == {
        2: [],
        3: [],
        4: [("invalid_row_value", 3)],
        5: [],
        6: [("unknown_predecessor", 4)],
    }
    assert next(c for c in body["columns"] if c["header"] == "Resource Names")["how"] == "mapped"


def test_a_table_becomes_a_project_its_importer_owns(api: Api) -> None:
    headers = api.user("lena@example.com")
    reply = api.client.post(
        URL,
        files=_files(TABLE.encode()),
        data={"project_name": "Website relaunch", "start": "2027-03-01"},
        headers=headers,
    )
    assert reply.status_code == 201, reply.text
    assert reply.json() == {"id": "website-relaunch", "name": "Website relaunch"}
    tasks = api.client.get(
        "/api/v1/projects/website-relaunch/tasks", params={"limit": 50}, headers=headers
    )
    assert tasks.status_code == 200, tasks.text
    assert {t["id"] for t in tasks.json()["items"]} == {
        "design",
        "write-spec",
        "review-spec",
        "build",
        "live",
    }
    members = api.client.get("/api/v1/projects/website-relaunch/members", headers=headers)
    assert [(m["email"], m["role"]) for m in members.json()] == [("lena@example.com", "owner")]
    schedule = api.client.post("/api/v1/projects/website-relaunch/schedule", headers=headers)
    assert schedule.status_code == 200, schedule.text
    assert schedule.json()["project"]["start"].startswith("2027-03-01")


def test_an_xlsx_into_a_portfolio(api: Api, admin: dict[str, str]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["WBS", "Name", "Duration"], ["1", "Phase", None], ["1.1", "Work", "2d"]):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    reply = api.client.post(
        URL,
        files=_files(data.getvalue(), "plan.xlsx"),
        params={"portfolio": "infra"},
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    project = api.client.get(f"/api/v1/projects/{reply.json()['id']}", headers=admin).json()
    assert project["portfolio"] == "infra"


def test_a_table_with_errors_is_refused_with_located_diagnostics(
    api: Api, admin: dict[str, str]
) -> None:
    bad = "Name,Work\nA,2d\n"  # effort without anyone assigned: a plan check, not a table one
    reply = api.client.post(URL, files=_files(bad.encode()), headers=admin)
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["code"] == "invalid_plan"
    assert [(d["code"], d["location"]) for d in body["diagnostics"]] == [
        ("effort_without_assignment", {"file": "tasks.csv", "line": 2, "column": 2})
    ]


def test_importing_the_same_table_twice_is_a_conflict(api: Api, admin: dict[str, str]) -> None:
    first = api.client.post(URL, files=_files(TABLE.encode()), headers=admin)
    assert first.status_code == 201, first.text
    again = api.client.post(URL, files=_files(TABLE.encode()), headers=admin)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "project_exists"


def _refusals() -> list[tuple[dict[str, Any], str]]:
    """(request, code): each refused with 422."""
    table = _files(TABLE.encode())
    return [
        ({"content": TABLE, "headers": {"Content-Type": "text/csv"}}, "invalid_upload"),
        ({"files": {"other": ("x.csv", b"Name\nA\n", "text/csv")}}, "invalid_upload"),
        ({"files": table, "data": {"mapping": "[1]"}}, "invalid_mapping"),
        ({"files": table, "data": {"mapping": "{not json"}}, "invalid_mapping"),
        ({"files": table, "data": {"start": "soon"}}, "invalid_date"),
        ({"files": _files(b"%PDF-1.4", "tasks.pdf")}, "table_unreadable"),
        ({"files": _files(b"")}, "empty_table"),
    ]


def test_refusals(api: Api, admin: dict[str, str]) -> None:
    for url in (URL, f"{URL}/preview"):
        for request, code in _refusals():
            headers = {**admin, **request.pop("headers", {})}
            reply = api.client.post(url, headers=headers, **request)
            assert (reply.status_code, reply.json()["code"]) == (422, code), (url, code)
            assert set(reply.json()) == {"code", "message", "diagnostics"}


def test_an_upload_over_the_limit_is_refused(api: Api) -> None:
    settings = replace(api.settings, upload_limit_bytes=1024)
    with TestClient(build_app(settings, api.database)) as client:
        headers = api.user("big@example.com")
        big = TABLE + "".join(f"{k},Task {k},1d,,,1\n" for k in range(6, 200))
        for url in (URL, f"{URL}/preview"):
            reply = client.post(url, files=_files(big.encode()), headers=headers)
            assert reply.status_code == 413, reply.text
            assert reply.json()["code"] == "upload_too_large"
