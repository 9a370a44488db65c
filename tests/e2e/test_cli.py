"""The real ``plansmith`` command, run as a subprocess: output formats, files and exit statuses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLANSMITH = Path(sys.executable).parent / "plansmith"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# One line per problem: file:line:col: severity[code]: message
PROBLEM = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

PLAN = """\
project:
  id: website
  name: Website relaunch
  start: 2027-01-04
resources:
  - {id: dev, name: Developer}
tasks:
  - id: design
    name: Design
    children:
      - {id: spec, name: Write spec, duration: 2d}
      - {id: review, name: Review spec, duration: 4h, after: [spec]}
  - {id: build, name: Build, duration: 1d, after: [design], assign: [dev]}
  - {id: polish, name: Polish, duration: 2h, after: [spec]}
  - {id: done, name: Live, milestone: true, after: [build, polish]}
"""

LATE = """\
project: {id: late, name: Late, start: 2027-01-04}
tasks:
  - {id: a, name: A, duration: 3d}
  - id: b
    name: B
    duration: 1d
    after: [a]
    deadline: 2027-01-05
"""


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def problems(stderr: str) -> list[re.Match[str]]:
    lines = stderr.splitlines()
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), f"every stderr line is one problem: {lines}"
    return [m for m in matches if m]


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "website.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


# -- schedule ----------------------------------------------------------------------------------


def test_schedule_table(plan_path: Path) -> None:
    done = run("schedule", plan_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if len(cells) >= 3 and re.fullmatch(r"\d+(\.\d+)*", cells[0]):
            rows[cells[1]] = cells
    assert {task: cells[0] for task, cells in rows.items()} == {
        "design": "1",
        "spec": "1.1",
        "review": "1.2",
        "build": "2",
        "polish": "3",
        "done": "4",
    }
    assert "Review spec" in rows["review"][2]
    assert any("2027-01-04 09:00" in cell for cell in rows["spec"])
    assert any("2027-01-07 14:00" in cell for cell in rows["build"])
    assert "*" in rows["build"]  # critical
    assert "*" not in rows["polish"]
    assert "Project finish" in done.stdout
    assert "2027-01-07 14:00" in done.stdout.split("Project finish")[1]


def test_schedule_json_has_the_fixed_fields(plan_path: Path) -> None:
    done = run("schedule", "--format", "json", plan_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"project", "tasks", "critical_path", "diagnostics"} <= doc.keys()
    assert doc["project"]["id"] == "website"
    assert doc["project"]["start"] == "2027-01-04T09:00"
    assert doc["project"]["finish"] == "2027-01-07T14:00"
    fields = {
        "id",
        "name",
        "wbs",
        "start",
        "finish",
        "early_start",
        "early_finish",
        "late_start",
        "late_finish",
        "total_float_minutes",
        "free_float_minutes",
        "critical",
        "milestone",
        "summary",
        "resources",
    }
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert list(tasks) == ["design", "spec", "review", "build", "polish", "done"]
    for task in tasks.values():
        assert fields <= task.keys()
        for key in ("start", "finish", "early_start", "early_finish", "late_start", "late_finish"):
            assert WHEN.match(task[key]), (task["id"], key, task[key])
        assert isinstance(task["total_float_minutes"], int)
        assert isinstance(task["free_float_minutes"], int)
        assert isinstance(task["resources"], list)
        for flag in ("critical", "milestone", "summary"):
            assert isinstance(task[flag], bool)
    assert [tasks[t]["wbs"] for t in tasks] == ["1", "1.1", "1.2", "2", "3", "4"]
    assert tasks["design"]["summary"]
    assert not tasks["spec"]["summary"]
    assert tasks["done"]["milestone"]
    assert tasks["build"]["resources"] == ["dev"]
    assert tasks["review"]["name"] == "Review spec"
    assert (tasks["review"]["start"], tasks["review"]["finish"]) == (
        "2027-01-06T09:00",
        "2027-01-06T14:00",
    )
    assert tasks["done"]["start"] == tasks["done"]["finish"] == "2027-01-07T14:00"
    assert tasks["polish"]["total_float_minutes"] > 0
    assert not tasks["polish"]["critical"]
    assert doc["critical_path"] == ["spec", "review", "build", "done"]
    assert doc["diagnostics"] == []


def test_schedule_json_lists_warnings_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text(LATE, encoding="utf-8")
    done = run("schedule", "-f", "json", path)
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    (diagnostic,) = doc["diagnostics"]
    assert {"code", "severity", "message", "location"} <= diagnostic.keys()
    assert diagnostic["code"] == "deadline_missed"
    assert diagnostic["severity"] == "warning"
    assert diagnostic["message"]
    column = LATE.splitlines()[7].index("2027-01-05") + 1
    assert diagnostic["location"] == {"file": str(path), "line": 8, "column": column}
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert tasks["b"]["total_float_minutes"] < 0
    (line,) = problems(done.stderr)
    assert (line["file"], line["line"], line["col"]) == (str(path), "8", str(column))
    assert (line["sev"], line["code"]) == ("warning", "deadline_missed")


def test_schedule_table_with_warnings_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text(LATE, encoding="utf-8")
    done = run("schedule", path)
    assert done.returncode == 0
    assert "Project finish" in done.stdout
    assert [m["code"] for m in problems(done.stderr)] == ["deadline_missed"]


def test_schedule_output_file_json(plan_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = run("schedule", "--format", "json", "--output", out, plan_path)
    assert done.returncode == 0, done.stderr
    assert "website" not in done.stdout  # the result goes to the file, not the terminal
    written = json.loads(out.read_text(encoding="utf-8"))
    printed = json.loads(run("schedule", "--format", "json", plan_path).stdout)
    assert written == printed


def test_schedule_output_file_table(plan_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.txt"
    done = run("schedule", "-o", out, plan_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "Project finish" in text
    assert "1.2" in text
    assert "review" in text


def test_schedule_json_with_errors_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (
        "project: {id: p, name: P, start: 2027-01-04}\n"
        "tasks:\n  - {id: a, name: A, duration: 1d, after: [ghost]}\n"
    )
    path.write_text(text, encoding="utf-8")
    column = text.splitlines()[2].index("ghost") + 1
    done = run("schedule", "--format", "json", path)
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["tasks"] == []
    assert doc["critical_path"] == []
    (diagnostic,) = doc["diagnostics"]
    assert diagnostic["code"] == "unknown_task"
    assert diagnostic["severity"] == "error"
    assert diagnostic["location"] == {"file": str(path), "line": 3, "column": column}
    (line,) = problems(done.stderr)
    assert (line["line"], line["col"], line["sev"], line["code"]) == (
        "3",
        str(column),
        "error",
        "unknown_task",
    )


# -- errors: one line per problem, exit 1, never a traceback -----------------------------------


def _unreadable_cases(tmp_path: Path) -> dict[str, tuple[Path, str, tuple[str, str]]]:
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("project:\n  id: p\n  name: A: B\n", encoding="utf-8")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    directory = tmp_path / "plans"
    directory.mkdir()
    return {
        "missing": (tmp_path / "nowhere.yaml", "plan_not_found", ("1", "1")),
        "syntax": (syntax, "yaml_syntax", ("3", str("  name: A: B".index(": B") + 1))),
        "directory": (directory, "plan_not_found", ("1", "1")),
        "binary": (binary, "invalid_encoding", ("1", "1")),
    }


@pytest.mark.parametrize("command", ["schedule", "check"])
@pytest.mark.parametrize("case", ["missing", "syntax", "directory", "binary"])
def test_unreadable_plans_fail_cleanly(tmp_path: Path, command: str, case: str) -> None:
    path, code, (line_no, col) = _unreadable_cases(tmp_path)[case]
    done = run(command, path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Traceback" not in done.stdout
    (line,) = problems(done.stderr)
    assert (line["file"], line["line"], line["col"]) == (str(path), line_no, col)
    assert (line["sev"], line["code"]) == ("error", code)


def test_every_problem_is_one_line_even_when_long(tmp_path: Path) -> None:
    ghost = "a-very-long-task-id-" * 8
    path = tmp_path / ("deep-" * 10) / "plan.yaml"
    path.parent.mkdir()
    path.write_text(
        textwrap.dedent(
            f"""\
            project: {{id: p, name: P, start: 2027-01-04}}
            tasks:
              - {{id: a, name: A, duration: 1d, after: [{ghost}]}}
              - {{id: b, name: B, duration: 1d, assign: [nobody]}}
              - {{id: c, name: C, duration: 1d, after: [c]}}
            """
        ),
        encoding="utf-8",
    )
    done = run("check", path)
    assert done.returncode == 1
    found = problems(done.stderr)
    assert sorted(m["code"] for m in found) == [
        "self_dependency",
        "unknown_resource",
        "unknown_task",
    ]
    assert all(m["file"] == str(path) for m in found)
    assert any(ghost in m.group(0) for m in found)


def test_impossible_date_is_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "date.yaml"
    path.write_text("project: {id: p, name: P, start: 2027-02-30}\n", encoding="utf-8")
    done = run("check", path)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert [m["code"] for m in problems(done.stderr)] == ["invalid_date"]


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.parametrize("target", ["missing-dir/out.txt", "."])
def test_unwritable_output_is_not_a_traceback(
    plan_path: Path, tmp_path: Path, fmt: str, target: str
) -> None:
    done = run("schedule", "--format", fmt, "--output", tmp_path / target, plan_path)
    assert "Traceback" not in done.stderr
    assert done.returncode != 0
    assert done.stderr.strip()


def test_new_into_a_missing_directory_is_not_a_traceback(tmp_path: Path) -> None:
    done = run("new", "Demo", "--output", tmp_path / "missing" / "demo.yaml")
    assert "Traceback" not in done.stderr
    assert done.returncode != 0
    assert done.stderr.strip()


# -- check -------------------------------------------------------------------------------------


def test_check_ok(plan_path: Path) -> None:
    done = run("check", plan_path)
    assert done.returncode == 0
    assert done.stderr == ""
    assert "OK" in done.stdout
    assert "6 tasks" in done.stdout


def test_check_warnings_exit_0(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text(LATE, encoding="utf-8")
    done = run("check", path)
    assert done.returncode == 0
    assert [(m["sev"], m["code"]) for m in problems(done.stderr)] == [
        ("warning", "deadline_missed")
    ]


def test_check_errors_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(
        "project: {id: p, name: P, start: 2027-01-04}\ntasks:\n"
        "  - {id: a, name: A, duration: 1d, after: [b]}\n"
        "  - {id: b, name: B, duration: 1d, after: [a]}\n",
        encoding="utf-8",
    )
    done = run("check", path)
    assert done.returncode == 1
    assert "OK" not in done.stdout
    assert [(m["sev"], m["code"]) for m in problems(done.stderr)] == [("error", "dependency_cycle")]


def test_check_does_not_print_a_schedule(plan_path: Path) -> None:
    done = run("check", plan_path)
    assert "Project finish" not in done.stdout
    assert "2027-01-04" not in done.stdout


# -- new ---------------------------------------------------------------------------------------


def test_new_writes_a_plan_that_check_accepts(tmp_path: Path) -> None:
    done = run("new", "Core Switch Upgrade", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "core-switch-upgrade.yaml"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert "#" in text  # commented
    assert "Core Switch Upgrade" in text
    checked = run("check", path)
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout
    scheduled = run("schedule", "--format", "json", path)
    assert scheduled.returncode == 0
    doc = json.loads(scheduled.stdout)
    assert doc["project"]["id"] == "core-switch-upgrade"
    assert len(doc["tasks"]) >= 3
    assert [d for d in doc["diagnostics"] if d["severity"] == "error"] == []


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    assert run("new", "Demo", cwd=tmp_path).returncode == 0
    path = tmp_path / "demo.yaml"
    path.write_text("# my edits\n", encoding="utf-8")
    again = run("new", "Demo", cwd=tmp_path)
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    assert "file_exists" in again.stderr
    assert path.read_text(encoding="utf-8") == "# my edits\n"


def test_new_with_output_and_start(tmp_path: Path) -> None:
    out = tmp_path / "sub.yaml"
    done = run("new", "Demo", "--output", out, "--start", "2027-03-01")
    assert done.returncode == 0, done.stderr
    assert "start: 2027-03-01" in out.read_text(encoding="utf-8")
    scheduled = json.loads(run("schedule", "-f", "json", out).stdout)
    assert scheduled["project"]["start"].startswith("2027-03-01")
    assert run("check", out).returncode == 0


def test_new_with_a_bad_start_date_is_a_usage_error(tmp_path: Path) -> None:
    done = run("new", "Demo", "--start", "soon", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "invalid_date" in done.stderr
    assert list(tmp_path.iterdir()) == []


# -- the bundled examples ----------------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_schedule_without_errors(example: Path) -> None:
    done = run("schedule", "--format", "json", example)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert 30 <= len(doc["tasks"]) <= 150
    assert doc["critical_path"]
    assert all(d["severity"] == "warning" for d in doc["diagnostics"])
