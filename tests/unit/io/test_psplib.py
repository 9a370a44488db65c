"""The PSPLIB ``.sm`` reader: counts, capacities, durations, demands, links, and located errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from plansmith.io.psplib import PsplibFormatError, parse_sm, read_sm
from plansmith.scheduling.cpm import schedule_project

DATA = Path(__file__).resolve().parents[2] / "data" / "psplib"
SIZES = {"j120": 120, "j30": 30, "j60": 60}
INSTANCES = sorted(p.stem for p in DATA.glob("*.sm"))


def task(project, task_id: str):
    return next(t for t in project.tasks if t.id == task_id)


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


@pytest.fixture(scope="module")
def j301_text() -> str:
    return (DATA / "j301_1.sm").read_text(encoding="ascii")


def test_the_copied_instances_are_there():
    with (DATA / "bounds.csv").open(newline="") as f:
        assert sorted(row["instance"] for row in csv.DictReader(f)) == INSTANCES
    assert len(INSTANCES) == 6


@pytest.mark.parametrize("name", INSTANCES)
def test_counts_and_critical_path(name: str):
    """One task per non-dummy job, four resources, and the critical-path schedule of the project
    ends exactly at the file's MPM-Time: one time unit is one working minute."""
    instance = read_sm(DATA / f"{name}.sm")
    project = instance.project
    size = next(count for prefix, count in SIZES.items() if name.startswith(prefix))
    assert instance.name == name
    assert len(project.tasks) == size
    assert [r.id for r in project.resources] == ["R1", "R2", "R3", "R4"]
    cpm = schedule_project(project)
    assert cpm.ok
    assert cpm.finish - cpm.start == instance.critical_path


def test_j301_1_in_detail():
    instance = read_sm(DATA / "j301_1.sm")
    project = instance.project
    assert instance.critical_path == 38
    assert instance.horizon == 158
    assert [r.capacity for r in project.resources] == [12.0, 13.0, 4.0, 12.0]
    assert [t.id for t in project.tasks] == [f"j{n}" for n in range(2, 32)]
    j2 = task(project, "j2")  # job 2: duration 8, 4 units of R1, only after the dummy source
    assert j2.duration == 8
    assert [(a.resource, a.units) for a in j2.assignments] == [("R1", 4.0)]
    assert j2.dependencies == ()
    j20 = task(project, "j20")  # after jobs 5, 11 and 18; 10 units of R2
    assert sorted(d.predecessor for d in j20.dependencies) == ["j11", "j18", "j5"]
    assert [(a.resource, a.units) for a in j20.assignments] == [("R2", 10.0)]
    assert all(d.type == "FS" and d.lag == 0 for t in project.tasks for d in t.dependencies)
    calendar = project.calendars[project.calendar]
    assert calendar.week.minutes_per_week == 7 * 1440
    assert not calendar.holidays


@pytest.mark.parametrize(
    ("old", "new", "anchor", "message"),
    [
        pytest.param(
            "RESOURCEAVAILABILITIES:", "RESOURCES AVAILABLE:", None, "missing", id="no-section"
        ),
        pytest.param(
            "  2      1     8       4",
            "  2      1     x       4",
            "  2      1     x",
            "whole numbers",
            id="text",
        ),
        pytest.param(
            "  2      1     8       4    0    0    0",
            "  2      1     8       4    0    0",
            "  2      1     8",
            "expected 7 numbers",
            id="short-row",
        ),
        pytest.param(
            "   5        1          1          20",
            "   5        1          1          40",
            "   5        1          1          40",
            "unknown successor 40",
            id="successor-out-of-range",
        ),
        pytest.param(
            "   5        1          1          20",
            "   5        1          2          20",
            "   5        1          2",
            "#successors",
            id="successor-count",
        ),
        pytest.param(
            "  - nonrenewable              :  0",
            "  - nonrenewable              :  2",
            "nonrenewable",
            "not supported",
            id="nonrenewable",
        ),
        pytest.param(
            "    1     30      0       38",
            "    1     29      0       38",
            "    1     29",
            "#jobs",
            id="job-count",
        ),
        pytest.param(
            "  1      1     0       0    0    0    0",
            "  1      1     3       0    0    0    0",
            "  1      1     3",
            "dummy job 1",
            id="busy-dummy",
        ),
        pytest.param(
            " 31      1     2       0    0    2    0\n",
            "",
            " 32      1     0",
            "REQUESTS/DURATIONS: has 31 rows, expected 32",
            id="missing-row",
        ),
    ],
)
def test_malformed_files_name_file_and_line(
    j301_text: str, old: str, new: str, anchor: str | None, message: str
):
    assert old in j301_text
    text = j301_text.replace(old, new, 1)
    with pytest.raises(PsplibFormatError) as caught:
        parse_sm(text, "bad.sm")
    error = caught.value
    assert error.file == "bad.sm"
    assert message in error.message
    expected = line_of(text, anchor) if anchor else len(text.splitlines()) + 1
    assert error.line == expected
    assert str(error).startswith(f"bad.sm:{expected}: ")


def test_unreadable_file(tmp_path: Path):
    with pytest.raises(PsplibFormatError, match="cannot read"):
        read_sm(tmp_path / "nowhere.sm")
