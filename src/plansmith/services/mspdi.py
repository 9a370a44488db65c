"""Importing MS Project XML: read, check as a plan, schedule, and compare with the file's dates.

The fidelity report is the product here as much as the plan: a user moving off MS Project must
see what came across exactly, what was approximated, what was dropped, and whether the dates
they know come out the same.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic, DocPath, SourceLocation, error, has_errors
from plansmith.domain.model import Project
from plansmith.errors import Invalid
from plansmith.io.baselines import Baseline, baseline_from_json, baseline_to_json
from plansmith.io.mspdi.fidelity import DateCheck, Fate, Fidelity, compare_dates
from plansmith.io.mspdi.mpxj import (
    MPXJ_SUFFIXES,
    MpxjUnavailable,
    MpxjUnreadable,
    mspdi_via_mpxj,
)
from plansmith.io.mspdi.plan_shape import follow_project_calendar
from plansmith.io.mspdi.read import MspdiImport, read_mspdi, read_mspdi_file
from plansmith.io.mspdi.write import write_mspdi
from plansmith.io.plan_file import LoadedPlan, load_plan_spec, load_plan_text
from plansmith.io.plan_schema import PlanSpec
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.yaml_source import YamlSource
from plansmith.scheduling.calendars import CalendarBook
from plansmith.services.planning import PlanOutcome, schedule_plan
from plansmith.services.projects import export_plan_text, store_checked
from plansmith.storage import tables as t

_NOT_SCHEDULED = DateCheck(0, (), scheduled=False)


@dataclass
class MspdiOutcome:
    """An MSPDI file read as a plan: the plan (None when it has errors), its problems located in
    the XML file, the fidelity report and the date comparison."""

    imported: MspdiImport
    plan: LoadedPlan | None
    diagnostics: tuple[Diagnostic, ...]
    dates: DateCheck

    @property
    def ok(self) -> bool:
        return self.plan is not None and self.plan.ok and not has_errors(self.diagnostics)

    def plan_text(self) -> str:
        if self.plan is None or self.plan.spec is None:
            raise ValueError("the file did not give a plan")
        return plan_yaml(plan_document(self.plan.spec))

    def report_json(self) -> dict[str, Any]:
        fidelity = self.imported.fidelity
        return {
            "file": self.imported.filename,
            "ok": self.ok,
            "summary": {fate.value: fidelity.count(fate) for fate in Fate},
            "fields": [entry.to_json() for entry in fidelity.entries()],
            "dates": self.dates.to_json(),
            "diagnostics": [diagnostic_to_json(d) for d in self.diagnostics],
        }


def read_mspdi_plan(path: Path) -> MspdiOutcome:
    """An MS Project XML file, or (with the mpxj extra) an .mpp, .xer or .mpx file converted to
    MS Project XML by MPXJ first; problems in a converted file are located in that XML."""
    imported = read_mspdi_source(path)
    return imported if isinstance(imported, MspdiOutcome) else checked_import(imported)


def read_mspdi_source(path: Path) -> MspdiImport | MspdiOutcome:
    """The file read (not yet checked as a plan), or the outcome of a file MPXJ cannot read."""
    if path.suffix.lower() not in MPXJ_SUFFIXES:
        return read_mspdi_file(path)
    label = f"{path.name} (as MPXJ converted it)"
    try:
        data = mspdi_via_mpxj(path)
    except (MpxjUnavailable, MpxjUnreadable, OSError) as exc:
        code = "mpxj_unavailable" if isinstance(exc, MpxjUnavailable) else "mpxj_unreadable"
        imported = MspdiImport(str(path), None, Fidelity())
        problem = error(code, str(exc)).at(SourceLocation(str(path), 1, 1))
        return MspdiOutcome(imported, None, (problem,), _NOT_SCHEDULED)
    return read_mspdi(io.BytesIO(data), label)


def read_mspdi_upload(handle: IO[bytes], filename: str) -> MspdiOutcome:
    return checked_import(read_mspdi(handle, filename))


def checked_import(imported: MspdiImport) -> MspdiOutcome:
    """The file checked as a plan, scheduled, and its dates compared with ours."""
    if imported.document is None:
        return MspdiOutcome(imported, None, tuple(imported.diagnostics), _NOT_SCHEDULED)
    plan = imported_plan(imported)
    outcome = schedule_plan(plan) if plan.ok else None
    apart = apart_from_resources(plan, outcome)
    if apart and follow_project_calendar(imported.document, imported.fidelity, apart):
        plan = imported_plan(imported)
        outcome = schedule_plan(plan) if plan.ok else None
    return MspdiOutcome(imported, plan, *compared(imported, plan, outcome))


def imported_plan(imported: MspdiImport) -> LoadedPlan:
    assert imported.document is not None, "a file that gave a plan document"
    return _plan_of(imported.document, Path(imported.filename).name)


def apart_from_resources(plan: LoadedPlan, outcome: PlanOutcome | None) -> set[str]:
    """Tasks whose calendar shares no working time with their resources' (MS Project then
    schedules them on the project's calendar; see plan_shape.follow_project_calendar)."""
    found = [*plan.diagnostics, *(outcome.diagnostics if outcome else ())]
    return {
        d.subject.removeprefix("task:").strip("'")
        for d in found
        if d.code == "no_common_working_time" and d.subject
    }


def compared(
    imported: MspdiImport, plan: LoadedPlan, outcome: PlanOutcome | None
) -> tuple[tuple[Diagnostic, ...], DateCheck]:
    """The plan's problems located in the file, and our dates against the file's."""
    diagnostics = tuple(_in_file(d, imported) for d in plan.diagnostics)
    if outcome is None:
        return diagnostics, DateCheck(0, (), False, "the plan has errors")
    diagnostics += tuple(
        _in_file(d, imported) for d in outcome.diagnostics if d not in plan.diagnostics
    )
    if not outcome.ok or outcome.result is None:
        return diagnostics, DateCheck(0, (), False, "the plan could not be scheduled")
    result = outcome.result
    scheduled = {task.id: (result.at(task.start), result.at(task.finish)) for task in result.tasks}
    file_tasks = {
        tid: (task.line, task.name, task.start, task.finish) for tid, task in imported.tasks.items()
    }
    resumes = _resumes(plan.project, result.origin)
    return diagnostics, compare_dates(file_tasks, scheduled, resumes)


def _resumes(project: Project | None, origin: datetime) -> Callable[[str, datetime], datetime]:
    """Where a task's calendar next works after an instant: asked only for the few finishes
    that differ from the file's, so the calendars are compiled on the first question."""
    book: CalendarBook | None = None
    tasks = {task.id: task for task in project.tasks} if project is not None else {}

    def resumes(task_id: str, finish: datetime) -> datetime:
        nonlocal book
        task = tasks.get(task_id)
        if task is None or task.is_milestone or project is None:
            return finish
        book = book or CalendarBook(project)
        timeline = book.task_timeline(task) if not task.is_summary else book.project_timeline()
        if timeline is None:
            return finish
        minutes = (finish - origin) // timedelta(minutes=1)
        return origin + timedelta(minutes=timeline.next_start(minutes))

    return resumes


def _plan_of(document: dict[str, Any], name: str) -> LoadedPlan:
    """The document checked as a plan file's would be, without writing and re-reading YAML
    (which for a 20,000-task file costs more than reading the XML); problems keep their
    document paths, which :func:`_in_file` turns into lines of the XML file."""
    try:
        spec = PlanSpec.model_validate(document)
    except ValidationError as exc:
        return LoadedPlan(YamlSource(name, ""), None, pydantic_diagnostics(exc))
    return load_plan_spec(spec, name)


def _in_file(diagnostic: Diagnostic, imported: MspdiImport) -> Diagnostic:
    """Point a plan check at the task's element in the XML file: the plan document it was
    found in is ours, the file is what the user knows."""
    line = 1
    task_id = _task_at(imported.document or {}, diagnostic.path)
    if task_id is None and diagnostic.subject and diagnostic.subject.startswith("task:"):
        task_id = diagnostic.subject.removeprefix("task:")
    if task_id is not None and task_id in imported.tasks:
        line = imported.tasks[task_id].line
    return diagnostic.at(SourceLocation(imported.filename, line, 1))


def _task_at(document: dict[str, Any], path: DocPath) -> str | None:
    node: Any = document
    found = None
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node and "name" in node and path[0] == "tasks":
            found = str(node["id"])
    return found


def import_mspdi_upload(
    session: Session, data: bytes, filename: str, portfolio_key: str | None = None
) -> tuple[t.Project, MspdiOutcome]:
    """An uploaded file as a new project in the caller's transaction, or :class:`Invalid`."""
    outcome = read_mspdi_upload(io.BytesIO(data), filename)
    return store_mspdi(session, outcome, portfolio_key), outcome


def store_mspdi(session: Session, outcome: MspdiOutcome, portfolio_key: str | None) -> t.Project:
    """The project, with the file's baselines saved as the project's own."""
    project = store_checked(session, accepted_import(outcome), portfolio_key)
    save_baselines(session, project, outcome.imported)
    return project


def save_baselines(session: Session, project: t.Project, imported: MspdiImport) -> None:
    for baseline in imported.baselines:
        saved_at = datetime.fromisoformat(baseline.saved).replace(tzinfo=UTC)
        session.add(
            t.Baseline(
                project_id=project.id,
                name=baseline.name,
                saved_at=saved_at,
                data=baseline_to_json(baseline),
            )
        )
    session.flush()


def accepted_import(outcome: MspdiOutcome) -> LoadedPlan:
    if not outcome.ok or outcome.plan is None:
        errors = sum(1 for d in outcome.diagnostics if d.is_error)
        raise Invalid(
            f"{outcome.imported.filename}: the file gives a plan with {errors} error(s); "
            "nothing was imported",
            code="invalid_plan",
            diagnostics=outcome.diagnostics,
        )
    return outcome.plan


def export_mspdi_bytes(session: Session, project_key: str) -> tuple[bytes, Fidelity]:
    """A stored project as MSPDI, with the dates of its schedule, and what MSPDI cannot hold."""
    text = export_plan_text(session, project_key)
    plan = load_plan_text(text, f"{project_key}.yaml", pool_files=False)
    project = session.scalar(select(t.Project).where(t.Project.key == project_key))
    rows = session.scalars(
        select(t.Baseline)
        .where(t.Baseline.project_id == (project.id if project else -1))
        .order_by(t.Baseline.id)
    )
    return plan_mspdi_bytes(plan, [baseline_from_json(row.name, row.data) for row in rows])


def plan_mspdi_bytes(
    plan: LoadedPlan, baselines: Sequence[Baseline] = ()
) -> tuple[bytes, Fidelity]:
    """A checked plan as MSPDI; the schedule's dates go in when the plan schedules."""
    if plan.spec is None:
        raise Invalid(
            f"{plan.source.filename}: the plan cannot be read",
            code="invalid_plan",
            diagnostics=tuple(plan.diagnostics),
        )
    outcome = schedule_plan(plan)
    dates = {t["id"]: (t["start"], t["finish"]) for t in outcome.to_json()["tasks"]}
    handle = io.BytesIO()
    fidelity = write_mspdi(plan.spec, dates, handle, baselines)
    return handle.getvalue(), fidelity
