"""The operator's commands, run as the real ``plansmith`` program against a SQLite database in a
temporary directory: ``db``, ``import``, ``export``, ``backup``, ``restore`` and ``serve``.
Every refusal is one line per problem on stderr and exit status 1 (2 for settings), never a
traceback; the server start-up itself is tested through its service on both backends."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from tests.cli_env import cli_env, free_port

from plansmith.config import Settings
from plansmith.errors import ServiceError
from plansmith.services.demo import DEMO_PLANS
from plansmith.services.server import first_start, open_database
from plansmith.storage.database import Database, alembic_config, downgrade, schema_state, upgrade

PLANSMITH = Path(sys.executable).parent / "plansmith"
PROBLEM = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
ONE_ERROR = re.compile(r"^error\[(?P<code>[a-z_]+)\]: \S.*$")

PLAN = """\
project:
  id: website
  name: Website relaunch
  start: 2027-01-04
resources:
  - {id: dev, name: Developer}
tasks:
  - {id: spec, name: Write spec, duration: 2d}
  - {id: build, name: Build, duration: 1d, after: [spec], assign: [dev]}
  - {id: done, name: Live, milestone: true, after: [build]}
"""

BROKEN = """\
project:
  id: broken
  name: Broken
  start: 2027-01-04
tasks:
  - {id: a, name: A, duration: 2x}
  - {id: b, name: B, duration: 1d, after: [nowhere]}
"""


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(PLANSMITH), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _error_code(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    match = ONE_ERROR.match(lines[0])
    assert match, lines[0]
    return match["code"]


def test_upgrade_import_export_backup_restore(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    checked = run(env, "db", "check")
    assert checked.returncode == 1
    assert _error_code(checked) == "schema_out_of_date"
    assert "plansmith db upgrade" in checked.stderr

    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "db", "check").returncode == 0
    current = run(env, "db", "current")
    assert current.returncode == 0
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]
    assert f"current: {head}" in current.stdout

    plan = tmp_path / "website.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    imported = run(env, "import", plan, "--portfolio", "web")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "website"

    exported = tmp_path / "exported.yaml"
    assert run(env, "export", "website", "-o", exported).returncode == 0
    to_stdout = run(env, "export", "website")
    assert to_stdout.stdout == exported.read_text(encoding="utf-8")
    assert "id: website" in to_stdout.stdout

    saved = tmp_path / "backup.json"
    backed_up = run(env, "backup", "-o", saved)
    assert backed_up.returncode == 0, backed_up.stderr
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # it holds password hashes

    other = cli_env(tmp_path, "restored.db")
    restored = run(other, "restore", saved)  # a new SQLite file: created and migrated
    assert restored.returncode == 0, restored.stderr
    assert run(other, "db", "check").returncode == 0
    assert run(other, "export", "website").stdout == to_stdout.stdout

    again = run(other, "restore", saved)
    assert again.returncode == 1
    assert _error_code(again) == "database_not_empty"


def test_a_plan_with_errors_prints_one_located_line_per_problem(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN, encoding="utf-8")
    done = run(env, "import", plan)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), lines
    assert {(m["file"], m["line"], m["code"]) for m in matches if m} == {
        (str(plan), "6", "invalid_duration")
    }


def test_importing_a_project_twice_says_where(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    plan = tmp_path / "website.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    assert run(env, "import", plan).returncode == 0
    done = run(env, "import", plan)
    assert done.returncode == 1
    match = PROBLEM.match(done.stderr.strip())
    assert match
    assert (match["file"], match["line"], match["code"]) == (str(plan), "2", "project_exists")


def test_operator_mistakes_are_one_line_each(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    missing = run(env, "export", "website")  # a new SQLite file: created and migrated
    assert missing.returncode == 1
    assert _error_code(missing) == "not_found"

    bogus = run(env, "db", "downgrade", "no-such-revision")
    assert bogus.returncode == 1
    assert _error_code(bogus) == "invalid_revision"

    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello", encoding="utf-8")
    unreadable = run(env, "restore", not_json)
    assert unreadable.returncode == 1
    assert _error_code(unreadable) == "invalid_backup"

    production = run(cli_env(tmp_path, PLANSMITH_MODE="production"), "db", "check")
    assert production.returncode == 2
    assert production.stderr.startswith("error[settings]: ")
    assert "PLANSMITH_SECRET_KEY" in production.stderr

    nowhere = cli_env(
        tmp_path, PLANSMITH_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    unreachable = run(nowhere, "db", "current")
    assert unreachable.returncode == 1
    assert _error_code(unreachable) == "database_unavailable"


def test_serve_refuses_an_out_of_date_database(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "db", "downgrade", "base").returncode == 0  # migrated once: not brand new
    done = run(env, "serve", "--port", "9")
    assert done.returncode == 1
    assert _error_code(done) == "schema_out_of_date"
    assert done.stderr.rstrip().endswith("run: plansmith db upgrade")


# The start-up services on SQLite and PostgreSQL ---------------------------------------------


def _settings(url: str, tmp_path: Path, *, production: bool = False, demo: bool = True) -> Settings:
    return Settings(
        database_url=url,
        data_dir=tmp_path,
        secret_key="s" * 40,
        production=production,
        load_demo=demo,
    )


def test_an_empty_database_is_refused_except_new_development_sqlite(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        with pytest.raises(ServiceError) as caught:
            open_database(_settings(database_url, tmp_path, production=True))
        assert caught.value.code == "schema_out_of_date"
        database = open_database(_settings(database_url, tmp_path))
        try:
            assert schema_state(database.engine).up_to_date
        finally:
            database.dispose()
    else:
        with pytest.raises(ServiceError) as caught:
            open_database(_settings(database_url, tmp_path))
        assert caught.value.code == "schema_out_of_date"
        assert "plansmith db upgrade" in caught.value.message


def test_an_older_schema_is_refused_with_the_command_that_fixes_it(
    database_url: str, tmp_path: Path
) -> None:
    database = Database.connect(database_url)
    try:
        upgrade(database.engine)
        downgrade(database.engine, "base")
    finally:
        database.dispose()
    with pytest.raises(ServiceError) as caught:
        open_database(_settings(database_url, tmp_path))
    assert caught.value.code == "schema_out_of_date"
    assert "plansmith db upgrade" in caught.value.message


def test_a_schema_from_a_newer_version_is_refused_without_advice_to_upgrade(
    database: Database, tmp_path: Path
) -> None:
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    url = database.engine.url.render_as_string(hide_password=False)
    with pytest.raises(ServiceError) as caught:
        open_database(_settings(url, tmp_path))
    assert caught.value.code == "schema_out_of_date"
    assert "newer version" in caught.value.message
    assert "db upgrade" not in caught.value.message


def test_first_start_creates_the_admin_and_the_demo_once(
    database: Database, tmp_path: Path
) -> None:
    settings = _settings("unused", tmp_path)
    lines = first_start(database, settings)
    assert any("admin@example.com" in line for line in lines)
    assert any("demo" in line for line in lines)
    from sqlalchemy import func, select

    from plansmith.storage import tables as t

    with database.transaction() as session:
        projects = session.scalar(select(func.count()).select_from(t.Project))
        assert projects == len(DEMO_PLANS)
        shared = session.scalar(
            select(func.count())
            .select_from(t.ProjectResource)
            .join(t.Resource, t.Resource.id == t.ProjectResource.resource_id)
            .where(t.Resource.key == "infra")
        )
        assert shared == 2  # one person on two projects: the shared pool
    assert first_start(database, settings) == []


def test_deleting_the_demo_keeps_it_deleted(database: Database, tmp_path: Path) -> None:
    from sqlalchemy import delete, func, select

    from plansmith.storage import tables as t

    settings = _settings("unused", tmp_path)
    first_start(database, settings)
    with database.transaction() as session:
        session.execute(delete(t.Project))
        session.add(  # what deleting a project through the API records
            t.AuditEntry(
                at=datetime.now(UTC), entity="project", entity_id=1, action="delete", old={}
            )
        )
    assert first_start(database, settings) == []
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Project)) == 0


def test_a_demo_that_cannot_be_loaded_does_not_stop_the_server(
    database: Database, tmp_path: Path
) -> None:
    from sqlalchemy import func, select

    from plansmith.storage import tables as t

    with database.transaction() as session:
        session.add(t.Calendar(key="plant", name="", spec={"workdays": ["sat"]}))
    lines = first_start(database, _settings("unused", tmp_path))
    assert any(line.startswith("The demo portfolio was not loaded: ") for line in lines)
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Project)) == 0
        assert session.scalar(select(func.count()).select_from(t.User)) == 1


def test_serve_answers_health_checks(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(PLANSMITH), "serve", "--port", str(port)],
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answered = None
    try:
        for _ in range(300):  # up to a minute: the first start hashes a password
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1.0)
                break
            except httpx.TransportError:
                try:
                    server.wait(timeout=0.2)  # waits only while the server is still starting
                except subprocess.TimeoutExpired:
                    continue
                break  # the server exited
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert answered is not None, err
    assert answered.status_code == 200
    assert answered.json() == {"status": "ok"}
    assert f"http://127.0.0.1:{port}/" in out
    assert "Created the administrator admin@example.com" in out
