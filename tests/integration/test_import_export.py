"""Plan files into the database and out again, through the services (SQLite and PostgreSQL).

Import, export, import the export into a fresh database, export again: the same text, so a plan
can leave one instance and arrive at another unchanged. An import is checked as ``plansmith
check`` checks a file, refusals carry located diagnostics, and a refused import writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from tests.conftest import PlanFile

from plansmith.errors import Conflict, Invalid, NotFound
from plansmith.services.demo import demo_directory
from plansmith.services.projects import export_plan_text, import_plan_file, import_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database, upgrade

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A second migrated database on the same backend as ``database``."""
    url = make_url(database_url)
    admin = None
    if url.get_backend_name() == "sqlite":
        second = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        name = f"{url.database}_fresh"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        second = url.set(database=name).render_as_string(hide_password=False)
    db = Database.connect(second)
    upgrade(db.engine)
    try:
        yield db
    finally:
        db.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_fresh"'))
            admin.dispose()


def _export(database: Database, key: str) -> str:
    with database.transaction() as session:
        return export_plan_text(session, key)


def _projects(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(t.Project)) or 0


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLES / "saas-launch.yaml",  # risks, correlations, a missed deadline (a warning)
        EXAMPLES / "erp-upgrade-tracking.yaml",  # money, progress and actuals
        demo_directory() / "mes-pilot.yaml",  # calendars and people from a pool file
    ],
    ids=lambda path: path.name,
)
def test_import_export_import_export_gives_the_same_text(
    database: Database, fresh_database: Database, path: Path, tmp_path: Path
) -> None:
    project = import_plan_file(database, path, portfolio_key="moved")
    first = _export(database, project.key)
    exported = tmp_path / "exported.yaml"
    exported.write_text(first, encoding="utf-8")

    again = import_plan_file(fresh_database, exported)
    assert again.key == project.key
    assert _export(fresh_database, again.key) == first
    with database.transaction() as session:
        portfolio = session.scalar(select(t.Portfolio).where(t.Portfolio.key == "moved"))
        assert portfolio is not None
        assert project.portfolio_id == portfolio.id


def test_a_plan_with_errors_is_refused_with_located_diagnostics(
    database: Database, write_plan: Callable[..., PlanFile]
) -> None:
    plan = write_plan(
        """
        project:
          id: broken
          name: Broken
          start: 2027-01-04
        tasks:
          - id: a
            name: A
            duration: 1d
            after: [b]
          - id: b
            name: B
            duration: 2x
            after: [a]
        """
    )
    with pytest.raises(Invalid) as caught:
        import_plan_file(database, plan.path)
    assert caught.value.code == "invalid_plan"
    [problem] = caught.value.diagnostics
    assert problem.code == "invalid_duration"
    assert problem.location is not None
    assert (problem.location.file, problem.location.line, problem.location.column) == (
        str(plan.path),
        *plan.at("2x"),
    )
    assert _projects(database) == 0


def test_what_only_scheduling_finds_is_checked_too(
    database: Database, write_plan: Callable[..., PlanFile]
) -> None:
    plan = write_plan(
        """
        project:
          id: cyclic
          name: Cyclic
          start: 2027-01-04
        tasks:
          - id: a
            name: A
            duration: 1d
            after: [b]
          - id: b
            name: B
            duration: 2d
            after: [a]
        """
    )
    with pytest.raises(Invalid) as caught, database.transaction() as session:
        import_plan_text(session, plan.text, "cyclic.yaml")
    assert caught.value.code == "invalid_plan"
    assert [d.code for d in caught.value.diagnostics] == ["dependency_cycle"]
    location = caught.value.diagnostics[0].location
    assert location is not None
    assert location.file == "cyclic.yaml"
    assert _projects(database) == 0


def test_a_missing_file_is_one_located_problem(database: Database, tmp_path: Path) -> None:
    with pytest.raises(Invalid) as caught:
        import_plan_file(database, tmp_path / "nowhere.yaml")
    assert caught.value.code == "invalid_plan"
    assert [d.code for d in caught.value.diagnostics] == ["plan_not_found"]


def test_a_second_import_of_the_same_project_is_a_conflict(database: Database) -> None:
    path = EXAMPLES / "saas-launch.yaml"
    import_plan_file(database, path)
    with pytest.raises(Conflict) as caught:
        import_plan_file(database, path)
    assert caught.value.code == "project_exists"
    [problem] = caught.value.diagnostics
    assert problem.location is not None
    text_lines = path.read_text(encoding="utf-8").splitlines()
    assert "id: pulse-launch" in text_lines[problem.location.line - 1]
    assert _projects(database) == 1


def test_a_plan_that_disagrees_with_the_pool_is_a_conflict(database: Database) -> None:
    import_plan_file(database, EXAMPLES / "saas-launch.yaml")
    with pytest.raises(Conflict) as caught:
        import_plan_file(database, EXAMPLES / "erp-upgrade.yaml")  # another 'office' calendar
    assert caught.value.code == "pool_conflict"
    assert caught.value.diagnostics[0].subject == "office"
    assert _projects(database) == 1


def test_a_bad_portfolio_key_is_refused(database: Database) -> None:
    with pytest.raises(Invalid) as caught:
        import_plan_file(database, EXAMPLES / "saas-launch.yaml", portfolio_key="no spaces")
    assert caught.value.code == "invalid_value"
    assert _projects(database) == 0


def test_exporting_an_unknown_project_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound) as caught:
        _export(database, "no-such-project")
    assert caught.value.code == "not_found"
