"""Cross-check of the golden fixtures against TaskJuggler (``tj3``, Debian package ``tj3``).

Every fixture directory with a ``plan.tjp`` (an equivalent TaskJuggler project whose report
``out`` writes ``id;start;end`` as CSV) is scheduled by tj3 in a temporary directory.  tj3's
dates are compared with the hand-worked ``expected.yaml`` (an independent check of the hand
calculations) and with Plansmith's own schedule of ``plan.yaml``.

TaskJuggler prints the start of a ``length`` task at 00:00 of the first day or at the
predecessor's end; before comparing, such a start is moved to the next working minute of
the task's calendar (taken from ``plan.yaml`` by the small, self-contained calendar model
below).  Milestone starts are not moved; ``effort`` tasks already start at a booked slot;
a container's start is the earliest moved start among its children.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from plansmith.services.planning import schedule_plan_file

GOLDEN_DIR = Path(__file__).parent
TJP_FIXTURE_DIRS = sorted(p.parent for p in GOLDEN_DIR.glob("*/plan.tjp"))
TIME_FORMAT = "%Y-%m-%dT%H:%M"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Plansmith's default calendar when a plan defines none (plansmith.domain.calendar).
DEFAULT_HOURS = ("09:00-12:00", "13:00-18:00")
DEFAULT_WEEK = dict.fromkeys(DAY_NAMES[:5], DEFAULT_HOURS)

pytestmark = [
    pytest.mark.tj3,
    pytest.mark.skipif(
        shutil.which("tj3") is None,
        reason="TaskJuggler is not installed (tj3 not on PATH; see scripts/system-deps.sh)",
    ),
]


# --- a minimal working-time calendar, independent of plansmith -------------------------


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _ranges(spec: Iterable[str]) -> tuple[tuple[int, int], ...]:
    pairs = []
    for item in spec:
        start, end = item.split("-")
        pairs.append((_minutes(start.strip()), _minutes(end.strip())))
    return tuple(sorted(pairs))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _holiday_dates(entries: Iterable[Any] | None) -> set[dt.date]:
    days: set[dt.date] = set()
    for entry in entries or ():
        if isinstance(entry, dict) and "from" in entry:
            day, last = _date(entry["from"]), _date(entry["to"])
            while day <= last:
                days.add(day)
                day += dt.timedelta(days=1)
        elif isinstance(entry, dict):
            days.add(_date(entry["date"]))
        else:
            days.add(_date(entry))
    return days


@dataclass(frozen=True)
class WorkCalendar:
    """Weekly working ranges (minutes of the day, per weekday 0=Mon) minus holidays."""

    week: dict[int, tuple[tuple[int, int], ...]]
    holidays: frozenset[dt.date]

    def next_working_minute(self, instant: dt.datetime) -> dt.datetime:
        """The first working minute at or after ``instant``."""
        day, minute = instant.date(), instant.hour * 60 + instant.minute
        for _ in range(3700):
            if day not in self.holidays:
                for start, end in self.week.get(day.weekday(), ()):
                    if minute < end:
                        midnight = dt.datetime.combine(day, dt.time())
                        return midnight + dt.timedelta(minutes=max(start, minute))
            day, minute = day + dt.timedelta(days=1), 0
        raise AssertionError(f"no working time within ten years after {instant}")


def plan_calendars(plan: dict[str, Any]) -> dict[str, WorkCalendar]:
    """Every calendar of a plan file (or the default one), with all holidays applied."""
    global_holidays = _holiday_dates(plan.get("holidays"))
    specs: dict[str, Any] = plan.get("calendars") or {"standard": {"week": DEFAULT_WEEK}}
    calendars = {}
    for cal_id, spec in specs.items():
        if "week" in spec:
            week = {DAY_NAMES.index(day): _ranges(hours) for day, hours in spec["week"].items()}
        else:
            hours = _ranges(spec["hours"])
            week = {DAY_NAMES.index(day): hours for day in spec["workdays"]}
        holidays = global_holidays | _holiday_dates(spec.get("holidays"))
        calendars[cal_id] = WorkCalendar(week, frozenset(holidays))
    return calendars


def plan_leaves(tasks: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for task in tasks:
        if task.get("children"):
            yield from plan_leaves(task["children"])
        else:
            yield task


# --- running TaskJuggler ----------------------------------------------------------------


def run_tj3(tjp: Path, out_dir: Path) -> list[tuple[str, str, str]]:
    """Schedule ``tjp`` with tj3 (warnings are errors); rows of (dotted id, start, end)."""
    completed = subprocess.run(
        ["tj3", "--silent", "--no-color", "--abort-on-warnings", "-o", str(out_dir), str(tjp)],
        cwd=out_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, (
        f"tj3 failed on {tjp} (exit {completed.returncode}):\n"
        f"{completed.stdout}\n{completed.stderr}"
    )
    report = out_dir / "out.csv"
    assert report.is_file(), f"tj3 wrote no out.csv for {tjp}: {sorted(out_dir.iterdir())}"
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows, f"tj3 wrote an empty out.csv for {tjp}"
    assert [c.lower() for c in rows[0]] == ["id", "start", "end"], rows[0]
    return [(row[0], row[1], row[2]) for row in rows[1:]]


def normalised_tj3_dates(fixture_dir: Path, out_dir: Path) -> dict[str, dict[str, str]]:
    """tj3's dates per (plain) task id, starts moved to the next working minute."""
    plan = yaml.safe_load((fixture_dir / "plan.yaml").read_text(encoding="utf-8"))
    calendars = plan_calendars(plan)
    project_calendar = plan["project"].get("calendar") or next(iter(calendars))
    leaves = {task["id"]: task for task in plan_leaves(plan["tasks"])}

    rows = run_tj3(fixture_dir / "plan.tjp", out_dir)
    starts: dict[str, dt.datetime] = {}
    dates: dict[str, dict[str, str]] = {}
    containers: dict[str, list[str]] = {}
    for dotted_id, start_text, end_text in rows:
        path = dotted_id.split(".")
        task_id = path[-1]
        for depth in range(1, len(path)):
            containers.setdefault(path[depth - 1], []).append(task_id)
        start = dt.datetime.strptime(start_text, TIME_FORMAT)
        leaf = leaves.get(task_id)
        if leaf is not None and not leaf.get("milestone"):
            start = calendars[leaf.get("calendar") or project_calendar].next_working_minute(start)
        starts[task_id] = start
        dates[task_id] = {"start": start.strftime(TIME_FORMAT), "finish": end_text}
    for container, members in containers.items():
        earliest = min(starts[m] for m in members if m in leaves)
        dates[container]["start"] = earliest.strftime(TIME_FORMAT)
    return dates


@pytest.fixture(scope="module")
def tj3_dates(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Path], dict[str, dict[str, str]]]:
    cache: dict[Path, dict[str, dict[str, str]]] = {}

    def get(fixture_dir: Path) -> dict[str, dict[str, str]]:
        if fixture_dir not in cache:
            out_dir = tmp_path_factory.mktemp(f"tj3-{fixture_dir.name}")
            cache[fixture_dir] = normalised_tj3_dates(fixture_dir, out_dir)
        return cache[fixture_dir]

    return get


def date_differences(
    tj3: dict[str, dict[str, str]], other: dict[str, dict[str, Any]], other_name: str
) -> list[str]:
    problems = []
    for task_id in sorted(set(tj3) | set(other)):
        if task_id not in other:
            problems.append(f"task {task_id}: scheduled by tj3 but missing from {other_name}")
        elif task_id not in tj3:
            problems.append(f"task {task_id}: in {other_name} but missing from plan.tjp")
        else:
            for field in ("start", "finish"):
                if tj3[task_id][field] != other[task_id].get(field):
                    problems.append(
                        f"task {task_id}: {field} tj3 {tj3[task_id][field]}, "
                        f"{other_name} {other[task_id].get(field)}"
                    )
    return problems


def test_tj3_fixtures_are_present() -> None:
    assert len(TJP_FIXTURE_DIRS) >= 2, f"at least two fixtures need a plan.tjp: {TJP_FIXTURE_DIRS}"


@pytest.mark.parametrize("fixture_dir", TJP_FIXTURE_DIRS, ids=lambda p: p.name)
def test_tj3_agrees_with_hand_worked_dates(
    fixture_dir: Path, tj3_dates: Callable[[Path], dict[str, dict[str, str]]]
) -> None:
    expected = yaml.safe_load((fixture_dir / "expected.yaml").read_text(encoding="utf-8"))
    problems = date_differences(tj3_dates(fixture_dir), expected["tasks"], "expected.yaml")
    assert not problems, f"{fixture_dir.name}: tj3 vs expected.yaml:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("fixture_dir", TJP_FIXTURE_DIRS, ids=lambda p: p.name)
def test_tj3_agrees_with_plansmith(
    fixture_dir: Path, tj3_dates: Callable[[Path], dict[str, dict[str, str]]]
) -> None:
    result = schedule_plan_file(fixture_dir / "plan.yaml").to_json()
    ours = {task["id"]: task for task in result["tasks"]}
    problems = date_differences(tj3_dates(fixture_dir), ours, "plansmith")
    assert not problems, f"{fixture_dir.name}: tj3 vs plansmith:\n  " + "\n  ".join(problems)
