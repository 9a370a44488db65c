"""End-to-end leveling benchmark (issue 3): a generated N-task, R-resource plan through the CLI.

Generates a workload with ``level_generate.py`` (effort tasks, one resource each, two calendars,
public holidays and vacations) into bench/out/level/, then runs

    .venv/bin/plansmith schedule PLAN.yaml --level MODE --format json -o OUT

as a subprocess --runs times (median wall time; peak RSS of each run from ``wait4``), plus one
unleveled run for reference. It reports the leveled finish against the unleveled one and the
``leveling`` block, and checks the leveled schedule independently of Plansmith, from the YAML and
the JSON only:

  * per resource, the units booked by the tasks running at any minute (a task books its resource
    from its start to its finish) never exceed the capacity;
  * every finish-to-start link (links on summary tasks expanded to their leaves) has
    predecessor finish <= successor start;
  * every task starts at a working minute of its resource, its last minute is a working minute,
    and its span holds exactly its effort in working minutes (resource calendar minus holidays and
    that resource's vacations), so no work lands in a vacation;
  * no task starts before the project start.

Target (issue 3): at most 5 s end to end for 2,000 tasks and 100 resources in fast mode.

Usage: .venv/bin/python bench/level_bench.py [--tasks 2000] [--resources 100] [--seed 1] [--runs 3]
       [--level fast|optimal] [--time-limit S] [--schedules N] [--profile] [--commit REV]
Exit status 1 when the schedule is infeasible.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "level"
PLANSMITH = ROOT / ".venv" / "bin" / "plansmith"
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402
import level_generate  # noqa: E402

FORMAT = "%Y-%m-%dT%H:%M"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGET_SECONDS = 5.0


# -- an independent reading of the plan file ----------------------------------------------------


@dataclass
class WorkTime:
    """Working time of one resource: ranges per weekday, minus whole days off."""

    ranges: list[list[tuple[int, int]]]
    off: set[date]

    def day_ranges(self, day: date) -> list[tuple[int, int]]:
        return [] if day in self.off else self.ranges[day.weekday()]

    def is_working(self, instant: datetime) -> bool:
        minute = instant.hour * 60 + instant.minute
        return any(a <= minute < b for a, b in self.day_ranges(instant.date()))

    def work_between(self, start: datetime, finish: datetime) -> int:
        """Working minutes in [start, finish)."""
        total = 0
        day = start.date()
        while day <= finish.date():
            base = datetime(day.year, day.month, day.day)
            lo = max(0, int((start - base).total_seconds() // 60))
            hi = min(1440, int((finish - base).total_seconds() // 60))
            for a, b in self.day_ranges(day):
                total += max(0, min(b, hi) - max(a, lo))
            day += timedelta(days=1)
        return total


def _duration_minutes(text: Any, hours_per_day: float, hours_per_week: float) -> int:
    text = str(text).strip()
    for unit, factor in (
        ("min", 1.0), ("m", 1.0), ("h", 60.0), ("d", 60.0 * hours_per_day),
        ("w", 60.0 * hours_per_week),
    ):  # fmt: skip
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor)
    return round(float(text) * 60.0 * hours_per_day)


@dataclass
class PlanFacts:
    start: datetime
    resources: dict[str, tuple[float, WorkTime]]  # id -> (capacity, working time)
    leaves: dict[str, dict[str, Any]]  # leaf id -> task entry (with "parent")
    links: list[tuple[str, str]]  # FS (pred leaf, succ leaf)
    effort: dict[str, int]  # leaf id -> effort minutes


def read_plan(doc: dict[str, Any]) -> PlanFacts:
    project = doc["project"]
    hpd = float(project.get("hours_per_day", 8))
    hpw = float(project.get("hours_per_week", 40))
    common = benchlib.plan_days(doc.get("holidays", []))
    calendars: dict[str, tuple[list[list[tuple[int, int]]], set[date]]] = {}
    for cid, cal in doc.get("calendars", {}).items():
        if "week" in cal:
            ranges = [
                [benchlib.range_minutes(r) for r in cal["week"].get(day, [])] for day in WEEKDAYS
            ]
        else:
            hours = [benchlib.range_minutes(r) for r in cal["hours"]]
            ranges = [hours if day in cal["workdays"] else [] for day in WEEKDAYS]
        calendars[cid] = (ranges, common | benchlib.plan_days(cal.get("holidays", [])))
    default = project["calendar"]
    resources = {}
    for r in doc.get("resources", []):
        ranges, off = calendars[r.get("calendar", default)]
        resources[r["id"]] = (
            float(r.get("capacity", 1)),
            WorkTime(ranges, off | benchlib.plan_days(r.get("vacations", []))),
        )
    nodes: dict[str, dict[str, Any]] = {}

    def walk(tasks: list[dict[str, Any]], parent: str | None) -> None:
        for task in tasks:
            nodes[task["id"]] = {**task, "parent": parent}
            if "children" in task:
                walk(task["children"], task["id"])

    walk(doc["tasks"], None)
    leaves_under: dict[str, list[str]] = {}
    for tid in reversed(list(nodes)):
        task = nodes[tid]
        if "children" in task:
            leaves_under[tid] = [x for c in task["children"] for x in leaves_under[c["id"]]]
        else:
            leaves_under[tid] = [tid]
    links: set[tuple[str, str]] = set()
    for tid, task in nodes.items():
        preds = list(task.get("after", []))
        preds += [d["task"] for d in task.get("depends", []) if d.get("type", "FS") == "FS"]
        for pred in preds:
            for a in leaves_under[pred]:
                for b in leaves_under[tid]:
                    links.add((a, b))
    leaves = {tid: t for tid, t in nodes.items() if "children" not in t}
    effort = {
        tid: _duration_minutes(t["effort"], hpd, hpw) for tid, t in leaves.items() if "effort" in t
    }
    start = datetime.combine(project["start"], datetime.min.time())
    return PlanFacts(start, resources, leaves, sorted(links), effort)


def _resource_ids(task: dict[str, Any]) -> list[tuple[str, float]]:
    out = []
    for entry in task.get("assign", []):
        if isinstance(entry, str):
            out.append((entry, 1.0))
        else:
            units = entry.get("units", 1)
            if isinstance(units, str):
                units = float(units.rstrip("%")) / 100
            out.append((entry["resource"], float(units)))
    return out


def check_schedule(facts: PlanFacts, result: dict[str, Any]) -> list[str]:
    """Problems with a leveled JSON result, found without Plansmith's code."""
    problems: list[str] = []
    dates = {
        t["id"]: (datetime.strptime(t["start"], FORMAT), datetime.strptime(t["finish"], FORMAT))
        for t in result["tasks"]
    }
    missing = [tid for tid in facts.leaves if tid not in dates]
    if missing:
        problems.append(f"{len(missing)} tasks missing from the result, e.g. {missing[:3]}")
    bookings: dict[str, list[tuple[datetime, float, str]]] = {r: [] for r in facts.resources}
    for tid, task in facts.leaves.items():
        if tid not in dates:
            continue
        start, finish = dates[tid]
        if start < facts.start:
            problems.append(f"{tid}: starts {start:%Y-%m-%d %H:%M}, before the project start")
        assigned = _resource_ids(task)
        for rid, units in assigned:
            if finish > start:
                bookings[rid].append((start, units, tid))
                bookings[rid].append((finish, -units, tid))
        if tid in facts.effort and len(assigned) == 1 and assigned[0][1] == 1.0:
            # An effort task of one resource at units 1 (the generated workloads): its span holds
            # exactly the effort in that resource's working time.
            need = facts.effort[tid]
            work = facts.resources[assigned[0][0]][1]
            got = work.work_between(start, finish)
            if got != need:
                problems.append(f"{tid}: {got} working minutes in its span, effort {need}")
            if not work.is_working(start):
                problems.append(f"{tid}: starts at {start:%Y-%m-%d %H:%M}, not working time")
            if not work.is_working(finish - timedelta(minutes=1)):
                problems.append(f"{tid}: finishes at {finish:%Y-%m-%d %H:%M} after time off")
    for rid, events in bookings.items():
        capacity = facts.resources[rid][0]
        events.sort(key=lambda e: (e[0], e[1]))  # releases before bookings at the same minute
        level = 0.0
        holders: set[str] = set()
        for when, units, tid in events:
            level += units
            if units > 0:
                holders.add(tid)
            else:
                holders.discard(tid)
            if level > capacity + 1e-9:
                problems.append(
                    f"{rid}: {level:g} units booked at {when:%Y-%m-%d %H:%M} (capacity "
                    f"{capacity:g}) by {sorted(holders)}"
                )
    for pred, succ in facts.links:
        if pred in dates and succ in dates and dates[pred][1] > dates[succ][0]:
            problems.append(
                f"FS {pred} -> {succ}: finish {dates[pred][1]:%Y-%m-%d %H:%M} after start "
                f"{dates[succ][0]:%Y-%m-%d %H:%M}"
            )
    return problems


# -- running the CLI ------------------------------------------------------------------------------


def run_measured(args: list[str]) -> tuple[float, int, subprocess.CompletedProcess[str]]:
    """Wall seconds, peak RSS (KiB) and the completed process of one CLI run.

    Waits with ``wait4`` so that the peak RSS is this child's own, not the largest child's so far.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(PLANSMITH), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, subprocess.CompletedProcess(args, proc.returncode, "", stderr)


def load_average() -> str:
    """The machine's 1-minute load average (other work on the machine skews the timings)."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def level_args(
    plan: Path,
    output: Path,
    mode: str,
    time_limit: float | None = None,
    schedules: int | None = None,
    seed: int | None = None,
) -> list[str]:
    args = ["schedule", str(plan), "--level", mode, "--format", "json", "-o", str(output)]
    if time_limit is not None:
        args += ["--time-limit", str(time_limit)]
    if schedules is not None:
        args += ["--schedules", str(schedules)]
    if seed is not None:
        args += ["--seed", str(seed)]
    return args


def profile(cli_args: list[str], output: Path, top: int = 30) -> None:
    """Run the CLI in-process under cProfile (writing ``output``) and print the top functions.

    The fast search's second process (``heuristics.search_both_cores``, a forked worker) is
    replaced by a search in this process, which cProfile can see."""
    import pstats

    args = list(cli_args)
    args[args.index("-o") + 1] = str(output)
    prof = output.with_suffix(".prof")
    code = (
        "import sys, cProfile\n"
        f"sys.argv = ['plansmith', *{args!r}]\n"
        "from plansmith.cli.main import main\n"
        "try:\n"  # search in this process, so that the profile sees all of it
        "    from plansmith.scheduling import heuristics as h\n"
        "    h.search_both_cores = getattr(h, 'search', h.search_both_cores)\n"
        "except (ImportError, AttributeError):\n    pass\n"
        "p = cProfile.Profile(); p.enable()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"p.disable(); p.dump_stats({str(prof)!r})\n"
    )
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code], check=True)
    print(f"\nprofile of: plansmith {' '.join(args)}")
    print(f"({prof}), by cumulative time:")
    stats = pstats.Stats(str(prof))
    stats.sort_stats("cumulative").print_stats(top)
    print("by own time:")
    stats.sort_stats("tottime").print_stats(top)


def workload(tasks: int, resources: int, seed: int) -> Path:
    """The YAML of a generated workload in bench/out/level/ (written when missing or stale)."""
    OUT.mkdir(parents=True, exist_ok=True)
    plan = OUT / f"level-{tasks}-r{resources}-s{seed}.yaml"
    generator = ROOT / "bench" / "level_generate.py"
    if not plan.exists() or plan.stat().st_mtime < generator.stat().st_mtime:
        w = level_generate.generate(tasks, resources, seed)
        level_generate.write_yaml(w, plan)
        print(f"generated {plan.relative_to(ROOT)}: {level_generate.stats(w)}")
    return plan


def _days_between(a: str, b: str) -> float:
    delta = datetime.strptime(b, FORMAT) - datetime.strptime(a, FORMAT)
    return delta.total_seconds() / 86400


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1, help="workload seed")
    parser.add_argument("--runs", type=int, default=3, help="leveled runs (median)")
    parser.add_argument("--level", choices=("fast", "optimal"), default="fast")
    parser.add_argument("--time-limit", type=float, help="passed to the CLI (its default: 1 s)")
    parser.add_argument("--schedules", type=int, help="passed to the CLI")
    parser.add_argument("--profile", action="store_true", help="also profile one run in-process")
    parser.add_argument(
        "--commit", help="measure this commit's src/ (exported to bench/out/); default: work tree"
    )
    args = parser.parse_args(argv)
    source = benchlib.use_source(args.commit)

    plan = workload(args.tasks, args.resources, args.seed)
    output = plan.with_name(plan.stem + f"-{args.level}.json")
    unleveled_out = plan.with_name(plan.stem + "-cpm.json")
    cli = level_args(plan, output, args.level, args.time_limit, args.schedules)
    print(f"plansmith: {source}; {benchlib.machine()}; {load_average()}")
    print("command: .venv/bin/plansmith " + " ".join(cli).replace(str(ROOT) + "/", ""))

    cpm_wall, cpm_rss, done = run_measured(
        ["schedule", str(plan), "--format", "json", "-o", str(unleveled_out)]
    )
    if done.returncode != 0:
        sys.exit(f"unleveled schedule failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    walls, rsss = [], []
    for _ in range(args.runs):
        wall, rss, done = run_measured(cli)
        if done.returncode != 0:
            sys.exit(f"plansmith failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        walls.append(wall)
        rsss.append(rss)
    result = json.loads(output.read_text(encoding="utf-8"))
    doc = yaml.load(plan.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    started = time.perf_counter()
    problems = check_schedule(read_plan(doc), result)
    check_seconds = time.perf_counter() - started

    lv = result["leveling"]
    median = statistics.median(walls)
    start = result["project"]["start"]
    print(
        f"plan: {args.tasks} tasks, {args.resources} resources, seed {args.seed}; "
        f"{len(result['tasks'])} rows in the result"
    )
    print(f"unleveled run (CPM only): {cpm_wall:.2f} s, peak RSS {cpm_rss / 1024:.0f} MiB")
    print(
        f"leveled runs ({args.level}): {', '.join(f'{w:.2f}' for w in walls)} s; median "
        f"{median:.2f} s; peak RSS {max(rsss) / 1024:.0f} MiB"
    )
    print(
        f"leveling: status {lv['status']}, {lv['schedules']} schedules in {lv['seconds']:.2f} s "
        f"of search; gap {lv['gap']}"
    )
    unleveled = lv["unleveled_finish"]
    print(
        f"finish: unleveled {unleveled} ({_days_between(start, unleveled):.0f} days), "
        f"leveled {lv['finish']} ({_days_between(start, lv['finish']):.0f} days, "
        f"+{_days_between(unleveled, lv['finish']):.0f}), lower bound "
        f"{lv['lower_bound']}"
    )
    if problems:
        print(
            f"INFEASIBLE: {len(problems)} problems (checked in {check_seconds:.1f} s); first ones:"
        )
        for line in problems[:20]:
            print("  " + line)
    else:
        print(
            f"feasibility: OK (capacity, FS links, effort on working time; {check_seconds:.1f} s)"
        )
    if args.level == "fast" and (args.tasks, args.resources) == (2000, 100):
        verdict = "PASS" if median <= TARGET_SECONDS and not problems else "FAIL"
        print(f"target <= {TARGET_SECONDS:g} s end to end: {verdict} ({median:.2f} s)")
    print(f"after the runs: {load_average()}")
    if args.profile:
        # Under cProfile each schedule costs several times more, so a time-limited search would
        # take another path; the same number of schedules as the timed run makes it take a
        # similar one. The search runs in the profiled process only (no forked worker).
        profiled = (
            cli
            if args.schedules or args.level != "fast"
            else [*cli, "--schedules", str(lv["schedules"])]
        )
        profile(profiled, output.with_name(output.stem + "-profiled.json"))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
