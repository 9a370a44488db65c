"""Reading MS Project XML: real files written by MS Project, rescheduled by our engine, give the
dates MS Project wrote into them; what we cannot carry is listed, field by field."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from plansmith.io.mspdi.fidelity import Fate
from plansmith.io.mspdi.read import read_mspdi
from plansmith.io.mspdi.write import write_mspdi
from plansmith.services.mspdi import MspdiOutcome, read_mspdi_plan, read_mspdi_upload
from plansmith.services.planning import schedule_plan

DATA = Path(__file__).resolve().parents[2] / "data" / "mspdi"
NS = "{http://schemas.microsoft.com/project}"


def outcome(name: str) -> MspdiOutcome:
    return read_mspdi_plan(DATA / name)


def fates(result: MspdiOutcome, fate: Fate) -> set[tuple[str, str]]:
    return {(f.section, f.name) for f in result.imported.fidelity.entries() if f.fate is fate}


@pytest.mark.parametrize(
    ("name", "tasks"),
    [
        ("task-links-project2010-mspdi.xml", 16),  # FS, SS, FF, SF; lags of days and weeks
        ("mspdiduration.xml", 10),  # minutes to months, working and elapsed
        ("mspdinulltasks.xml", 5),  # blank rows; the project starts at 09:00
        ("baselines.xml", 1),  # 7.5 h from 09:00 runs into the next morning
        ("mspdiassignmentfields.xml", 1),  # budget and cost resources beside the work
        ("mspdirelations.xml", 5),  # FS, SS, FF, SF; an SF bound at Monday 08:00 (see below)
    ],
)
def test_files_with_only_supported_features_reproduce_every_date(name: str, tasks: int) -> None:
    result = outcome(name)
    assert result.ok, result.diagnostics
    assert result.dates.compared == tasks
    assert result.dates.differences == ()
    assert result.dates.same


def test_a_finish_bound_at_the_start_of_a_working_day_is_met_by_the_evening_before() -> None:
    # Task 5 must finish no earlier than its start-to-finish predecessor starts, Monday 08:00.
    # MS Project works it all Friday and writes its finish as Monday 08:00; our engine compares
    # the finish in the task's working time and finishes Friday at 17:00, the same working
    # instant, which the date check accepts as the file's finish.
    result = outcome("mspdirelations.xml")
    assert result.ok, result.diagnostics
    assert result.plan is not None
    ours = schedule_plan(result.plan).result
    assert ours is not None
    task = ours.task("task-5")
    assert (ours.origin + timedelta(minutes=task.start)) == datetime(2006, 9, 22, 8, 0)
    assert (ours.origin + timedelta(minutes=task.finish)) == datetime(2006, 9, 22, 17, 0)
    file_task = result.imported.tasks["task-5"]
    assert (file_task.start, file_task.finish) == (
        datetime(2006, 9, 22, 8, 0),
        datetime(2006, 9, 25, 8, 0),
    )
    assert result.dates.differences == ()


def test_a_difference_is_listed_with_both_dates_and_the_line_of_the_task() -> None:
    # A hand edit of the real file: Task 5's finish moved a day later than MS Project wrote it.
    edited = (DATA / "mspdirelations-moved.xml").read_text()
    assert edited != (DATA / "mspdirelations.xml").read_text()
    result = read_mspdi_plan(DATA / "mspdirelations-moved.xml")
    assert result.ok
    [difference] = result.dates.differences
    assert difference.task == "task-5"
    assert difference.file_start == datetime(2006, 9, 22, 8, 0)
    assert difference.file_finish == datetime(2006, 9, 26, 8, 0)
    assert difference.our_finish == datetime(2006, 9, 22, 17, 0)
    lines = edited.splitlines()
    assert "<Task>" in lines[difference.line - 1]
    assert "<Name>Task 5</Name>" in "".join(lines[difference.line - 1 : difference.line + 5])


def test_the_plan_keeps_links_lags_and_constraints() -> None:
    result = outcome("task-links-project2010-mspdi.xml")
    tasks = result.plan.spec.tasks if result.plan and result.plan.spec else []
    by_id = {t.id: t for t in tasks}
    assert len(by_id) == 16
    lags = sorted(str(d.lag) for t in tasks for d in t.depends)
    assert lags == ["10d", "1d", "2d", "2d", "2d", "2d", "5d"]
    types = sorted(d.type for t in tasks for d in t.depends)
    assert types == ["FF", "FS", "FS", "FS", "FS", "SF", "SS"]
    assert sum(len(t.after) for t in tasks) == 1  # FS without lag: the short form
    assert all(t.start_no_earlier_than is not None for t in tasks)


def test_elapsed_durations_run_round_the_clock() -> None:
    result = outcome("mspdiduration.xml")
    assert result.plan is not None
    assert result.plan.spec is not None
    spec = result.plan.spec
    elapsed = [t for t in spec.tasks if t.calendar == "elapsed-24x7"]
    assert [t.name for t in elapsed] == ["Task 6", "Task 7", "Task 8", "Task 9", "Task 10"]
    assert "elapsed-24x7" in spec.calendars
    mapped = {f.detail for f in result.imported.fidelity.entries() if f.name == "Duration"}
    assert any("elapsed" in detail for detail in mapped)


def test_summary_tasks_nest_by_outline_level_and_blank_rows_are_listed() -> None:
    result = outcome("mspdinulltasks.xml")
    assert result.plan is not None
    assert result.plan.spec is not None
    tasks = result.plan.spec.tasks
    outline = [(t.name, [kid.name for kid in t.children or []]) for t in tasks]
    assert outline == [("Task 1", ["Task 2", "Task 3"]), ("Task 4", ["Task 5"])]
    assert ("Task", "IsNull") in fates(result, Fate.DROPPED)
    assert ("Project", "StartDate") in fates(result, Fate.APPROXIMATED)  # the 09:00 start


def test_what_cannot_be_carried_is_listed_not_lost() -> None:
    result = outcome("mspdiresource.xml")
    dropped = fates(result, Fate.DROPPED)
    assert ("Resource", "Type") in dropped  # a material resource
    assert ("Resource", "Notes") in dropped
    assert ("Assignment", "WorkContour") in fates(result, Fate.APPROXIMATED)
    assert ("Task", "Start") in fates(result, Fate.RECOMPUTED)
    baselines = outcome("baselines.xml")
    assert ("Resource", "Baseline1") in fates(baselines, Fate.DROPPED)
    assert ("Task", "Baseline1") in fates(baselines, Fate.APPROXIMATED)
    report = baselines.report_json()
    assert report["summary"]["dropped"] >= 10
    assert {"section", "field", "fate", "detail", "count", "examples"} <= set(report["fields"][0])


def test_resources_on_calendars_that_never_overlap_follow_the_project_calendar() -> None:
    result = outcome("sample.xml")  # a day-shift and a night-shift person on one task
    assert result.ok
    assert ("Assignment", "ResourceUID") in fates(result, Fate.APPROXIMATED)
    assert {d.task for d in result.dates.differences} >= {"first-task", "second-task"}
    assert result.dates.compared == 19


def _without_legacy_exceptions(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for day in list(root.iter(f"{NS}WeekDay")):
        if day.findtext(f"{NS}DayType") == "0":
            day.getparent().remove(day)
    return etree.tostring(root)


def _days_off(result: MspdiOutcome) -> set[date]:
    assert result.plan is not None
    assert result.plan.spec is not None
    spec = result.plan.spec
    entries = [*spec.holidays, *(h for c in spec.calendars.values() for h in c.holidays)]
    days = set()
    for entry in entries:
        day = entry.first
        while day <= entry.last:
            days.add(day)
            day = date.fromordinal(day.toordinal() + 1)
    return days


def test_recurring_exceptions_expand_to_the_days_ms_project_expanded_them_to() -> None:
    # MS Project 2007 writes each recurring exception twice: as a rule, and expanded into dated
    # entries for older readers. Reading the rule alone must give the same days off for the
    # daily, every-N-days and weekly rules; monthly and yearly ones are listed as dropped.
    data = (DATA / "calendar-recurring-exceptions-project2007-mspdi.xml").read_bytes()
    expanded = read_mspdi_upload(io.BytesIO(data), "expanded.xml")
    from_rules = read_mspdi_upload(io.BytesIO(_without_legacy_exceptions(data)), "rules.xml")
    ours, theirs = _days_off(from_rules), _days_off(expanded)
    assert ours <= theirs
    assert len(ours) >= 20
    dropped = {f.detail for f in from_rules.imported.fidelity.entries() if f.fate is Fate.DROPPED}
    assert any("monthly or yearly" in d for d in dropped)
    missing = theirs - ours
    assert all(d.year >= 2002 for d in missing)  # the file's monthly and yearly rules


def test_a_truncated_file_is_a_located_error() -> None:
    data = (DATA / "mspdirelations.xml").read_bytes()[:5000]
    result = read_mspdi_upload(io.BytesIO(data), "cut.xml")
    [problem] = result.diagnostics
    assert problem.code == "mspdi_malformed"
    assert problem.location is not None
    assert problem.location.file == "cut.xml"
    assert problem.location.line > 100
    assert result.plan is None
    assert not result.ok


def test_a_file_that_is_not_ms_project_xml_is_refused_at_its_root() -> None:
    result = read_mspdi_upload(io.BytesIO(b"<?xml version='1.0'?>\n<html><body/></html>"), "x.xml")
    [problem] = result.diagnostics
    assert problem.code == "mspdi_not_project"
    assert problem.location is not None
    assert problem.location.line == 2


def test_external_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name>'
        "<StartDate>2027-01-04T08:00:00</StartDate></Project>"
    ).encode()
    imported = read_mspdi(io.BytesIO(data), "xxe.xml")
    assert "TOP-SECRET" not in repr(imported.document)


def test_saved_baselines_come_across_with_start_finish_and_cost() -> None:
    result = outcome("baselines.xml")
    baselines = {b.name: b for b in result.imported.baselines}
    assert list(baselines) == [f"baseline{n}" for n in range(1, 11)]
    for n in range(1, 11):
        [(task_id, saved)] = baselines[f"baseline{n}"].tasks.items()
        assert task_id == "task-one"
        assert saved.cost == Decimal(100 * n)
        assert saved.start == f"2001-01-{n:02d}T09:00"
        assert sum(saved.days.values()) == saved.cost  # spread for planned value, exactly
        assert baselines[f"baseline{n}"].cost == Decimal(100 * n)


def test_baselines_written_to_mspdi_read_back_the_same() -> None:
    source = outcome("baselines.xml")
    assert source.plan is not None
    assert source.plan.spec is not None
    handle = io.BytesIO()
    dates = {"task-one": ("2008-01-30T09:00", "2008-01-31T08:30")}
    write_mspdi(source.plan.spec, dates, handle, source.imported.baselines)
    again = read_mspdi_upload(io.BytesIO(handle.getvalue()), "again.xml")
    before = {b.name: (b.start, b.finish, b.cost) for b in source.imported.baselines}
    after = {b.name: (b.start, b.finish, b.cost) for b in again.imported.baselines}
    assert after == before
