"""``schedule --level``, ``explain``, ``overload`` and shared pools, as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PLANSMITH = Path(sys.executable).parent / "plansmith"

CONTESTED = """\
project: {id: ops, name: Ops, start: 2027-01-04}
resources:
  - {id: dba, name: DBA}
tasks:
  - {id: schema, name: Schema change, duration: 2d, assign: [dba]}
  - {id: backup, name: Backup drill, duration: 1d, assign: [dba]}
  - {id: done, name: Done, milestone: true, after: [schema, backup]}
"""

POOL = """\
resources:
  - {id: dba, name: Shared DBA}
"""

CRM = """\
project: {id: crm, name: CRM, start: 2027-01-04}
pool: pool.yaml
tasks:
  - {id: db, name: DB work, duration: 3d, assign: [dba]}
"""

ERP = """\
project: {id: erp, name: ERP, start: 2027-01-04}
pool: pool.yaml
tasks:
  - {id: db, name: DB patch, duration: 2d, assign: [dba], priority: 900}
"""


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def problems(stderr: str) -> list[tuple[str, str]]:
    """(location, code) of each ``file:line:col: error[code]: message`` line."""
    return re.findall(r"^(.+:\d+:\d+): error\[([a-z_]+)\]", stderr, flags=re.MULTILINE)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def bookings(doc: dict, resource: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((t["start"], t["finish"]) for t in doc["tasks"] if resource in t["resources"])


def test_level_removes_the_overbooking_and_explains_it(tmp_path: Path) -> None:
    plan = write(tmp_path, "ops.yaml", CONTESTED)
    before = json.loads(run("schedule", plan, "-f", "json").stdout)
    assert bookings(before, "dba")[0][0] == bookings(before, "dba")[1][0]  # both start Monday
    done = run("schedule", plan, "--level", "--schedules", "50", "-f", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    (first, second) = bookings(doc, "dba")
    assert first[1] <= second[0], "the DBA is booked twice at once"
    assert doc["leveling"]["status"] == "optimal"  # 3 days of DBA work is a proven bound
    assert doc["project"]["finish"] == "2027-01-06T18:00"
    moved = [t for t in doc["tasks"] if t["delay_reasons"] and not t["milestone"]]
    assert len(moved) == 1
    reason = moved[0]["delay_reasons"][0]
    (done,) = [t for t in doc["tasks"] if t["milestone"]]
    assert done["delay_reasons"][0]["kind"] == "predecessor"  # the finish moved with the work
    assert reason["kind"] == "resource"
    assert reason["resource"] == "dba"
    assert reason["held_by"] == [
        t["id"] for t in doc["tasks"] if t["id"] not in (moved[0]["id"], "done")
    ]
    (dba,) = doc["resources"]
    assert dba["peak"] == 1.0
    assert dba["overloads"] == []


def test_bare_level_means_fast_and_optimal_is_accepted(tmp_path: Path) -> None:
    plan = write(tmp_path, "ops.yaml", CONTESTED)
    for args in (("--level",), ("--level", "fast"), ("--level", "optimal")):
        done = run("schedule", plan, *args, "--time-limit", "5", "-f", "json")
        assert done.returncode == 0, done.stderr
        mode = args[1] if len(args) > 1 else "fast"
        assert json.loads(done.stdout)["leveling"]["mode"] == mode


def test_explain_names_the_resource_and_the_holder(tmp_path: Path) -> None:
    plan = write(tmp_path, "ops.yaml", CONTESTED)
    doc = json.loads(run("schedule", plan, "--level", "-f", "json").stdout)
    moved = next(t for t in doc["tasks"] if t["delay_reasons"] and not t["milestone"])
    done = run("explain", plan, moved["id"])
    assert done.returncode == 0, done.stderr
    holder = moved["delay_reasons"][0]["held_by"][0]
    assert "DBA (dba, capacity 1)" in done.stdout
    assert holder in done.stdout
    unknown = run("explain", plan, "nope")
    assert unknown.returncode == 1
    assert "error[unknown_task]" in unknown.stderr


def test_overload_lists_the_overbooked_period(tmp_path: Path) -> None:
    plan = write(tmp_path, "ops.yaml", CONTESTED)
    done = run("overload", plan)
    assert done.returncode == 0, done.stderr
    assert "DBA (dba)" in done.stdout
    assert "Mon 2027-01-04 09:00" in done.stdout
    assert "Mon 2027-01-04 18:00" in done.stdout  # one day of overlap, booked 2 of 1
    free = write(
        tmp_path,
        "free.yaml",
        CONTESTED.replace("{id: dba, name: DBA}", "{id: dba, name: DBA, capacity: 2}"),
    )
    assert "No resource is booked over its capacity" in run("overload", free).stdout


def test_plans_sharing_a_pool_never_book_a_person_twice(tmp_path: Path) -> None:
    write(tmp_path, "pool.yaml", POOL)
    crm = write(tmp_path, "crm.yaml", CRM)
    erp = write(tmp_path, "erp.yaml", ERP)
    separate = [json.loads(run("schedule", p, "--level", "-f", "json").stdout) for p in (crm, erp)]
    assert separate[0]["tasks"][0]["start"] == separate[1]["tasks"][0]["start"]  # clash
    done = run("schedule", crm, erp, "--level", "-f", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    crm_db = doc["plans"][0]["tasks"][0]
    erp_db = doc["plans"][1]["tasks"][0]
    assert erp_db["start"] == "2027-01-04T09:00", "priority 900 gets the shared DBA first"
    assert crm_db["start"] >= erp_db["finish"]
    assert crm_db["delay_reasons"][0]["held_by"] == ["erp/db"]
    assert [r["id"] for r in doc["resources"]] == ["dba"]


def test_a_missing_pool_is_located_at_the_pool_key(tmp_path: Path) -> None:
    plan = write(tmp_path, "crm.yaml", CRM)
    done = run("check", plan)
    assert done.returncode == 1
    assert problems(done.stderr) == [(f"{plan}:2:7", "pool_not_found")]


def test_plans_with_different_project_calendars_cannot_be_leveled_together(
    tmp_path: Path,
) -> None:
    write(tmp_path, "pool.yaml", POOL)
    crm = write(tmp_path, "crm.yaml", CRM)
    erp = write(
        tmp_path,
        "erp.yaml",
        ERP.replace(
            "pool: pool.yaml\n",
            "pool: pool.yaml\ncalendars:\n"
            "  weekend: {workdays: [sat, sun], hours: ['08:00-16:00']}\n",
        ).replace("start: 2027-01-04}", "start: 2027-01-04, calendar: weekend}"),
    )
    done = run("schedule", crm, erp, "--level")
    assert done.returncode == 1
    column = erp.read_text().splitlines()[0].index("weekend}") + 1
    assert problems(done.stderr) == [(f"{erp}:1:{column}", "portfolio_mismatch")]
