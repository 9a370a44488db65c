"""``plansmith convert`` and ``plansmith import`` of task tables, run as the real program: the
plan file written, the preview, the options, and every refusal as one located line per problem
on stderr with exit status 1 (2 for a misuse of the command), never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook
from tests.cli_env import cli_env

PLANSMITH = Path(sys.executable).parent / "plansmith"
PROBLEM = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
ONE_ERROR = re.compile(r"^error\[(?P<code>[a-z_]+)\]: \S.*$")

TABLE = """\
ID,Task Name,Duration,Start,Predecessors,Resource Names,Outline Level,Unique ID
1,Design,,,,,1,11
2,Write spec,3 days,3/1/2027,,Ana[50%],2,12
3,Review spec,1 day,,2FS+1d,Ben,2,13
4,Build,2 wks,,1,Ana,1,14
5,Live,0 days,,4,,1,15
"""
BROKEN = """\
Name,Duration,Predecessors,% Complete
Spec,soon,,
Build,1d,7,
Test,1d,2,40
"""


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
        encoding="utf-8",
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _problems(done: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str, str]]:
    lines = done.stderr.strip().splitlines()
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), lines
    return {(m["line"], m["col"], m["sev"], m["code"]) for m in matches if m}


def test_convert_writes_a_plan_that_checks(tmp_path: Path) -> None:
    table = tmp_path / "website.csv"
    table.write_text(TABLE, encoding="utf-8")
    plan = tmp_path / "website.yaml"
    done = run("convert", table, "-o", plan, "--map", "Unique ID=ignore")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # Unique ID mapped to ignore: no warning about it
    assert f"Wrote {plan}: 5 tasks" in done.stdout
    text = plan.read_text(encoding="utf-8")
    assert "name: website" in text
    assert "start: 2027-03-01" in text
    checked = run("check", plan)
    assert checked.returncode == 0, checked.stderr
    schedule = run("schedule", plan, "--format", "json")
    assert schedule.returncode == 0, schedule.stderr


def test_convert_options_and_stdout(tmp_path: Path) -> None:
    table = tmp_path / "tasks.csv"
    table.write_text("Step;Length\nPrepare;2d\nGo;1d\n", encoding="utf-8")
    done = run(
        "convert",
        table,
        "--map",
        "Step=name",
        "--map",
        "Length=duration",
        "--project-name",
        "Quick job",
        "--start",
        "2027-05-03",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "project:\n  id: quick-job\n  name: Quick job\n  start: 2027-05-03"
    )
    assert "- id: prepare" in done.stdout


def test_convert_an_xlsx(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["WBS", "Name", "Duration"], ["1", "Phase", None], ["1.1", "Work", "2 days"]):
        sheet.append(row)
    source = tmp_path / "plan.xlsx"
    book.save(source)
    done = run("convert", source)
    assert done.returncode == 0, done.stderr
    assert "children:\n  - id: work\n    name: Work\n    duration: 2d" in done.stdout


def test_a_table_with_errors_prints_one_located_line_each(tmp_path: Path) -> None:
    table = tmp_path / "broken.csv"
    table.write_text(BROKEN, encoding="utf-8")
    plan = tmp_path / "broken.yaml"
    done = run("convert", table, "-o", plan)
    assert done.returncode == 1
    assert not plan.exists()
    assert _problems(done) == {
        ("2", "2", "error", "invalid_row_value"),
        ("3", "3", "error", "unknown_predecessor"),
    }
    assert all(line.startswith(f"{table}:") for line in done.stderr.splitlines())

    # Fixed in the table, the plan's own checks speak, still by row and column.
    table.write_text(BROKEN.replace("soon", "2d").replace(",7,", ",1,"), encoding="utf-8")
    done = run("convert", table, "-o", plan)
    assert done.returncode == 1
    assert _problems(done) == {("4", "4", "error", "progress_without_start")}


def test_preview_shows_rows_and_writes_nothing(tmp_path: Path) -> None:
    table = tmp_path / "broken.csv"
    table.write_text(BROKEN, encoding="utf-8")
    done = run(
        "convert",
        table,
        "--preview",
        "-o",
        tmp_path / "out.yaml",
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 1
    assert not (tmp_path / "out.yaml").exists()
    assert "Columns of" in done.stdout
    assert "error[unknown_predecessor]" in done.stdout  # next to its row
    assert "3 rows, 2 error(s), 0 warning(s)" in done.stdout
    good = tmp_path / "good.csv"
    good.write_text(TABLE, encoding="utf-8")
    preview = run("convert", good, "--preview", env={**os.environ, "COLUMNS": "200"})
    assert preview.returncode == 0, preview.stderr
    assert "Write spec" in preview.stdout
    assert "Ana[50%]" in preview.stdout  # data, not console markup
    assert _problems(preview) == {("1", "8", "warning", "unknown_column")}


def test_misuse_is_exit_status_2(tmp_path: Path) -> None:
    table = tmp_path / "tasks.csv"
    table.write_text("Name,Duration\nA,1d\n", encoding="utf-8")
    cases = [
        (("convert", tmp_path / "plan.pdf"), "unsupported_format"),
        (("convert", table, "--map", "no-equals-sign"), "invalid_mapping"),
        (("convert", table, "--start", "soon"), "invalid_date"),
    ]
    for args, code in cases:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        match = ONE_ERROR.match(done.stderr.strip())
        assert match, done.stderr
        assert match["code"] == code
    unknown = run("convert", table, "--map", "Name=title")
    assert unknown.returncode == 1
    assert _problems(unknown) == {("1", "1", "error", "unknown_field")}
    missing = run("convert", tmp_path / "missing.csv")
    assert missing.returncode == 1
    assert _problems(missing) == {("1", "1", "error", "table_unreadable")}


def test_import_stores_a_table_as_a_project(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert run("db", "upgrade", env=env).returncode == 0
    table = tmp_path / "website.csv"
    table.write_text(TABLE, encoding="utf-8")
    imported = run(
        "import",
        table,
        "--map",
        "Unique ID=ignore",
        "--project-name",
        "Web",
        "--portfolio",
        "it",
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "web"
    exported = run("export", "web", env=env)
    assert exported.returncode == 0, exported.stderr
    converted = run("convert", table, "--map", "Unique ID=ignore", "--project-name", "Web")
    assert exported.stdout == converted.stdout  # the same plan either way

    again = run("import", table, "--project-name", "Web", env=env)
    assert again.returncode == 1
    assert _problems(again) == {("1", "1", "error", "project_exists")}

    broken = tmp_path / "broken.csv"
    broken.write_text(BROKEN, encoding="utf-8")
    refused = run("import", broken, env=env)
    assert refused.returncode == 1
    assert _problems(refused) == {
        ("2", "2", "error", "invalid_row_value"),
        ("3", "3", "error", "unknown_predecessor"),
    }
