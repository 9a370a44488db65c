"""``plansmith evaluate`` and ``plansmith inventory``: exit statuses, JSON shapes, codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PLANSMITH = Path(sys.executable).parent / "plansmith"
EXAMPLE = Path(__file__).parents[2] / "examples" / "portfolio" / "portfolio.yaml"

PLAN = """\
project: {id: ops, name: Ops, start: 2027-01-04, status_date: 2027-03-01}
tasks:
  - {id: a, name: A, duration: 2d}
systems:
  - {id: pg, name: Postgres, type: software, renewal: 2027-04-01, renewal_cost: 900,
     end_of_life: 2027-09-30}
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLANSMITH), *args], capture_output=True, text=True, check=False)


def test_evaluate_scores_proposals_and_ranks_options() -> None:
    done = _run("evaluate", str(EXAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [(p["id"], p["score"]) for p in data["proposals"]] == [
        ("sso-rollout", "4.15"),
        ("data-lake", "2.65"),
    ]
    (evaluation,) = data["evaluations"]
    assert evaluation["best_score"] == evaluation["best_npv"] == "object-store"
    assert evaluation["recommendation"]["option"] == "object-store"


def test_evaluate_reports_located_problems(tmp_path: Path) -> None:
    missing = _run("evaluate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1
    assert "portfolio_file_not_found" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("option: object-store", "option: cloud"),
        encoding="utf-8",
    )
    done = _run("evaluate", str(bad))
    assert done.returncode == 1
    assert f"{bad}:" in done.stderr
    assert "unknown_option" in done.stderr


def test_inventory_check_and_tasks(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    checked = _run("inventory", "check", str(plan), "--format", "json")
    assert checked.returncode == 0, checked.stderr
    data = json.loads(checked.stdout)
    assert [d["code"] for d in data["diagnostics"]] == ["licence_renewal_due"]
    assert [r["date"] for r in data["renewals"]] == ["2027-04-01"]
    out = tmp_path / "with-tasks.yaml"
    written = _run("inventory", "tasks", str(plan), "-o", str(out))
    assert written.returncode == 0, written.stderr
    assert "renew-pg" in written.stderr
    again = _run("schedule", str(out), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert "renew-pg" in again.stdout
