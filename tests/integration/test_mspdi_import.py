"""Importing an MS Project file into the database: storing the plan while its schedule and date
check run beside it (a forked process) gives exactly what checking first and then storing
gives; a taken key stores nothing; a file whose tasks must follow the project calendar takes
the plain path and comes out the same."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from plansmith.errors import Conflict
from plansmith.services import mspdi_import
from plansmith.services.mspdi import read_mspdi_plan
from plansmith.services.projects import export_plan_text
from plansmith.storage import tables as t
from plansmith.storage.database import Database

DATA = Path(__file__).resolve().parents[1] / "data" / "mspdi"


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each Aside the import made forked."""
    made: list[bool] = []

    class Spied(mspdi_import.Aside[Any]):
        def __init__(self, work: Any) -> None:
            super().__init__(work)
            made.append(self.forked)

    monkeypatch.setattr(mspdi_import, "Aside", Spied)
    return made


def _alone() -> bool:
    return threading.active_count() == 1


@pytest.mark.parametrize(
    "name", ["mspdirelations.xml", "baselines.xml", "task-links-project2010-mspdi.xml"]
)
def test_stored_beside_the_check_as_the_plain_path_stores(
    database: Database, forks: list[bool], name: str
) -> None:
    project, outcome = mspdi_import.import_mspdi_file(database, DATA / name)
    plain = read_mspdi_plan(DATA / name)
    assert forks == [_alone()]  # one Aside, forked whenever this process has no other thread
    assert outcome.ok
    assert plain.ok
    assert outcome.dates == plain.dates
    assert outcome.diagnostics == plain.diagnostics
    with database.transaction() as session:
        assert export_plan_text(session, project.key) == plain.plan_text()
        baselines = session.scalar(
            select(func.count()).select_from(t.Baseline).where(t.Baseline.project_id == project.id)
        )
    assert baselines == len(plain.imported.baselines)


def test_a_taken_key_stores_nothing_more(database: Database, forks: list[bool]) -> None:
    mspdi_import.import_mspdi_file(database, DATA / "mspdirelations.xml")
    with pytest.raises(Conflict) as caught:
        mspdi_import.import_mspdi_file(database, DATA / "mspdirelations.xml")
    assert caught.value.code == "project_exists"
    assert forks == [_alone(), _alone()]
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.Project)) == 1


def test_tasks_that_follow_the_project_calendar_take_the_plain_path(
    database: Database, forks: list[bool]
) -> None:
    # sample.xml: resources on day and night shifts share no working time; the plan changes
    # after its first schedule, so what was being stored beside the check is not kept.
    project, outcome = mspdi_import.import_mspdi_file(database, DATA / "sample.xml")
    plain = read_mspdi_plan(DATA / "sample.xml")
    assert forks == [_alone()]
    assert outcome.ok
    assert outcome.dates == plain.dates
    assert "the task follows the project calendar" in str(outcome.report_json()["fields"])
    with database.transaction() as session:
        assert export_plan_text(session, project.key) == plain.plan_text()
        assert session.scalar(select(func.count()).select_from(t.Project)) == 1


def test_in_a_process_without_threads_the_check_runs_beside_the_store(tmp_path: Path) -> None:
    # The whole suite keeps other tests' server threads alive in this process, where Aside
    # rightly does not fork: a fresh interpreter, as `plansmith import` is, takes the fork.
    script = f"""
import json, threading
from pathlib import Path
from plansmith.services import mspdi_import
from plansmith.services.projects import export_plan_text
from plansmith.storage.database import Database, upgrade
made = []
class Spied(mspdi_import.Aside):
    def __init__(self, work):
        super().__init__(work)
        made.append(self.forked)
mspdi_import.Aside = Spied
database = Database.connect("sqlite:///{tmp_path / "fork.db"}")
upgrade(database.engine)
assert threading.active_count() == 1
project, outcome = mspdi_import.import_mspdi_file(database, Path({str(DATA / "baselines.xml")!r}))
with database.transaction() as session:
    text = export_plan_text(session, project.key)
print(json.dumps({{"forked": made, "text": text, "same": outcome.dates.same,
                  "compared": outcome.dates.compared}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    plain = read_mspdi_plan(DATA / "baselines.xml")
    assert result["forked"] == [True]
    assert result["text"] == plain.plan_text()
    assert result["same"] == plain.dates.same
    assert result["compared"] == plain.dates.compared
