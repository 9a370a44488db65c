"""Plans stored as rows and read back: export, import, export gives the same file, and the
stored plan schedules to the same dates as the file it came from (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansmith.io.plan_file import load_plan, load_plan_text
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.services.planning import schedule_plan_file
from plansmith.storage.database import Database
from plansmith.storage.plans import PlanConflict, plan_spec, store_plan

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize(
    "name", ["datacentre-migration.yaml", "erp-upgrade-tracking.yaml", "saas-launch.yaml"]
)
def test_export_import_export_is_stable(database: Database, name: str, tmp_path: Path) -> None:
    plan = load_plan(EXAMPLES / name)
    assert plan.spec is not None
    with database.transaction() as session:
        row = store_plan(session, plan.spec, plan.pool)
    with database.transaction() as session:
        first = plan_yaml(plan_document(plan_spec(session, row)))
        session.delete(row)
    again = load_plan_text(first, "exported.yaml")
    assert again.ok, again.diagnostics
    assert again.spec is not None
    with database.transaction() as session:
        row = store_plan(session, again.spec)
    with database.transaction() as session:
        second = plan_yaml(plan_document(plan_spec(session, row)))
    assert second == first
    exported = tmp_path / "exported.yaml"
    exported.write_text(first, encoding="utf-8")
    assert (
        schedule_plan_file(exported).to_json()["tasks"]
        == (schedule_plan_file(EXAMPLES / name).to_json()["tasks"])
    )


def test_a_second_project_with_the_same_key_is_refused(database: Database) -> None:
    plan = load_plan(EXAMPLES / "saas-launch.yaml")
    assert plan.spec is not None
    with database.transaction() as session:
        store_plan(session, plan.spec)
    with pytest.raises(PlanConflict) as caught, database.transaction() as session:
        store_plan(session, plan.spec)
    assert [d.code for d in caught.value.diagnostics] == ["project_exists"]


def test_a_pool_disagreement_is_refused_and_nothing_is_written(database: Database) -> None:
    first = load_plan(EXAMPLES / "saas-launch.yaml")
    second = load_plan(EXAMPLES / "erp-upgrade.yaml")  # its 'office' calendar differs
    assert first.spec is not None
    assert second.spec is not None
    with database.transaction() as session:
        store_plan(session, first.spec)
    with pytest.raises(PlanConflict) as caught, database.transaction() as session:
        store_plan(session, second.spec)
    assert [d.code for d in caught.value.diagnostics] == ["pool_conflict"]
    from sqlalchemy import func, select

    from plansmith.storage import tables as t

    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Project)) == 1
