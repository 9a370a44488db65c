"""Plansmith side by side with TaskJuggler (issue 2): identical dates, and the ratio of times.

Generates the TaskJuggler-compatible variant of the benchmark plan (``generate_plan.py --tjp``:
length mode, no resources, four calendars as tj3 global working hours and shifts, FS/SS links with
gaplength lags, start constraints) into bench/out/, then runs

* ``.venv/bin/plansmith schedule PLAN.yaml --format json -o OUT`` (median of --runs runs), and
* ``tj3 --silent --output-dir DIR PLAN.tjp`` with a CSV task report of id, start and end to the
  minute (--tj3-runs runs, median; one by default, it takes ~25 s at 10,000 tasks),

and checks that every task has the same dates. TaskJuggler keeps a length task's start at the
instant its predecessors allow (00:00 or the predecessor's end) rather than at the first working
minute, so a leaf task's tj3 start is first moved to the next working minute of the task's calendar
(computed here independently of Plansmith, from the YAML). Milestones are compared as they are;
a summary's finish as it is and its start with the earliest normalised start of its leaves.

Usage: .venv/bin/python bench/tj3_compare.py [--tasks 10000] [--seed 1] [--runs 3] [--calendars 4]
       [--commit HEAD]
Exit status 1 when any date differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_plan
from benchlib import BIN, OUT, machine, plan_days, range_minutes, use_source

FORMAT = "%Y-%m-%dT%H:%M"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class WorkWeek:
    """A calendar read straight from the plan file: ranges per weekday and non-working days."""

    ranges: list[list[tuple[int, int]]]
    holidays: set[date]

    def next_working(self, instant: datetime) -> datetime:
        """The first working minute at or after ``instant``."""
        day = instant.date()
        minute = instant.hour * 60 + instant.minute
        for _ in range(20 * 366):
            if day not in self.holidays:
                for start, end in self.ranges[day.weekday()]:
                    if end > minute:
                        return datetime(day.year, day.month, day.day) + timedelta(
                            minutes=max(start, minute)
                        )
            day += timedelta(days=1)
            minute = 0
        raise ValueError(f"no working time after {instant}")


def read_calendars(doc: dict[str, Any]) -> dict[str, WorkWeek]:
    common = plan_days(doc.get("holidays", []))
    out = {}
    for cid, cal in doc["calendars"].items():
        if "week" in cal:
            ranges = [[range_minutes(r) for r in cal["week"].get(day, [])] for day in WEEKDAYS]
        else:
            hours = [range_minutes(r) for r in cal["hours"]]
            ranges = [hours if day in cal["workdays"] else [] for day in WEEKDAYS]
        out[cid] = WorkWeek(ranges, common | plan_days(cal.get("holidays", [])))
    return out


def walk(tasks: list[dict[str, Any]], parent: str | None, out: dict[str, dict[str, Any]]) -> None:
    for task in tasks:
        out[task["id"]] = {**task, "parent": parent}
        if "children" in task:
            walk(task["children"], task["id"], out)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``command``; its result, wall-clock and CPU (user + system) seconds."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done, time.perf_counter() - started, _children_cpu() - cpu


def run_ours(plan: Path, output: Path, runs: int) -> tuple[float, float, dict[str, Any]]:
    command = [
        str(BIN / "plansmith"), "schedule", str(plan),
        "--format", "json", "-o", str(output),
    ]  # fmt: skip
    walls, cpus = [], []
    for _ in range(runs):
        done, wall, cpu = timed(command)
        walls.append(wall)
        cpus.append(cpu)
        if done.returncode != 0:
            sys.exit(f"plansmith failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return statistics.median(walls), statistics.median(cpus), json.loads(output.read_text())


def run_tj3(tjp: Path, out_dir: Path, runs: int) -> tuple[float, float, dict[str, tuple[str, str]]]:
    tj3 = shutil.which("tj3") or "/usr/bin/tj3"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "dates.csv"
    walls, cpus = [], []
    for _ in range(runs):
        report.unlink(missing_ok=True)
        done, wall, cpu = timed(
            [tj3, "--silent", "--no-color", "--output-dir", str(out_dir), str(tjp)]
        )
        walls.append(wall)
        cpus.append(cpu)
        if done.returncode != 0 or not report.exists():
            sys.exit(f"tj3 failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    dates = {}
    with report.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            local = row["Id"].rsplit(".", 1)[-1]
            dates[local.replace("_", "-")] = (row["Start"], row["End"])
    return statistics.median(walls), statistics.median(cpus), dates


def tj3_version() -> str:
    tj3 = shutil.which("tj3") or "/usr/bin/tj3"
    done = subprocess.run([tj3, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout.strip().splitlines() or ["tj3 (unknown version)"])[0]


def compare(
    doc: dict[str, Any], ours: dict[str, Any], theirs: dict[str, tuple[str, str]]
) -> list[str]:
    calendars = read_calendars(doc)
    project_calendar = doc["project"]["calendar"]
    tasks: dict[str, dict[str, Any]] = {}
    walk(doc["tasks"], None, tasks)
    scheduled = {t["id"]: t for t in ours["tasks"]}
    problems = []
    if set(scheduled) != set(tasks) or set(theirs) != set(tasks):
        problems.append(
            f"task sets differ: plan {len(tasks)}, plansmith {len(scheduled)}, tj3 {len(theirs)}"
        )
    normalised: dict[str, datetime] = {}
    for tid, task in tasks.items():
        if "children" in task or tid not in theirs:
            continue
        start = datetime.strptime(theirs[tid][0], FORMAT)
        if not task.get("milestone"):
            start = calendars[task.get("calendar", project_calendar)].next_working(start)
        normalised[tid] = start
    summary_start: dict[str, datetime] = {}
    for tid, start in normalised.items():
        parent = tasks[tid]["parent"]
        while parent is not None:
            if parent not in summary_start or start < summary_start[parent]:
                summary_start[parent] = start
            parent = tasks[parent]["parent"]
    for tid, task in tasks.items():
        if tid not in theirs or tid not in scheduled:
            continue
        mine = scheduled[tid]
        start = normalised.get(tid) or summary_start.get(tid)
        expected = (start.strftime(FORMAT) if start else "?", theirs[tid][1])
        got = (mine["start"], mine["finish"])
        if got != expected:
            kind = "summary" if "children" in task else "milestone" if task.get("milestone") else ""
            problems.append(
                f"{tid} {kind}: plansmith {got[0]} - {got[1]}, tj3 {theirs[tid][0]} - "
                f"{theirs[tid][1]} (start normalised: {expected[0]})"
            )
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="Plansmith runs (median)")
    parser.add_argument("--tj3-runs", type=int, default=1, help="tj3 runs (median)")
    parser.add_argument(
        "--calendars",
        type=int,
        choices=(1, 4),
        default=4,
        help="4 (default: office, early shift, weekend, 24x7) or 1 (office only)",
    )
    parser.add_argument(
        "--commit", help="measure this commit's src/ (default: the working tree), e.g. HEAD"
    )
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / f"tj3-{args.tasks}-s{args.seed}-c{args.calendars}"
    plan, tjp = stem.with_suffix(".yaml"), stem.with_suffix(".tjp")
    generator = Path(generate_plan.__file__)
    if not tjp.exists() or tjp.stat().st_mtime < generator.stat().st_mtime:
        generated = generate_plan.generate(args.tasks, args.seed, plan, tjp, args.calendars)
        print(f"generated {plan.name} + {tjp.name}: {generate_plan.stats(generated)}")
    ours_time, ours_cpu, ours = run_ours(plan, stem.with_suffix(".json"), args.runs)
    tj3_time, tj3_cpu, theirs = run_tj3(tjp, OUT / f"{stem.name}-tj3", args.tj3_runs)
    doc = yaml.load(plan.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    problems = compare(doc, ours, theirs)
    print(f"Plansmith: {source}; {tj3_version()}")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Machine: {machine()}; load average at the end (1 / 5 / 15 min): {load}")
    print(f"tasks: {len(theirs)} (leaves {args.tasks}); project finish {ours['project']['finish']}")
    print(f"plansmith end to end: {ours_time:.2f} s, CPU {ours_cpu:.2f} s (median of {args.runs})")
    print(
        f"tj3 end to end:       {tj3_time:.2f} s, CPU {tj3_cpu:.2f} s (median of {args.tj3_runs})"
    )
    print(
        f"ratio tj3 / plansmith: {tj3_time / ours_time:.1f}x wall-clock, "
        f"{tj3_cpu / ours_cpu:.1f}x CPU (target >= 15x)"
    )
    if problems:
        print(f"DATES DIFFER for {len(problems)} tasks; the first ones:")
        for line in problems[:20]:
            print("  " + line)
        sys.exit(1)
    print(f"dates: identical for all {len(theirs)} tasks (start, finish)")


if __name__ == "__main__":
    main()
