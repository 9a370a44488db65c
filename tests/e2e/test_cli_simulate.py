"""``plansmith simulate`` and ``plansmith estimate`` run as the installed command: the fixed JSON
fields, tables, files, exit statuses and one line per problem."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

PLANSMITH = Path(sys.executable).parent / "plansmith"
# One line per problem: file:line:col: severity[code]: message
PROBLEM = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
N = 2000
Z = 4.0

PLAN = """\
project: {id: web, name: Website relaunch, start: 2027-01-04, currency: EUR}
resources:
  - {id: dev, name: Developer, rate: 100}
  - {id: qa, name: Tester, rate: 80}
tasks:
  - id: design
    name: Design
    children:
      - {id: spec, name: Write spec, estimate: {optimistic: 1d, likely: 2d, pessimistic: 4d}}
      - {id: review, name: Review spec, duration: 4h, after: [spec]}
  - id: build
    name: Build
    after: [design]
    assign: [dev]
    distribution: triangular
    estimate: {optimistic: 3d, likely: 5d, pessimistic: 9d}
  - id: test
    name: Test
    after: [build]
    assign: [qa]
    distribution: lognormal
    estimate: {optimistic: 1d, likely: 2d, pessimistic: 6d}
  - id: docs
    name: Docs
    after: [spec]
    duration: 1d
    distribution: uniform
    estimate: {optimistic: 1d, likely: 1d, pessimistic: 3d}
  - {id: live, name: Live, milestone: true, after: [test, docs], deadline: 2027-01-22}
  - {id: beta, name: Beta, milestone: true, after: [build]}
risks:
  - id: vendor
    title: Payment vendor late
    probability: 30%
    impact: {schedule: {optimistic: 1d, likely: 2d, pessimistic: 5d}, cost: 2000}
    tasks: [build]
  - id: outage
    title: Staging outage
    probability: 0.1
    impact: {cost: {optimistic: 100, likely: 500, pessimistic: 3000}}
  - {id: old, title: Closed, probability: 0.9, impact: {cost: 1}, status: closed}
correlations:
  - {tasks: [build, test], coefficient: 0.5}
"""

# three-point estimates of PLAN in days (8 h), for the PERT totals worked out by hand
ESTIMATES = {"spec": (1, 2, 4), "build": (3, 5, 9), "test": (1, 2, 6), "docs": (1, 1, 3)}
FIXED = {"review": 0.5}
CRITICAL = ["spec", "review", "build", "test"]

BAD = """\
project: {id: bad, name: Bad, start: 2027-01-04}
tasks:
  - {id: a, name: A, estimate: {optimistic: 3d, likely: 2d, pessimistic: 4d}}
  - {id: b, name: B, estimate: {optimistic: 1d, likely: 2d, pessimistic: 4d}}
risks:
  - {id: r, title: R, probability: 0.5, impact: {schedule: 1d}}
"""

# problems found once the plan has loaded: references and the correlation matrix
BAD_REFERENCES = """\
project: {id: bad, name: Bad, start: 2027-01-04}
tasks:
  - {id: a, name: A, estimate: {optimistic: 1d, likely: 2d, pessimistic: 4d}}
  - {id: b, name: B, estimate: {optimistic: 1d, likely: 2d, pessimistic: 4d}}
risks:
  - {id: r, title: R, probability: 0.5, impact: {schedule: 1d}, tasks: [ghost]}
  - {id: r, title: Again, probability: 0.5, impact: {cost: 1}}
correlations:
  - {tasks: [a, b], coefficient: 0.5}
  - {tasks: [b, a], coefficient: 0.2}
"""
REFERENCE_CODES = ["correlation_conflict", "duplicate_id", "unknown_task"]

LEVEL = """\
project: {id: lv, name: Leveled, start: 2027-01-04}
resources:
  - {id: dev, name: Developer}
tasks:
  - {id: a, name: A, assign: [dev], estimate: {optimistic: %s, likely: 2d, pessimistic: %s}}
  - {id: b, name: B, assign: [dev], estimate: {optimistic: %s, likely: 3d, pessimistic: %s}}
  - {id: c, name: C, duration: 1d}
"""

ROUND_THE_CLOCK = """\
project: {id: rc, name: Round the clock, start: 2027-01-04, calendar: always, hours_per_day: 24}
calendars:
  always: {workdays: [mon, tue, wed, thu, fri, sat, sun], hours: ["00:00-24:00"]}
resources:
  - {id: dev, name: Developer, rate: 10}
tasks:
  - {id: a, name: A, assign: [dev], estimate: {optimistic: 1d, likely: 2d, pessimistic: 6d}}
  - {id: b, name: B, after: [a], estimate: {optimistic: 2d, likely: 2d, pessimistic: 3d}}
risks:
  - id: r
    title: R
    probability: 0.4
    impact: {cost: {optimistic: 10, likely: 50, pessimistic: 400}}
"""


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def problems(stderr: str) -> list[re.Match[str]]:
    lines = stderr.splitlines()
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), f"every stderr line is one problem: {lines}"
    return [m for m in matches if m]


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    return write(tmp_path, PLAN)


def simulate_json(*args: str | Path) -> dict[str, Any]:
    done = run("simulate", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def when(text: str) -> datetime:
    assert WHEN.match(text), text
    return datetime.fromisoformat(text)


# -- simulate -----------------------------------------------------------------------------------


def test_simulate_json_has_the_fixed_fields_and_known_answers(plan_path: Path) -> None:
    doc = simulate_json(plan_path, "-n", str(N), "--seed", "7")
    assert doc["iterations"] == N
    assert doc["seed"] == 7
    assert doc["diagnostics"] == []
    assert doc["sampling"] == "random"
    levels = ["p10", "p50", "p80", "p90", "p95"]
    finish, cost = doc["finish"], doc["cost"]
    assert set(finish) >= {*levels, "mean", "std"}
    assert set(cost) >= {*levels, "mean", "std"}
    dates = [when(finish[p]) for p in levels]
    assert dates == sorted(dates)
    assert dates[0] < dates[-1]
    assert isinstance(finish["std"], float)
    assert finish["std"] > 0
    money = [Decimal(cost[p]) for p in levels]
    assert money == sorted(money)
    assert all(Decimal(cost[k]).as_tuple().exponent == -2 for k in (*levels, "mean", "std"))
    # every leaf, with the critical ones known from the network
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert list(tasks) == ["spec", "review", "build", "test", "docs", "live", "beta"]
    for t in doc["tasks"]:
        assert set(t) >= {"id", "criticality", "sensitivity"}
        assert 0.0 <= t["criticality"] <= 1.0
        assert -1.0 <= t["sensitivity"] <= 1.0
    assert all(tasks[t]["criticality"] == 1.0 for t in [*CRITICAL, "live"])
    assert tasks["docs"]["criticality"] == 0.0, "docs can never catch up with build and test"
    assert tasks["beta"]["criticality"] == 0.0
    assert abs(tasks["docs"]["sensitivity"]) <= Z / math.sqrt(N), "off the path: no influence"
    assert tasks["build"]["sensitivity"] > tasks["spec"]["sensitivity"] > 0
    # open risks only; occurrence near the probability (binomial SE)
    risks = {r["id"]: r for r in doc["risks"]}
    assert list(risks) == ["vendor", "outage"]
    for r in doc["risks"]:
        assert set(r) >= {"id", "occurrence", "sensitivity"}
    assert abs(risks["vendor"]["occurrence"] - 0.3) <= Z * math.sqrt(0.21 / N)
    assert abs(risks["outage"]["occurrence"] - 0.1) <= Z * math.sqrt(0.09 / N)
    assert risks["vendor"]["sensitivity"] > 0
    assert risks["outage"]["sensitivity"] == 0.0, "a cost-only risk does not move the finish"
    milestones = {m["id"]: m for m in doc["milestones"]}
    assert set(milestones) == {"live", "beta"}
    assert all(0.0 <= m["p_on_time"] <= 1.0 for m in doc["milestones"])
    assert milestones["live"]["kind"] == "deadline"
    assert milestones["beta"]["kind"] == "planned"
    schedule = json.loads(run("schedule", plan_path, "-f", "json").stdout)
    beta = next(t for t in schedule["tasks"] if t["id"] == "beta")
    assert milestones["beta"]["target"] == beta["finish"]
    assert doc["project"]["deterministic_finish"] == schedule["project"]["finish"]
    # histogram and cumulative curve over every iteration
    hist = doc["histogram"]["finish"]
    assert sum(hist["counts"]) == N
    assert len(hist["edges"]) == len(hist["counts"]) + 1
    assert hist["cumulative"][-1] == 1.0
    assert sum(doc["histogram"]["cost"]["counts"]) == N
    assert doc["precision"] is None


def test_same_seed_same_output_and_another_seed_another(plan_path: Path) -> None:
    first = run("simulate", plan_path, "-n", "500", "--seed", "3", "-f", "json")
    again = run("simulate", plan_path, "-n", "500", "--seed", "3", "-f", "json")
    other = run("simulate", plan_path, "-n", "500", "--seed", "4", "-f", "json")
    assert first.stdout == again.stdout
    assert json.loads(first.stdout)["finish"] != json.loads(other.stdout)["finish"]


def test_simulate_table(plan_path: Path) -> None:
    done = run("simulate", plan_path, "-n", "300", "--seed", "1")
    assert done.returncode == 0
    assert done.stderr == ""
    out = done.stdout
    assert "Website relaunch" in out
    assert "300 iterations" in out
    for label in ("P10", "P50", "P80", "P90", "P95", "mean", "std"):
        assert label in out
    for name in ("build", "vendor", "Payment vendor late", "live", "beta"):
        assert name in out
    assert "old" not in out.split("Risks")[-1], "closed risks are not listed"


def test_simulate_latin_hypercube(plan_path: Path) -> None:
    doc = simulate_json(plan_path, "-n", "400", "--latin")
    assert doc["sampling"] == "latin_hypercube"
    assert doc["iterations"] == 400


def test_simulate_until_stable_reports_its_precision(plan_path: Path) -> None:
    doc = simulate_json(plan_path, "-n", "300", "--until-stable", "1d", "--seed", "2")
    precision = doc["precision"]
    assert isinstance(precision["stable"], bool)
    assert doc["iterations"] % 300 == 0
    assert doc["iterations"] >= 600, "the first round has nothing to compare with"
    if precision["stable"]:
        assert precision["p80_change_days"] <= 1.0
    low, high = (when(x) for x in precision["p80_interval"])
    assert low <= when(doc["finish"]["p80"]) <= high
    table = run("simulate", plan_path, "-n", "300", "--until-stable", "1d", "--seed", "2")
    assert "P80 stable" in table.stdout or "P80 NOT stable" in table.stdout
    assert "95% interval" in table.stdout


def test_simulate_until_stable_stops_at_the_cap(plan_path: Path) -> None:
    doc = simulate_json(
        plan_path, "-n", "200", "--until-stable", "1min", "--max-iterations", "600", "--seed", "5"
    )
    assert doc["iterations"] == 600
    assert doc["precision"]["stable"] is False


def test_a_bad_until_stable_value_is_one_problem(plan_path: Path) -> None:
    done = run("simulate", plan_path, "--until-stable", "soon")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error[invalid_duration]:")
    assert "--until-stable" in line


def test_simulate_writes_a_file(plan_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "risk.json"
    done = run("simulate", plan_path, "-n", "200", "-f", "json", "-o", out)
    assert done.returncode == 0
    assert done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["iterations"] == 200
    table = tmp_path / "risk.txt"
    done = run("simulate", plan_path, "-n", "200", "-o", table)
    assert done.returncode == 0
    assert done.stdout == ""
    assert "P80" in table.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_bad_plan_exits_1_with_one_line_per_problem(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, BAD)
    done = run("simulate", path, "-n", "50", "-f", fmt)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    found = problems(done.stderr)
    assert all(m["file"] == str(path) for m in found)
    assert sorted(m["code"] for m in found) == ["estimate_out_of_order", "risk_without_tasks"]
    assert all(m["sev"] == "error" for m in found)
    if fmt == "json":
        doc = json.loads(done.stdout)
        assert "finish" not in doc
        assert sorted(d["code"] for d in doc["diagnostics"]) == [
            "estimate_out_of_order",
            "risk_without_tasks",
        ]
    else:
        assert done.stdout == ""


def test_references_are_checked_once_the_plan_loads(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_REFERENCES)
    done = run("simulate", path, "-n", "50")
    assert done.returncode == 1
    assert done.stdout == ""
    found = problems(done.stderr)
    assert sorted(m["code"] for m in found) == REFERENCE_CODES
    assert all(m["file"] == str(path) for m in found)


def test_warnings_still_simulate(tmp_path: Path) -> None:
    late = PLAN.replace("deadline: 2027-01-22", "deadline: 2027-01-05").replace(
        "[build, test], coefficient", "[build, review], coefficient"
    )
    path = write(tmp_path, late)
    done = run("simulate", path, "-n", "200", "-f", "json")
    assert done.returncode == 0
    codes = sorted(m["code"] for m in problems(done.stderr))
    assert codes == ["correlation_without_estimate", "deadline_missed"]
    doc = json.loads(done.stdout)
    live = next(m for m in doc["milestones"] if m["id"] == "live")
    assert live["p_on_time"] == 0.0, "nothing fits in two days"


def test_simulate_a_missing_plan(tmp_path: Path) -> None:
    done = run("simulate", tmp_path / "nowhere.yaml")
    assert done.returncode == 1
    (line,) = problems(done.stderr)
    assert line["code"] == "plan_not_found"


# -- simulate --level ---------------------------------------------------------------------------


def test_leveled_simulation_of_fixed_estimates_is_the_leveled_schedule(tmp_path: Path) -> None:
    path = write(tmp_path, LEVEL % ("2d", "2d", "3d", "3d"))
    leveled = json.loads(run("schedule", path, "--level", "-f", "json").stdout)
    doc = simulate_json(path, "-n", "12", "--level", "--schedules", "3")
    assert doc["leveled"] is True
    finish = leveled["project"]["finish"]
    assert finish == "2027-01-08T18:00", "A and B share the developer: five days in a row"
    assert {doc["finish"][p] for p in ("p10", "p50", "p80", "p90", "p95", "mean")} == {finish}
    assert doc["project"]["deterministic_finish"] == finish
    unleveled = simulate_json(path, "-n", "12")
    assert unleveled["leveled"] is False
    assert unleveled["finish"]["p50"] == "2027-01-06T18:00"
    table = run("simulate", path, "-n", "12", "--level", "--schedules", "3")
    assert table.returncode == 0
    assert "leveled" in table.stdout


def test_leveled_simulation_serialises_the_shared_resource(tmp_path: Path) -> None:
    path = write(tmp_path, LEVEL % ("1d", "4d", "2d", "6d"))
    leveled = simulate_json(path, "-n", "40", "--level", "--schedules", "3", "--seed", "9")
    plain = simulate_json(path, "-n", "40", "--seed", "9")
    # leveled: A then B, at least 1d + 2d; unleveled: the longer of the two
    assert when(leveled["finish"]["min"]) >= datetime(2027, 1, 6, 18, 0)
    assert when(leveled["finish"]["p50"]) > when(plain["finish"]["p50"])
    for m in (leveled, plain):
        assert sum(m["histogram"]["finish"]["counts"]) == 40


# -- estimate -----------------------------------------------------------------------------------


def _pert(o: float, m: float, p: float) -> tuple[float, float]:
    return (o + 4 * m + p) / 6, (p - o) / 6


def test_estimate_json_has_pert_totals_worked_out_by_hand(plan_path: Path) -> None:
    done = run("estimate", plan_path, "-f", "json", "-n", "500")
    assert done.returncode == 0, done.stderr
    est = json.loads(done.stdout)["estimate"]
    pert = {k: _pert(*v) for k, v in ESTIMATES.items()}
    assert est["estimated_tasks"] == len(ESTIMATES)
    mean_total = sum(m for m, _ in pert.values()) + sum(FIXED.values())
    assert est["pert_mean_total_days"] == pytest.approx(mean_total, abs=0.0005)
    assert est["pert_std_total_days"] == pytest.approx(
        math.sqrt(sum(s * s for _, s in pert.values())), abs=0.0005
    )
    path = est["critical_path"]
    planned = sum(ESTIMATES[t][1] if t in ESTIMATES else FIXED[t] for t in CRITICAL)
    path_mean = sum(pert[t][0] if t in pert else FIXED[t] for t in CRITICAL)
    path_std = math.sqrt(sum(pert[t][1] ** 2 for t in CRITICAL if t in pert))
    assert path["planned_days"] == pytest.approx(planned, abs=0.0005)
    assert path["pert_mean_days"] == pytest.approx(path_mean, abs=0.0005)
    assert path["pert_std_days"] == pytest.approx(path_std, abs=0.0005)
    assert path["pert_p80_days"] == pytest.approx(path_mean + 0.8416212 * path_std, abs=0.001)
    assert path["pert_p90_days"] == pytest.approx(path_mean + 1.2815516 * path_std, abs=0.001)
    reserve = est["reserve"]
    assert 0 <= reserve["schedule_p80_days"] <= reserve["schedule_p90_days"]
    assert 0 <= Decimal(reserve["cost_p80"]) <= Decimal(reserve["cost_p90"])


def test_estimate_reserve_is_the_simulated_p80_beyond_the_plan(tmp_path: Path) -> None:
    """Round the clock, a day is 1440 minutes: the reserve is the P80 finish minus the plan."""
    path = write(tmp_path, ROUND_THE_CLOCK)
    est = json.loads(run("estimate", path, "-f", "json", "-n", "3000", "--seed", "4").stdout)
    sim = simulate_json(path, "-n", "3000", "--seed", "4")
    plan_finish = when(sim["project"]["deterministic_finish"])
    for p in (80, 90):
        days = (when(sim["finish"][f"p{p}"]) - plan_finish).total_seconds() / 86400
        assert est["estimate"]["reserve"][f"schedule_p{p}_days"] == pytest.approx(
            max(0.0, days), abs=0.001
        )
        cost = Decimal(sim["cost"][f"p{p}"]) - Decimal(sim["project"]["deterministic_cost"])
        assert abs(Decimal(est["estimate"]["reserve"][f"cost_p{p}"]) - cost) <= Decimal("0.01")
    # task a: 2d at 10 per hour = 480; P80 of the cost is above it (A's mean is 2.5d plus risk)
    assert sim["project"]["deterministic_cost"] == "480.00"


def test_estimate_table(plan_path: Path) -> None:
    done = run("estimate", plan_path, "-n", "300")
    assert done.returncode == 0
    assert done.stderr == ""
    for label in ("PERT", "Reserve", "P80", "P90", "critical path", "4 tasks with three-point"):
        assert label in done.stdout


def test_estimate_of_a_bad_plan(tmp_path: Path) -> None:
    done = run("estimate", write(tmp_path, BAD))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert sorted(m["code"] for m in problems(done.stderr)) == [
        "estimate_out_of_order",
        "risk_without_tasks",
    ]
    done = run("estimate", write(tmp_path, BAD_REFERENCES, "references.yaml"), "-f", "json")
    assert done.returncode == 1
    assert sorted(d["code"] for d in json.loads(done.stdout)["diagnostics"]) == REFERENCE_CODES


# -- known problems -----------------------------------------------------------------------------


def test_check_reports_the_problems_simulate_reports(tmp_path: Path) -> None:
    done = run("check", write(tmp_path, BAD_REFERENCES))
    assert done.returncode == 1
    assert sorted(m["code"] for m in problems(done.stderr)) == REFERENCE_CODES


def test_an_unwritable_output_is_one_line(plan_path: Path, tmp_path: Path) -> None:
    target = tmp_path / ("missing-directory-" * 3) / "risk.json"
    done = run(
        "simulate", plan_path, "-n", "20", "-f", "json", "-o", target,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error[output_not_writable]:")
    assert str(target) in line
