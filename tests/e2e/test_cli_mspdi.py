"""MS Project XML through the real ``plansmith`` program: convert both ways, import into the
database and export from it, and a broken file refused with one located line."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.cli_env import cli_env
from tests.e2e.test_cli_server import PROBLEM, run

from plansmith.services.mspdi import read_mspdi_upload

DATA = Path(__file__).resolve().parents[1] / "data" / "mspdi"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "datacentre-migration.yaml"


def test_convert_reads_ms_project_xml_into_a_plan_and_reports_its_fidelity(
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path)
    plan = tmp_path / "links.yaml"
    done = run(env, "convert", DATA / "task-links-project2010-mspdi.xml", "-o", plan)
    assert done.returncode == 0, done.stderr
    assert "Dates: all 16 tasks start and finish as in the file." in done.stderr
    checked = run(env, "check", plan)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    preview = run(env, "convert", DATA / "baselines.xml", "--preview")
    assert preview.returncode == 0
    assert "Baseline1" in preview.stdout  # the full report lists every field's fate
    assert not (tmp_path / "baselines.yaml").exists()
    written = run(env, "convert", DATA / "baselines.xml", "-o", tmp_path / "b.yaml")
    assert written.returncode == 0, written.stderr
    saved = json.loads((tmp_path / "b.baselines.json").read_text())["baselines"]
    assert list(saved) == [f"baseline{n}" for n in range(1, 11)]
    assert saved["baseline3"]["cost"] == "300"


def test_a_plan_converts_to_ms_project_xml_and_back_with_the_same_dates(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    xml = tmp_path / "migration.xml"
    done = run(env, "convert", EXAMPLE, "-o", xml)
    assert done.returncode == 0, done.stderr
    assert "dropped: Resource skills" in done.stderr  # MSPDI has no field for them
    back = read_mspdi_upload(io.BytesIO(xml.read_bytes()), "migration.xml")
    assert back.ok
    assert back.dates.compared == 89
    assert back.dates.same
    refused = run(env, "convert", EXAMPLE, "-o", tmp_path / "migration.json")
    assert refused.returncode == 2
    assert "unsupported_format" in refused.stderr


def test_import_and_export_through_the_database(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert run(env, "db", "upgrade").returncode == 0
    moved = run(env, "convert", DATA / "mspdirelations-moved.xml", "-o", tmp_path / "m.yaml")
    assert moved.returncode == 0, moved.stderr
    assert "1 of 5 tasks differ from the file" in moved.stderr  # Task 5's finish, moved by hand
    imported = run(env, "import", DATA / "mspdirelations.xml")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "mspdirelations"
    assert "all 5 tasks start and finish as in the file" in imported.stderr
    exported = run(env, "export", "mspdirelations", "--format", "mspdi", "-o", tmp_path / "r.xml")
    assert exported.returncode == 0, exported.stderr
    again = read_mspdi_upload(io.BytesIO((tmp_path / "r.xml").read_bytes()), "r.xml")
    assert again.ok
    assert again.dates.same  # our own dates, read back, reschedule to themselves
    names = [t.name for t in again.plan.spec.tasks] if again.plan and again.plan.spec else []
    assert names == ["Task 1", "Task 2", "Task 3", "Task 4", "Task 5"]


def test_a_broken_file_is_one_located_line_and_nothing_is_stored(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert run(env, "db", "upgrade").returncode == 0
    broken = tmp_path / "broken.xml"
    broken.write_bytes((DATA / "mspdirelations.xml").read_bytes()[:3000])
    for command in (("convert", broken), ("import", broken)):
        done = run(env, *command)
        assert done.returncode == 1
        [line] = done.stderr.strip().splitlines()
        match = PROBLEM.match(line)
        assert match, line
        assert match["code"] == "mspdi_malformed"
        assert int(match["line"]) > 50
    assert run(env, "export", "broken").returncode == 1
