"""Plansmith leveling side by side with TaskJuggler (issue 3): project finish and time.

For each size and seed, generates a workload with ``level_generate.py`` (effort tasks, one
resource each at units 1, two calendars, holidays, vacations, FS links) and its TaskJuggler
equivalent into bench/out/level/, then runs

* ``.venv/bin/plansmith schedule PLAN.yaml --level fast --format json -o OUT`` (median of --runs
  runs; the CLI's default search budget of 1 s unless --time-limit or --schedules is given), and
* ``tj3 --silent --no-color --output-dir DIR PLAN.tjp`` (TaskJuggler always levels: it books
  each task's effort on its resource slot by slot, tasks in priority order); the tj3 project
  lasts 1.25 times Plansmith's unleveled schedule plus three weeks, longer (run again) when tj3
  says a task does not fit: tj3's time grows with the project's length, so the end is kept tight,

checks the Plansmith schedule independently (``level_bench.check_schedule``: capacity at every
minute, FS links, effort on working time) and compares the project finishes (the latest task end
in tj3's CSV report, ``project.finish`` in ours). Target: ours never later than tj3's, and at
least 10 times faster end to end. The column "tj3 split" counts the tasks TaskJuggler interrupted:
it books effort slot by slot around slots already taken (it has no way to forbid that), so it
solves the preemptive relaxation of the problem Plansmith solves (a task holds its resource from
start to finish).

``--verify`` first checks that the two files describe the same project: tj3 is given the
``--unlimited`` variant (one distinct clone of its resource per task, so nothing can be leveled)
and every task's start and finish must equal Plansmith's unleveled critical-path dates.

Usage: .venv/bin/python bench/tj3_level_compare.py [--tasks 200 1000 2000] [--seeds 5]
       [--resources-per-task 0.05] [--runs 1] [--time-limit S] [--schedules N] [--verify]
       [--commit REV]
Exit status 1 when a date differs (--verify), a schedule is infeasible, or ours finishes later.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "level"
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402
import level_bench  # noqa: E402
import level_generate  # noqa: E402

FORMAT = "%Y-%m-%dT%H:%M"
TARGET_RATIO = 10.0
MIDNIGHT = clock(0, 0)


def tj3_version() -> str:
    tj3 = shutil.which("tj3") or "/usr/bin/tj3"
    done = subprocess.run([tj3, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0]


def run_tj3(tjp: Path, out_dir: Path) -> tuple[float, dict[str, tuple[str, str]], str]:
    """Seconds, {task id: (start, end)} and the error text ('' when tj3 succeeded)."""
    tj3 = shutil.which("tj3") or "/usr/bin/tj3"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "dates.csv"
    report.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [tj3, "--silent", "--no-color", "--output-dir", str(out_dir), str(tjp)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not report.exists():
        return seconds, {}, (done.stdout + done.stderr)[-3000:] or f"exit {done.returncode}"
    dates = {}
    with report.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            local = row["Id"].rsplit(".", 1)[-1]
            dates[local.replace("_", "-")] = (row["Start"], row["End"])
    return seconds, dates, ""


def tj3_with_retry(
    w: level_generate.Workload, tjp: Path, out_dir: Path, horizon: int, *, unlimited: bool = False
) -> tuple[float, dict[str, tuple[str, str]]]:
    """Run tj3 on the project ending ``horizon`` days after the start; while tj3 says that a task
    does not fit, write it again with a later end (only the successful run is timed: tj3's time
    grows with the project's length, so the first guess is kept tight)."""
    for _ in range(6):
        level_generate.write_tjp(w, tjp, horizon=horizon, unlimited=unlimited)
        seconds, dates, error = run_tj3(tjp, out_dir)
        if not error:
            return seconds, dates
        horizon = int(horizon * 1.5)
    sys.exit(f"tj3 failed on {tjp}:\n{error}")


def first_horizon(start: str, unleveled_finish: str, factor: float) -> int:
    """Days from the start to the tj3 project end: the unleveled finish Plansmith computed, with a
    margin for leveling (as generate_plan.py sizes its tj3 projects)."""
    return int(_days(start, unleveled_finish) * factor) + 21


def run_ours(cli: list[str], output: Path, runs: int) -> tuple[float, dict[str, Any]]:
    times = []
    for _ in range(runs):
        wall, _rss, done = level_bench.run_measured(cli)
        if done.returncode != 0:
            sys.exit(f"plansmith failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        times.append(wall)
    return statistics.median(times), json.loads(output.read_text(encoding="utf-8"))


def _normal_start(work: level_bench.WorkTime, text: str) -> str:
    """The first working minute at or after a tj3 start (tj3 may report where links allow)."""
    instant = datetime.strptime(text, FORMAT)
    day, minute = instant.date(), instant.hour * 60 + instant.minute
    for _ in range(3660):
        for a, b in work.day_ranges(day):
            if b > minute:
                return (
                    datetime.combine(day, MIDNIGHT) + timedelta(minutes=max(a, minute))
                ).strftime(FORMAT)
        day += timedelta(days=1)
        minute = 0
    return text


def verify(tasks: int, resources: int, seed: int) -> list[str]:
    """Differences between tj3 without leveling and Plansmith's unleveled schedule."""
    w = level_generate.generate(tasks, resources, seed)
    stem = OUT / f"verify-{tasks}-r{resources}-s{seed}"
    plan, tjp, output = (stem.with_suffix(s) for s in (".yaml", ".tjp", ".json"))
    level_generate.write_yaml(w, plan)
    cli = ["schedule", str(plan), "--format", "json", "-o", str(output)]
    _, ours = run_ours(cli, output, 1)
    horizon = first_horizon(ours["project"]["start"], ours["project"]["finish"], 1.0)
    _, theirs = tj3_with_retry(w, tjp, OUT / f"{stem.name}-tj3", horizon, unlimited=True)
    facts = level_bench.read_plan(yaml.load(plan.read_text(), Loader=yaml.CSafeLoader))
    problems = []
    moved = 0  # tj3 starts moved to working time
    mine = {t["id"]: (t["start"], t["finish"]) for t in ours["tasks"]}
    for tid, task in facts.leaves.items():
        rid = task["assign"][0]
        if tid not in theirs:
            problems.append(f"{tid}: not in tj3's report")
            continue
        expected = (_normal_start(facts.resources[rid][1], theirs[tid][0]), theirs[tid][1])
        moved += expected[0] != theirs[tid][0]
        if mine.get(tid) != expected:
            problems.append(f"{tid}: plansmith {mine.get(tid)}, tj3 {theirs[tid]}")
    finish = max(end for tid, (_, end) in theirs.items() if tid in facts.leaves)
    if finish != ours["project"]["finish"]:
        problems.append(f"project finish: plansmith {ours['project']['finish']}, tj3 {finish}")
    print(
        f"verify {tasks} tasks / {resources} resources / seed {seed}: "
        f"{len(facts.leaves)} tasks, unleveled finish {ours['project']['finish']} "
        f"({moved} tj3 starts moved to working time): "
        + ("identical dates" if not problems else f"{len(problems)} DIFFERENCES")
    )
    return problems


def compare(tasks: int, resources: int, seed: int, runs: int, extra: list[str]) -> dict[str, Any]:
    w = level_generate.generate(tasks, resources, seed)
    stem = OUT / f"tj3-{tasks}-r{resources}-s{seed}"
    plan, tjp, output = (stem.with_suffix(s) for s in (".yaml", ".tjp", ".json"))
    level_generate.write_yaml(w, plan)
    cli = ["schedule", str(plan), "--level", "fast", "--format", "json", "-o", str(output), *extra]
    ours_time, ours = run_ours(cli, output, runs)
    unleveled = ours["leveling"]["unleveled_finish"]
    horizon = first_horizon(ours["project"]["start"], unleveled, 1.25)
    tj3_time, theirs = tj3_with_retry(w, tjp, OUT / f"{stem.name}-tj3", horizon)
    horizon = (level_generate.tjp_end(tjp) - level_generate.PROJECT_START).days
    facts = level_bench.read_plan(yaml.load(plan.read_text(), Loader=yaml.CSafeLoader))
    problems = level_bench.check_schedule(facts, ours)
    missing = [tid for tid in facts.leaves if tid not in theirs]
    if missing:
        problems.append(f"tj3 report lacks {len(missing)} tasks, e.g. {missing[:3]}")
    tj3_finish = max(end for tid, (_, end) in theirs.items() if tid in facts.leaves)
    lv = ours["leveling"]
    return {
        "tasks": tasks,
        "resources": resources,
        "seed": seed,
        "unleveled": lv["unleveled_finish"],
        "ours": ours["project"]["finish"],
        "tj3": tj3_finish,
        "ours_s": ours_time,
        "tj3_s": tj3_time,
        "schedules": lv["schedules"],
        "split": interrupted(facts, theirs),
        "search_s": lv["seconds"],
        "problems": problems,
        "plan": plan,
        "horizon": horizon,
    }


def interrupted(facts: level_bench.PlanFacts, dates: dict[str, tuple[str, str]]) -> int:
    """Tasks whose span holds more working time of their resource than their effort.

    TaskJuggler books effort slot by slot and goes round slots already taken, so it may split a
    task (preemption); Plansmith never does: a task books its resource from start to finish.
    """
    count = 0
    for tid, task in facts.leaves.items():
        if tid in dates and tid in facts.effort:
            work = facts.resources[task["assign"][0]][1]
            start, end = (datetime.strptime(x, FORMAT) for x in dates[tid])
            count += work.work_between(start, end) > facts.effort[tid]
    return count


def _days(a: str, b: str) -> float:
    return (datetime.strptime(b, FORMAT) - datetime.strptime(a, FORMAT)).total_seconds() / 86400


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks", type=int, nargs="+", help="sizes (default 200 1000 2000; --verify: 20 30 50)"
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds 1..N per size")
    parser.add_argument(
        "--resources-per-task", type=float, default=0.05, help="resources = tasks x this"
    )
    parser.add_argument("--runs", type=int, default=1, help="Plansmith runs (median)")
    parser.add_argument("--time-limit", type=float, help="passed to plansmith")
    parser.add_argument("--schedules", type=int, help="passed to plansmith")
    parser.add_argument(
        "--verify", action="store_true", help="check equivalence without leveling (20-50 tasks)"
    )
    parser.add_argument(
        "--commit", help="measure this commit's src/ (exported to bench/out/); default: work tree"
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    source = benchlib.use_source(args.commit)
    print(f"plansmith: {source}; {tj3_version()}; {benchlib.machine()}")

    if args.verify:
        problems = []
        for tasks in args.tasks or [20, 30, 50]:
            for seed in range(1, args.seeds + 1):
                resources = max(5, round(tasks * args.resources_per_task))
                found = verify(tasks, resources, seed)
                problems += found
                for line in found[:10]:
                    print("  " + line)
        sys.exit(1 if problems else 0)

    extra: list[str] = []
    if args.time_limit is not None:
        extra += ["--time-limit", str(args.time_limit)]
    if args.schedules is not None:
        extra += ["--schedules", str(args.schedules)]
    print(f"before the runs: {level_bench.load_average()}")
    print(
        f"settings: plansmith schedule --level fast {' '.join(extra)} (median of {args.runs}); "
        "tj3: one run; finishes are the latest task end; days are calendar days from the start"
    )
    failed = False
    for tasks in args.tasks or [200, 1000, 2000]:
        resources = max(1, round(tasks * args.resources_per_task))
        print(f"\n{tasks} tasks, {resources} resources")
        head = (
            f"{'seed':>4} {'unleveled':>16} {'plansmith':>16} {'tj3':>16} {'ours-tj3 d':>10} "
            f"{'ours s':>7} {'tj3 s':>7} {'ratio':>6} {'sched':>6} {'tj3 split':>9}  check"
        )
        print(head)
        rows = []
        for seed in range(1, args.seeds + 1):
            row = compare(tasks, resources, seed, args.runs, extra)
            rows.append(row)
            later = row["ours"] > row["tj3"]
            ok = not row["problems"] and not later
            failed |= not ok
            note = (
                "ok"
                if ok
                else ("LATER than tj3; " if later else "")
                + (
                    f"{len(row['problems'])} problems: {row['problems'][0]}"
                    if row["problems"]
                    else ""
                )
            )
            print(
                f"{seed:>4} {row['unleveled']:>16} {row['ours']:>16} {row['tj3']:>16} "
                f"{_days(row['tj3'], row['ours']):>+10.1f} {row['ours_s']:>7.2f} "
                f"{row['tj3_s']:>7.2f} {row['tj3_s'] / row['ours_s']:>5.1f}x "
                f"{row['schedules']:>6} {row['split']:>9}  {note}"
            )
            if later:
                name = row["plan"].relative_to(ROOT).with_suffix("")
                print(
                    f"     reproduce: .venv/bin/python bench/level_generate.py --tasks {tasks} "
                    f"--resources {resources} --seed {seed} --out {name}.yaml --tjp {name}.tjp "
                    f"--horizon {row['horizon']}; .venv/bin/plansmith schedule {name}.yaml "
                    f"--level {' '.join(extra)}; tj3 {name}.tjp"
                )
        ratio = statistics.median(r["tj3_s"] / r["ours_s"] for r in rows)
        never_later = all(r["ours"] <= r["tj3"] for r in rows)
        diff = statistics.mean(_days(r["tj3"], r["ours"]) for r in rows)
        print(
            f"summary: ours never later than tj3: {'yes' if never_later else 'NO'}; ours - tj3 "
            f"{diff:+.1f} days on average; median time ratio {ratio:.1f}x (target >= "
            f"{TARGET_RATIO:g}x: {'PASS' if ratio >= TARGET_RATIO else 'FAIL'}); median times "
            f"ours {statistics.median(r['ours_s'] for r in rows):.2f} s, tj3 "
            f"{statistics.median(r['tj3_s'] for r in rows):.2f} s"
        )
    print(f"\nafter the runs: {level_bench.load_average()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
