"""``plansmith budget``, ``baseline save|compare`` and ``evm`` run as the installed command: tables,
the fixed JSON fields, the files next to the plan, exit statuses and one line per problem.

The plan is the worked example of docs/money.md; every figure asserted here is worked out by hand
in the comments (the built-in calendar: Monday to Friday, 8 working hours a day).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PLANSMITH = Path(sys.executable).parent / "plansmith"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# One line per problem: file:line:col: severity[code]: message (the location may be absent for
# problems that are not in the plan file, such as a baseline that exists)
PROBLEM = re.compile(
    r"^(?:(?P<file>.+):(?P<line>\d+):(?P<col>\d+): )?"
    r"(?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
MONEY = re.compile(r"^-?\d+\.\d{2}$")

# The plan as approved, before work began.
APPROVED = """\
project:
  id: portal
  name: Customer portal
  start: 2027-01-04
  currency: EUR
resources:
  - id: dev
    name: Developer
    rate: 100
    rates:
      - {from: 2027-01-11, rate: 120}
    overtime_rate: 150
  - {id: qa, name: Tester, rate: 80}
tasks:
  - id: build
    name: Build
    children:
      - id: spec
        name: Write the specification
        duration: 2d
        assign: [dev]
      - id: code
        name: Code the portal
        duration: 5d
        assign: [dev]
        after: [spec]
        cost: {amount: 1000, accrue: start, category: software}
  - id: test
    name: Test
    duration: 3d
    assign: [qa]
    after: [build]
    cost: 600
    ev_method: 50/50
  - {id: live, name: Portal live, milestone: true, after: [test]}
expenses:
  - {name: Travel to the client, amount: 250.50, date: 2027-01-07, task: code}
  - {name: Domain and certificate, amount: 99, date: 2027-01-20, category: software}
budget:
  - {phase: build, category: labour, amount: 8000}
  - {phase: build, category: software, amount: 1000}
  - {category: labour, amount: 3000}
  - {category: contingency, amount: 500}
"""

# The same plan at the end of its first week (status date Friday 8 January).
TRACKED = (
    APPROVED.replace("  currency: EUR\n", "  currency: EUR\n  status_date: 2027-01-08\n")
    .replace(
        "        duration: 2d\n        assign: [dev]\n",
        "        duration: 2d\n        assign: [dev]\n"
        "        actual_start: 2027-01-04\n        actual_finish: 2027-01-05\n",
    )
    .replace(
        "        after: [spec]\n",
        "        after: [spec]\n        actual_start: 2027-01-06\n        progress: 40%\n",
    )
    + """\
actuals:
  - {task: spec, date: 2027-01-04, resource: dev, hours: 8}
  - {task: spec, date: 2027-01-05, resource: dev, hours: 8}
  - {task: code, date: 2027-01-06, resource: dev, hours: 8}
  - {task: code, date: 2027-01-07, resource: dev, hours: 10, overtime: true}
  - {task: code, date: 2027-01-07, cost: 42}
"""
)

EVM_FIELDS = {
    "status_date",
    "bac",
    "pv",
    "ev",
    "ac",
    "sv",
    "cv",
    "spi",
    "cpi",
    "eac",
    "etc",
    "vac",
    "tcpi_bac",
    "tcpi_eac",
    "es_days",
    "at_days",
    "sv_t_days",
    "spi_t",
    "ieac_t",
    "phases",
    "series",
}
FIGURES = ("bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi")
POINT = {"status_date", *FIGURES, "es_days", "at_days", "spi_t"}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def problems(stderr: str) -> list[re.Match[str]]:
    lines = stderr.splitlines()
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), f"every stderr line is one problem: {lines}"
    return [m for m in matches if m]


def json_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def rows(table: str) -> list[list[str]]:
    """The cells of each row of a Rich table."""
    out = []
    for line in table.splitlines():
        if "│" in line:
            out.append([c.strip() for c in line.split("│")[1:-1]])
    return out


@pytest.fixture
def approved(tmp_path: Path) -> Path:
    path = tmp_path / "portal.yaml"
    path.write_text(APPROVED, encoding="utf-8")
    return path


@pytest.fixture
def tracked(tmp_path: Path) -> Path:
    path = tmp_path / "portal.yaml"
    path.write_text(TRACKED, encoding="utf-8")
    return path


# -- budget ------------------------------------------------------------------------------------


def test_budget_json(tracked: Path) -> None:
    doc = json_of(run("budget", tracked, "-f", "json"))
    assert doc["currency"] == "EUR"
    # spec: 2 days x 8 h x 100 = 1600. code is 40 % done after 3 days, so 60 % of 5 days = 3 days
    # remain: Wed-Fri at 100 (2400), Mon-Wed at the new 120 (2880), 1000 of software on its first
    # day and the 250.50 of travel: 6530.50. test: 3 x 8 x 80 = 1920 + 600 services = 2520.
    # The domain (99) is the project's.
    assert doc["total_planned"] == "10749.50"
    assert doc["total_budget"] == "12500.00"
    assert doc["by_phase"] == {"build": "8130.50", "test": "2520.00", "": "99.00"}
    assert doc["by_category"] == {"labour": "8800.00", "software": "1099.00", "services": "850.50"}
    lines = {(line["phase"], line["category"]): line for line in doc["lines"]}
    assert {k: (v["budget"], v["planned"], v["variance"]) for k, v in lines.items()} == {
        (None, "labour"): ("3000.00", "1920.00", "1080.00"),  # covers test's labour
        (None, "software"): (None, "99.00", None),
        (None, "contingency"): ("500.00", "0.00", "500.00"),
        ("build", "labour"): ("8000.00", "6880.00", "1120.00"),
        ("build", "software"): ("1000.00", "1000.00", "0.00"),
        ("build", "services"): (None, "250.50", None),
        ("test", "services"): (None, "600.00", None),
    }
    assert [(line["phase"] or "", line["category"]) for line in doc["lines"]] == [
        ("", "labour"),
        ("", "software"),
        ("", "contingency"),
        ("build", "labour"),
        ("build", "software"),
        ("build", "services"),
        ("test", "services"),
    ]
    assert doc["cash_flow"] == [
        {"month": "2027-01", "planned": "10749.50", "cumulative": "10749.50"}
    ]
    assert doc["by_phase_month"] == {
        "build": {"2027-01": "8130.50"},
        "test": {"2027-01": "2520.00"},
        "": {"2027-01": "99.00"},
    }
    assert doc["diagnostics"] == []


def test_budget_table(tracked: Path) -> None:
    done = run("budget", tracked)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    cells = rows(done.stdout)
    assert ["build", "labour", "8000.00", "6880.00", "1120.00"] in cells
    assert ["(project)", "labour", "3000.00", "1920.00", "1080.00"] in cells
    assert ["test", "services", "-", "600.00", "not budgeted"] in cells
    assert ["total", "", "12500.00", "10749.50", ""] in cells
    assert ["2027-01", "10749.50", "10749.50"] in cells  # the cash flow
    assert "Cash flow" in done.stdout


def test_budget_cash_flow_runs_over_months(tmp_path: Path) -> None:
    """Labour on each working day at the rate of that day, month by month."""
    path = tmp_path / "long.yaml"
    path.write_text(
        "project: {id: l, name: L, start: 2027-01-25}\n"
        "resources:\n  - {id: r, rate: 10, rates: [{from: 2027-02-01, rate: 20}]}\n"
        "tasks:\n  - {id: a, name: A, duration: 10d, assign: [r]}\n",
        encoding="utf-8",
    )
    doc = json_of(run("budget", path, "--format", "json"))
    # Mon 25 to Fri 29 January at 10 (5 x 80), Mon 1 to Fri 5 February at 20 (5 x 160)
    assert doc["cash_flow"] == [
        {"month": "2027-01", "planned": "400.00", "cumulative": "400.00"},
        {"month": "2027-02", "planned": "800.00", "cumulative": "1200.00"},
    ]


def test_budget_output_file(tracked: Path, tmp_path: Path) -> None:
    out = tmp_path / "budget.json"
    done = run("budget", tracked, "-f", "json", "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["total_planned"] == "10749.50"
    table = tmp_path / "budget.txt"
    assert run("budget", tracked, "--output", table).returncode == 0
    assert "10749.50" in table.read_text(encoding="utf-8")


def test_budget_output_not_writable(tracked: Path, tmp_path: Path) -> None:
    done = run("budget", tracked, "-f", "json", "-o", tmp_path / "no" / "such" / "dir.json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert [m["code"] for m in problems(done.stderr)] == ["output_not_writable"]


# -- baselines ---------------------------------------------------------------------------------


def baselines_of(plan: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        plan.with_name(plan.stem + ".baselines.json").read_text(encoding="utf-8")
    )
    return doc


def test_baseline_save_writes_next_to_the_plan(approved: Path) -> None:
    done = run("baseline", "save", approved, "approved")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    written = approved.parent / "portal.baselines.json"
    assert written.is_file()
    assert str(written) in done.stdout
    assert "approved" in done.stdout
    saved = baselines_of(approved)["baselines"]["approved"]
    # code planned for five days (Wed 6 to Tue 12): 3 x 800 + 2 x 960 + 1000 + 250.50 = 5570.50
    assert saved["finish"] == "2027-01-15T18:00"
    assert saved["start"] == "2027-01-04T09:00"
    assert saved["tasks"]["code"]["finish"] == "2027-01-12T18:00"
    assert float(saved["tasks"]["code"]["cost"]) == 5570.50
    assert float(saved["tasks"]["build"]["cost"]) == 1600 + 5570.50  # a summary's is its total
    assert float(saved["cost"]) == 9690.50 + 99  # the project's expenses too
    assert set(saved["tasks"]) == {"build", "spec", "code", "test", "live"}
    days = {d: float(a) for d, a in saved["tasks"]["code"]["days"]}
    assert days == {
        "2027-01-06": 1800.0,  # 800 of labour and the 1000 of software at the start
        "2027-01-07": 1050.5,  # and the travel
        "2027-01-08": 800.0,
        "2027-01-11": 960.0,  # the new rate
        "2027-01-12": 960.0,
    }
    assert list(approved.parent.iterdir()) == [approved, written] or set(
        approved.parent.iterdir()
    ) == {approved, written}


def test_a_second_save_needs_force(approved: Path) -> None:
    assert run("baseline", "save", approved, "approved").returncode == 0
    written = approved.with_name("portal.baselines.json")
    before = written.read_bytes()
    again = run("baseline", "save", approved, "approved")
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    assert len(again.stderr.splitlines()) == 1
    assert [m["code"] for m in problems(again.stderr)] == ["baseline_exists"]
    assert again.stdout == ""
    assert written.read_bytes() == before
    # --force replaces it with the plan as it is now
    approved.write_text(APPROVED.replace("rate: 80", "rate: 90"), encoding="utf-8")
    forced = run("baseline", "save", approved, "approved", "--force")
    assert forced.returncode == 0, forced.stderr
    saved = baselines_of(approved)["baselines"]
    assert list(saved) == ["approved"]
    assert float(saved["approved"]["tasks"]["test"]["cost"]) == 3 * 8 * 90 + 600


def test_baseline_compare_latest_against_the_plan_now(approved: Path) -> None:
    assert run("baseline", "save", approved, "approved").returncode == 0
    approved.write_text(TRACKED, encoding="utf-8")  # a week later
    doc = json_of(run("baseline", "compare", approved, "-f", "json"))
    assert (doc["from"], doc["to"]) == ("approved", "current")
    assert doc["currency"] == "EUR"
    # code needs six days instead of five: the finish moves from Fri 15 to Mon 18, one working day
    assert doc["finish"] == ["2027-01-15T18:00", "2027-01-18T18:00"]
    assert doc["finish_variance_days"] == 1.0
    # one more day of code at 120 x 8
    assert doc["cost"] == ["9789.50", "10749.50"]
    assert doc["cost_variance"] == "960.00"
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert set(tasks) == {"build", "spec", "code", "test", "live"}
    code = tasks["code"]
    assert code["finish"] == ["2027-01-12T18:00", "2027-01-13T18:00"]
    assert (code["start_variance_days"], code["finish_variance_days"]) == (0.0, 1.0)
    assert (code["cost"], code["cost_variance"]) == (["5570.50", "6530.50"], "960.00")
    assert tasks["test"]["start_variance_days"] == 1.0
    assert tasks["spec"]["cost_variance"] == "0.00"
    assert doc["added"] == []
    assert doc["removed"] == []
    assert doc["diagnostics"] == []
    table = run("baseline", "compare", approved)
    assert table.returncode == 0, table.stderr
    assert "'approved' -> 'current'" in table.stdout
    changed = {cells[0] for cells in rows(table.stdout)}
    assert {"code", "test", "live", "build"} <= changed
    assert "spec" not in changed  # unchanged tasks are left out of the table


def test_baseline_compare_two_baselines(approved: Path) -> None:
    assert run("baseline", "save", approved, "approved").returncode == 0
    approved.write_text(
        TRACKED.replace(
            "  - {id: live,",
            "  - {id: docs, name: User guide, duration: 1d, after: [test]}\n  - {id: live,",
        ).replace(
            "name: Portal live, milestone: true, after: [test]",
            "name: Portal live, milestone: true, after: [test, docs]",
        ),
        encoding="utf-8",
    )
    assert run("baseline", "save", approved, "rev2").returncode == 0
    doc = json_of(run("baseline", "compare", approved, "approved", "rev2", "-f", "json"))
    assert (doc["from"], doc["to"]) == ("approved", "rev2")
    assert doc["added"] == ["docs"]
    assert doc["removed"] == []
    # one more day for code, and the guide's day after test (no one assigned: no cost)
    assert doc["finish_variance_days"] == 2.0
    assert doc["cost_variance"] == "960.00"
    back = json_of(run("baseline", "compare", approved, "rev2", "approved", "-f", "json"))
    assert (back["removed"], back["added"]) == (["docs"], [])
    assert back["finish_variance_days"] == -2.0
    assert back["cost_variance"] == "-960.00"
    # the latest is rev2, which is the plan now
    latest = json_of(run("baseline", "compare", approved, "-f", "json"))
    assert (latest["from"], latest["to"]) == ("rev2", "current")
    assert latest["cost_variance"] == "0.00"
    assert latest["finish_variance_days"] == 0.0
    assert run("baseline", "compare", approved, "rev2").returncode == 0


def test_baseline_compare_unknown_name(approved: Path) -> None:
    nothing = run("baseline", "compare", approved)
    assert nothing.returncode == 1
    assert [m["code"] for m in problems(nothing.stderr)] == ["unknown_baseline"]
    assert run("baseline", "save", approved, "approved").returncode == 0
    for args in (["rev9"], ["approved", "rev9"]):
        done = run("baseline", "compare", approved, *args)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert [m["code"] for m in problems(done.stderr)] == ["unknown_baseline"]
        assert done.stdout == ""
    as_json = run("baseline", "compare", approved, "rev9", "-f", "json")
    assert as_json.returncode == 1
    assert [d["code"] for d in json.loads(as_json.stdout)["diagnostics"]] == ["unknown_baseline"]


def test_a_damaged_baselines_file_is_one_line(approved: Path) -> None:
    approved.with_name("portal.baselines.json").write_text("{oops", encoding="utf-8")
    for args in (["save", approved, "x"], ["compare", approved]):
        done = run("baseline", *args)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert [m["code"] for m in problems(done.stderr)] == ["baseline_file_invalid"]
    assert approved.with_name("portal.baselines.json").read_text(encoding="utf-8") == "{oops"


# -- evm ---------------------------------------------------------------------------------------


def test_evm_json_has_the_fixed_fields_and_the_figures(tracked: Path) -> None:
    doc = json_of(run("evm", tracked, "-f", "json"))
    assert doc.keys() >= EVM_FIELDS
    assert set(doc["eac"]) == {"typical", "atypical", "cpi_spi", "bottom_up"}
    assert doc["status_date"] == "2027-01-08"
    assert doc["baseline"] is None
    # BAC: spec 1600 + code 6530.50 + test 2520 (the domain is no task's)
    # PV to Friday: spec 1600, code 800 x 3 + 1000 + 250.50
    # EV: spec 1600 (finished) + 40 % of 6530.50 + test 0 (not started, 50/50)
    # AC: spec 16 h x 100; code 8 h x 100 + 10 h overtime x 150 + 42
    assert {k: doc[k] for k in ("bac", "pv", "ev", "ac", "sv", "cv")} == {
        "bac": "10650.50",
        "pv": "5250.50",
        "ev": "4212.20",
        "ac": "3942.00",
        "sv": "-1038.30",
        "cv": "270.20",
    }
    assert (doc["spi"], doc["cpi"]) == (0.8022, 1.0685)  # 4212.20/5250.50, 4212.20/3942
    # typical BAC/CPI = 10650.50 x 3942 / 4212.20; atypical 3942 + 6438.30;
    # bottom-up 3942 + code's 3 days after Friday at 960 + test 2520
    assert doc["eac"] == {
        "typical": "9967.30",
        "atypical": "10380.30",
        "cpi_spi": "11452.53",
        "bottom_up": "9342.00",
    }
    assert (doc["etc"], doc["vac"]) == ("6025.30", "683.20")
    assert doc["tcpi_bac"] == 0.9597  # 6438.30 / 6708.50
    assert doc["tcpi_eac"] == doc["cpi"]  # always, against the typical EAC
    # cumulative PV at the end of working days 1-5: 800, 1600, 3400, 4450.50, 5250.50;
    # ES = 3 + (4212.20 - 3400) / 1050.50; AT = 5; PD = 11 (Mon 4 to Mon 18)
    assert doc["es_days"] == 3.77
    assert doc["at_days"] == 5
    assert doc["pd_days"] == 11
    assert doc["sv_t_days"] == -1.23
    assert doc["spi_t"] == 0.7546
    assert doc["ieac_t"] == 14.58  # 11 / 0.75464
    phases = {p["id"]: p for p in doc["phases"]}
    assert set(phases) == {"build", "test", "live"}
    assert phases["build"]["name"] == "Build"
    # nothing of test is planned, earned or spent yet: the project's figures are build's
    assert {k: phases["build"][k] for k in FIGURES if k != "bac"} == {
        k: doc[k] for k in FIGURES if k != "bac"
    }
    assert phases["build"]["bac"] == "8130.50"
    assert (phases["test"]["bac"], phases["test"]["spi"], phases["test"]["cpi"]) == (
        "2520.00",
        None,
        None,
    )
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert (tasks["code"]["complete"], tasks["code"]["ac_source"]) == (0.4, "bookings")
    assert (tasks["spec"]["complete"], tasks["test"]["ac_source"]) == (1.0, "none")
    assert tasks["test"]["method"] == "50/50"
    assert [{k: p[k] for k in POINT} for p in doc["series"]] == [{k: doc[k] for k in POINT}]
    for value in (doc["bac"], doc["eac"]["typical"], phases["build"]["ac"]):
        assert MONEY.match(value)
    assert doc["diagnostics"] == []


def test_evm_table(tracked: Path) -> None:
    done = run("evm", tracked)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "earned value at 2027-01-08" in done.stdout
    cells = rows(done.stdout)
    assert ["BAC", "10650.50", "EAC (BAC/CPI)", "9967.30"] in cells
    assert ["EV", "4212.20", "EAC (CPI x SPI)", "11452.53"] in cells
    assert ["ES (days)", "3.77", "AT (days)", "5"] in cells
    assert ["SV(t) (days)", "-1.23", "SPI(t)", "0.7546"] in cells
    assert ["build", "8130.50", "5250.50", "4212.20", "3942.00", "0.8022", "1.0685"] in cells
    assert ["test", "2520.00", "0.00", "0.00", "0.00", "n/a", "n/a"] in cells


def test_evm_against_a_baseline(approved: Path) -> None:
    assert run("baseline", "save", approved, "approved").returncode == 0
    approved.write_text(TRACKED, encoding="utf-8")
    doc = json_of(run("evm", approved, "--baseline", "approved", "-f", "json"))
    assert doc["baseline"] == "approved"
    # BAC from the baseline: 1600 + 5570.50 + 2520; PV to Friday is the same as planned then;
    # EV = 1600 + 40 % of 5570.50; AC is what was booked
    assert {k: doc[k] for k in ("bac", "pv", "ev", "ac")} == {
        "bac": "9690.50",
        "pv": "5250.50",
        "ev": "3828.20",
        "ac": "3942.00",
    }
    assert (doc["spi"], doc["cpi"]) == (0.7291, 0.9711)
    assert doc["eac"]["bottom_up"] == "9342.00"  # the plan as it is now, after Friday
    # PD = 10 (the baseline finishes Fri 15); ES = 3 + (3828.20 - 3400) / 1050.50
    assert (doc["pd_days"], doc["es_days"], doc["spi_t"], doc["ieac_t"]) == (
        10,
        3.41,
        0.6815,
        14.67,
    )
    unknown = run("evm", approved, "--baseline", "nope")
    assert unknown.returncode == 1
    assert [m["code"] for m in problems(unknown.stderr)] == ["unknown_baseline"]


def test_evm_at_another_status_date(tracked: Path) -> None:
    doc = json_of(run("evm", tracked, "--status-date", "2027-01-07", "-f", "json"))
    assert doc["status_date"] == "2027-01-07"
    # Rescheduled as of Thursday: code has done two days, and 60 % of five days remain, so it
    # ends on Tue 12 (BAC 3 x 800 + 2 x 960 + 1000 + 250.50 = 5570.50) and test runs Wed 13 to
    # Fri 15 (PD 10). PV to Thursday: 1600 + 800 + 1000 + 800 + 250.50;
    # EV: 1600 + 40 % of 5570.50; every booking is on or before Thursday
    assert (doc["pv"], doc["ev"], doc["ac"]) == ("4450.50", "3828.20", "3942.00")
    assert (doc["at_days"], doc["pd_days"]) == (4, 10)
    # bottom-up: AC + code's Friday at 100, Monday and Tuesday at 120, and test's 2520
    assert doc["eac"]["bottom_up"] == "9182.00"


def test_evm_before_a_task_started(tracked: Path) -> None:
    """At Tuesday, code (started on Wednesday) has earned nothing whatever its progress says."""
    done = run("evm", tracked, "--status-date", "2027-01-05", "-f", "json")
    assert done.returncode == 0, done.stderr
    found = problems(done.stderr)
    assert [m["code"] for m in found] == ["actual_after_status_date"]
    started = TRACKED.splitlines().index("        actual_start: 2027-01-06") + 1
    assert int(found[0]["line"]) == started
    doc = json.loads(done.stdout)
    # spec's two days are planned, earned and booked by Tuesday
    assert (doc["pv"], doc["ev"], doc["ac"], doc["at_days"]) == ("1600.00", "1600.00", "1600.00", 2)
    code = next(t for t in doc["tasks"] if t["id"] == "code")
    # its bookings all come later: it has bookings, none spent by Tuesday
    assert (code["complete"], code["ev"], code["ac"], code["ac_source"]) == (
        0.0,
        "0.00",
        "0.00",
        "bookings",
    )


def test_evm_record_twice_gives_a_series_of_two(tracked: Path) -> None:
    first = run("evm", tracked, "--status-date", "2027-01-07", "--record")
    assert first.returncode == 0, first.stderr
    status = tracked.with_name("portal.status.json")
    assert status.is_file()
    doc = json_of(run("evm", tracked, "--record", "-f", "json"))
    assert [p["status_date"] for p in doc["series"]] == ["2027-01-07", "2027-01-08"]
    assert all(set(p) == POINT for p in doc["series"])
    assert doc["series"][0]["pv"] == "4450.50"
    assert doc["series"][1] == {k: doc[k] for k in POINT}
    kept = json.loads(status.read_text(encoding="utf-8"))["snapshots"]
    assert [p["status_date"] for p in kept] == ["2027-01-07", "2027-01-08"]
    # recording the same date again replaces its point; not recording adds nothing
    assert run("evm", tracked, "--record").returncode == 0
    again = json_of(run("evm", tracked, "--status-date", "2027-01-06", "-f", "json"))
    assert [p["status_date"] for p in again["series"]] == [
        "2027-01-06",
        "2027-01-07",
        "2027-01-08",
    ]
    kept = json.loads(status.read_text(encoding="utf-8"))["snapshots"]
    assert [p["status_date"] for p in kept] == ["2027-01-07", "2027-01-08"]


def test_evm_without_a_status_date(approved: Path) -> None:
    done = run("evm", approved)
    assert done.returncode == 1
    found = problems(done.stderr)
    assert [(m["code"], m["line"]) for m in found] == [("status_date_missing", "2")]
    given = json_of(run("evm", approved, "--status-date", "2027-01-08", "-f", "json"))
    assert given["ev"] == "0.00"


def test_evm_with_a_bad_status_date_is_a_usage_error(tracked: Path) -> None:
    done = run("evm", tracked, "--status-date", "next friday")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert [m["code"] for m in problems(done.stderr)] == ["invalid_date"]


def test_bad_input_is_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        TRACKED.replace("progress: 40%", "progress: 140%")
        .replace("category: contingency", "category: reserve")
        .replace("hours: 10, overtime: true", "hours: 10, cost: 5"),
        encoding="utf-8",
    )
    for command in (["budget"], ["evm"], ["evm", "-f", "json"], ["baseline", "save"]):
        args = [*command, path] + (["x"] if command == ["baseline", "save"] else [])
        done = run(*args)
        assert done.returncode == 1, command
        assert "Traceback" not in done.stderr
        found = problems(done.stderr)
        assert sorted(m["code"] for m in found) == ["invalid_value"] * 3
        assert {m["file"] for m in found} == {str(path)}
        assert len({m["line"] for m in found}) == 3
    assert not path.with_name("bad.baselines.json").exists()
    as_json = run("budget", path, "-f", "json")
    assert len(json.loads(as_json.stdout)["diagnostics"]) == 3


def test_money_references_are_located(tracked: Path) -> None:
    tracked.write_text(
        TRACKED.replace(
            "{task: code, date: 2027-01-07, cost: 42}", "{task: cod, date: 2027-01-07, cost: 42}"
        ).replace(
            "resource: dev, hours: 8}\n  - {task: code",
            "resource: qa2, hours: 8}\n  - {task: code",
            1,
        ),
        encoding="utf-8",
    )
    lines = TRACKED.splitlines()
    done = run("evm", tracked)
    assert done.returncode == 1
    found = [(m["code"], int(m["line"])) for m in problems(done.stderr)]
    assert sorted(found) == sorted(
        [
            ("unknown_task", next(i for i, x in enumerate(lines, 1) if "cost: 42" in x)),
            (
                "unknown_resource",
                next(i for i, x in enumerate(lines, 1) if "2027-01-05, resource: dev" in x),
            ),
        ]
    )


def test_warnings_do_not_stop_the_money_commands(tracked: Path) -> None:
    tracked.write_text(
        TRACKED.replace("    overtime_rate: 150\n", "").replace(
            "  - {id: qa, name: Tester, rate: 80}",
            "  - {id: qa, name: Tester, rate: 80}\n  - {id: intern, name: Intern}",
        )
        + "  - {task: code, date: 2027-01-08, resource: intern, hours: 4}\n",
        encoding="utf-8",
    )
    done = run("evm", tracked, "-f", "json")
    assert done.returncode == 0
    codes = sorted(m["code"] for m in problems(done.stderr))
    assert codes == ["booking_without_rate", "overtime_without_rate"]
    doc = json.loads(done.stdout)
    assert sorted(d["code"] for d in doc["diagnostics"]) == codes
    # the overtime is at the normal rate (10 h x 100 instead of 150), the intern costs nothing
    assert doc["ac"] == "3442.00"


# -- the bundled example -----------------------------------------------------------------------


def test_the_tracking_example_checks_budgets_and_earns(tmp_path: Path) -> None:
    example = tmp_path / "erp-upgrade-tracking.yaml"
    shutil.copy(EXAMPLES / "erp-upgrade-tracking.yaml", example)
    checked = run("check", example)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""
    budget = json_of(run("budget", example, "-f", "json"))
    assert {line["category"] for line in budget["lines"]} >= {
        "labour",
        "hardware",
        "software",
        "services",
        "training",
        "contingency",
        "management_reserve",
    }
    assert len(budget["cash_flow"]) >= 6
    doc = json_of(run("evm", example, "-f", "json"))
    assert doc.keys() >= EVM_FIELDS
    assert doc["status_date"] == "2027-05-14"
    sources = {t["ac_source"] for t in doc["tasks"]}
    assert sources == {"bookings", "progress", "none"}
    methods = {t["method"] for t in doc["tasks"]}
    assert methods == {"percent_complete", "0/100", "weighted_milestones"}
    assert 0 < float(doc["ev"]) < float(doc["bac"])
    assert run("baseline", "save", example, "approved").returncode == 0
    assert json_of(run("evm", example, "--baseline", "approved", "-f", "json"))["baseline"] == (
        "approved"
    )


# -- known gaps, pinned --------------------------------------------------------------------


def test_status_date_option_is_the_same_as_the_plan_status_date(tmp_path: Path) -> None:
    at_friday = tmp_path / "friday.yaml"
    at_friday.write_text(TRACKED, encoding="utf-8")
    at_wednesday = tmp_path / "wednesday.yaml"
    at_wednesday.write_text(
        TRACKED.replace("status_date: 2027-01-08", "status_date: 2027-01-06"), encoding="utf-8"
    )
    by_option = json_of(run("evm", at_friday, "--status-date", "2027-01-06", "-f", "json"))
    in_plan = json_of(run("evm", at_wednesday, "-f", "json"))
    assert by_option == in_plan
    # rescheduled as of Wednesday: code has one day done and three to go (Thu 7 to Mon 11), test
    # runs Tue 12 to Thu 14 (PD 9). Booked by Wednesday: 1600 + 800. Planned after Wednesday:
    # code 800 + 250.50 + 800 + 960, test 1920 + 600.
    assert (in_plan["pd_days"], in_plan["ac"]) == (9, "2400.00")
    assert in_plan["eac"]["bottom_up"] == "7730.50"


def test_a_task_finished_on_the_status_date_has_earned_it_all(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        TRACKED.replace("status_date: 2027-01-08", "status_date: 2027-01-05")
        .replace(
            "        actual_start: 2027-01-04\n",
            "        actual_start: 2027-01-04\n        ev_method: 0/100\n",
        )
        .replace("        actual_start: 2027-01-06\n        progress: 40%\n", ""),
        encoding="utf-8",
    )
    doc = json_of(run("evm", path, "-f", "json"))
    spec = next(t for t in doc["tasks"] if t["id"] == "spec")
    assert (spec["complete"], spec["ev"]) == (1.0, "1600.00")


def test_a_finished_task_earns_all_whatever_its_old_progress(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        TRACKED.replace(
            "        actual_finish: 2027-01-05\n",
            "        actual_finish: 2027-01-05\n        progress: 50\n",
        ),
        encoding="utf-8",
    )
    doc = json_of(run("evm", path, "-f", "json"))
    spec = next(t for t in doc["tasks"] if t["id"] == "spec")
    assert spec["ev"] == "1600.00"


def test_a_booking_on_a_summary_counts_for_its_phase(tracked: Path) -> None:
    tracked.write_text(TRACKED + "  - {task: build, date: 2027-01-08, cost: 100}\n", "utf-8")
    done = run("evm", tracked, "-f", "json")
    assert done.returncode == 0
    found = problems(done.stderr)
    assert [(m["code"], int(m["line"])) for m in found] == [
        ("booking_on_summary", len(TRACKED.splitlines()) + 1)
    ]
    doc = json.loads(done.stdout)
    assert doc["ac"] == "4042.00"
    build = next(p for p in doc["phases"] if p["id"] == "build")
    assert (build["ac"], build["ev"]) == ("4042.00", "4212.20")
    row = next(t for t in doc["tasks"] if t["id"] == "build")  # the phase's own row
    assert (row["bac"], row["ev"], row["ac"], row["ac_source"]) == (
        "0.00",
        "0.00",
        "100.00",
        "bookings",
    )


def test_a_task_removed_since_the_baseline_keeps_its_budget(approved: Path) -> None:
    assert run("baseline", "save", approved, "approved").returncode == 0
    approved.write_text(
        TRACKED.replace(
            "  - id: test\n    name: Test\n    duration: 3d\n    assign: [qa]\n"
            "    after: [build]\n    cost: 600\n    ev_method: 50/50\n",
            "",
        ).replace("after: [test]}", "after: [build]}"),
        encoding="utf-8",
    )
    doc = json_of(run("evm", approved, "--baseline", "approved", "-f", "json"))
    assert doc["bac"] == "9690.50"  # test's 2520 is still in the budget
    removed = [p for p in doc["phases"] if p["id"] not in ("build", "live")]
    assert [(p["bac"], p["pv"], p["ev"], p["ac"]) for p in removed] == [
        ("2520.00", "0.00", "0.00", "0.00")
    ]
    compared = json_of(run("baseline", "compare", approved, "-f", "json"))
    assert compared["removed"] == ["test"]


def test_an_expense_on_a_summary_is_in_the_budget_at_completion(tracked: Path) -> None:
    tracked.write_text(
        TRACKED.replace(
            "expenses:\n",
            "expenses:\n  - {name: Workshop room, amount: 300, date: 2027-01-05, task: build}\n",
        ),
        encoding="utf-8",
    )
    budget = json_of(run("budget", tracked, "-f", "json"))
    assert budget["by_phase"]["build"] == "8430.50"
    done = run("evm", tracked, "-f", "json")
    assert done.returncode != 0 or json.loads(done.stdout)["bac"] == "10950.50"
