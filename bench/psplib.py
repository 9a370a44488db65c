"""Resource-leveling benchmark (issue 3) on the PSPLIB single-mode sets j30, j60 and j120.

Each instance is read with :mod:`plansmith.io.psplib` and leveled through ``level_project`` (the
engine path ``plansmith schedule --level`` uses). The returned schedule is checked independently
of the engine: every task keeps its duration, every precedence finishes before its successor
starts, and per time unit no resource is used beyond its capacity. Printed per instance:
makespan, best-known bounds, deviations, time, status; then a summary:

* mean deviation from the optimum (j30) or the best-known upper bound (j60, j120 open ones),
* mean deviation from the critical-path lower bound (MPM-Time, the "CPM bound"),
* instances at the known optimum (LB = UB reached), best-known UB reached, proven optimal by the
  engine (CP-SAT in optimal mode, or makespan = the engine's own lower bound),
* mean and max time per instance, schedules generated per second (fast mode).

Time limits are wall-clock: on a shared machine the load of other processes lowers the schedules
made per instance (the header and summary print the load average). ``--schedules N`` gives the
same makespans on any machine for a seed, so quality can be compared apart from speed.

Usage:
  .venv/bin/python bench/psplib.py --set j30 --mode fast --time-limit 1 [--subset 60] [--seed 0]
      [--schedules N] [--data DIR] [--jobs 1] [--csv OUT.csv] [--quiet]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from plansmith.domain.model import Project  # noqa: E402
from plansmith.io.psplib import read_sm  # noqa: E402
from plansmith.scheduling.leveling import (  # noqa: E402
    LevelingOptions,
    LevelMode,
    LevelStatus,
    level_project,
)
from plansmith.scheduling.result import ScheduleResult  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "psplib"
# Issue 3 targets: (fast, optimal) mean deviation in %, from the optimum for j30 and from the
# critical-path bound for j60 and j120; optimal mode on j30 must prove every instance optimal.
TARGETS = {"j30": (0.5, 0.0), "j60": (12.0, 10.8), "j120": (35.0, 32.0)}


@dataclass(frozen=True)
class Bounds:
    lower: int
    upper: int
    optimal: bool


@dataclass(frozen=True)
class Outcome:
    name: str
    makespan: int
    cpm: int
    bounds: Bounds
    status: str
    seconds: float
    schedules: int
    problems: tuple[str, ...]

    @property
    def dev_ub(self) -> float:
        return 100.0 * (self.makespan - self.bounds.upper) / self.bounds.upper

    @property
    def dev_cpm(self) -> float:
        return 100.0 * (self.makespan - self.cpm) / self.cpm


def instance_key(path: Path, name: str) -> tuple[int, int]:
    """(parameter group, instance number) of ``j30{P}_{I}.sm``."""
    group, _, number = path.stem.removeprefix(name).partition("_")
    return int(group), int(number)


def instance_files(data: Path, name: str, subset: int | None) -> list[Path]:
    files = sorted((data / name).glob(f"{name}*_*.sm"), key=lambda p: instance_key(p, name))
    if subset is not None and 0 < subset < len(files):
        files = [files[i * len(files) // subset] for i in range(subset)]
    return files


def read_bounds(data: Path) -> dict[str, Bounds]:
    with (data / "solutions.csv").open(newline="") as f:
        return {
            row["instance"]: Bounds(
                int(row["lower_bound"]), int(row["upper_bound"]), row["optimal"] == "true"
            )
            for row in csv.DictReader(f)
        }


def check_feasible(project: Project, schedule: ScheduleResult) -> list[str]:
    """Independent of the engine: durations, precedences, and per time unit resource use."""
    problems: list[str] = []
    if not schedule.ok:
        return [f"status {schedule.status}"]
    placed = {t.id: (t.start, t.finish) for t in schedule.tasks}
    capacity = {r.id: r.capacity for r in project.resources}
    usage: dict[str, dict[int, float]] = {r.id: {} for r in project.resources}
    for task in project.tasks:
        if task.id not in placed:
            problems.append(f"{task.id} missing")
            continue
        start, finish = placed[task.id]
        if start < 0 or finish - start != task.duration:
            problems.append(f"{task.id} spans [{start}, {finish}), duration {task.duration}")
        for dep in task.dependencies:
            if placed[dep.predecessor][1] > start:
                problems.append(f"{dep.predecessor} finishes after {task.id} starts")
        for a in task.assignments:
            use = usage[a.resource]
            for t in range(start, finish):
                use[t] = use.get(t, 0.0) + a.units
    for rid, use in usage.items():
        over = sorted(t for t, units in use.items() if units > capacity[rid] + 1e-9)
        if over:
            problems.append(f"{rid} over capacity at {len(over)} time units from {over[0]}")
    return problems


def run_one(
    path: Path, bounds: Bounds, mode: LevelMode, limit: float, schedules: int | None, seed: int
) -> Outcome:
    instance = read_sm(path)
    options = LevelingOptions(mode=mode, time_limit=limit, schedules=schedules, seed=seed)
    began = time.perf_counter()
    result = level_project(instance.project, options)
    seconds = time.perf_counter() - began
    schedule = result.schedule
    problems = check_feasible(instance.project, schedule)
    makespan = max((t.finish for t in schedule.tasks), default=0) - schedule.start
    if makespan < bounds.lower:
        problems.append(f"makespan {makespan} below the proven lower bound {bounds.lower}")
    status = "optimal" if result.status is LevelStatus.OPTIMAL else result.status.value
    return Outcome(
        instance.name,
        makespan,
        instance.critical_path,
        bounds,
        status,
        seconds,
        result.schedules,
        tuple(problems),
    )


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {revision()}"


def revision() -> str:
    """The commit measured, and a digest of uncommitted engine changes if there are any."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "src"], cwd=ROOT, capture_output=True, check=False
        ).stdout
    except OSError:
        return "revision unknown"
    dirty = f" + uncommitted src changes {hashlib.sha1(diff).hexdigest()[:8]}" if diff else ""
    return f"commit {head or '?'}{dirty}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--set", dest="set_name", choices=sorted(TARGETS), required=True)
    parser.add_argument("--mode", choices=[m.value for m in LevelMode], default="fast")
    parser.add_argument("--time-limit", type=float, default=1.0, help="seconds per instance")
    parser.add_argument(
        "--schedules", type=int, help="schedule budget (fast; the warm start in optimal mode)"
    )
    parser.add_argument("--subset", type=int, help="a deterministic spread of N instances")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="instances in parallel; keep 1, leveling uses both cores",
    )
    parser.add_argument("--csv", type=Path, help="write per-instance rows here")
    parser.add_argument("--quiet", action="store_true", help="summary only")
    args = parser.parse_args(argv)
    mode = LevelMode(args.mode)
    bounds = read_bounds(args.data)
    files = instance_files(args.data, args.set_name, args.subset)
    if not files:
        parser.error(f"no .sm files in {args.data / args.set_name}")
    print(
        f"# {args.set_name} {mode.value} limit={args.time_limit}s schedules={args.schedules} "
        f"seed={args.seed} instances={len(files)} jobs={args.jobs}; {machine()}; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    run = [(p, bounds[p.stem], mode, args.time_limit, args.schedules, args.seed) for p in files]
    outcomes: list[Outcome] = []
    header = (
        f"{'instance':<10} {'ms':>4} {'LB':>4} {'UB':>4} {'CPM':>4} {'dUB%':>6} "
        f"{'dCPM%':>6} {'s':>6} {'scheds':>7} status"
    )
    if not args.quiet:
        print(header)
    began = time.perf_counter()
    pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    try:
        for out in (pool.map if pool else map)(run_one, *zip(*run, strict=True)):
            outcomes.append(out)
            if not args.quiet:
                b = out.bounds
                flag = "  INFEASIBLE: " + "; ".join(out.problems) if out.problems else ""
                print(
                    f"{out.name:<10} {out.makespan:>4} {b.lower:>4} {b.upper:>4} {out.cpm:>4} "
                    f"{out.dev_ub:>6.2f} {out.dev_cpm:>6.2f} {out.seconds:>6.2f} "
                    f"{out.schedules:>7} {out.status}{flag}",
                    flush=True,
                )
    finally:
        if pool:
            pool.shutdown()
    wall = time.perf_counter() - began
    if args.csv:
        write_csv(args.csv, outcomes)
    summarize(args.set_name, mode, outcomes, wall)
    return 1 if any(o.problems for o in outcomes) else 0


def write_csv(path: Path, outcomes: list[Outcome]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instance", "makespan", "lb", "ub", "cpm", "status", "seconds", "schedules"])
        for o in outcomes:
            b = o.bounds
            w.writerow(
                [
                    o.name,
                    o.makespan,
                    b.lower,
                    b.upper,
                    o.cpm,
                    o.status,
                    f"{o.seconds:.3f}",
                    o.schedules,
                ]
            )


def summarize(name: str, mode: LevelMode, outcomes: list[Outcome], wall: float) -> None:
    n = len(outcomes)
    infeasible = sum(1 for o in outcomes if o.problems)
    closed = [o for o in outcomes if o.bounds.optimal]
    at_optimum = sum(1 for o in closed if o.makespan == o.bounds.upper)
    at_ub = sum(1 for o in outcomes if o.makespan <= o.bounds.upper)
    better = sum(1 for o in outcomes if o.makespan < o.bounds.upper)
    proven = sum(1 for o in outcomes if o.status == "optimal")
    dev_ub = statistics.fmean(o.dev_ub for o in outcomes)
    dev_cpm = statistics.fmean(o.dev_cpm for o in outcomes)
    seconds = [o.seconds for o in outcomes]
    total_schedules = sum(o.schedules for o in outcomes)
    print()
    print(f"instances                         {n} ({infeasible} infeasible)")
    print(f"mean deviation from optimum/UB    {dev_ub:.2f} %")
    print(
        f"mean deviation from CPM bound     {dev_cpm:.2f} % (best known on these instances: "
        f"{statistics.fmean(100.0 * (o.bounds.upper - o.cpm) / o.cpm for o in outcomes):.2f} %)"
    )
    print(f"at known optimum (LB=UB)          {at_optimum}/{len(closed)}")
    print(f"at or below best-known UB         {at_ub}/{n} (below: {better})")
    print(f"proven optimal by the engine      {proven}/{n}")
    print(f"load average at the end           {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"time per instance                 mean {statistics.fmean(seconds):.3f} s, "
        f"max {max(seconds):.3f} s (wall {wall:.1f} s)"
    )
    print(
        f"schedules per instance            mean {total_schedules / n:.0f}, "
        f"{total_schedules / sum(seconds):.0f} per second"
    )
    fast_target, optimal_target = TARGETS[name]
    if name == "j30" and mode is LevelMode.OPTIMAL:
        verdict = "met" if proven == n else "NOT met"
        print(
            f"issue 3 target (optimal, j30): every instance proven optimal: {proven}/{n} "
            f"-> {verdict}"
        )
        return
    target = fast_target if mode is LevelMode.FAST else optimal_target
    what, value = ("optimum", dev_ub) if name == "j30" else ("CPM bound", dev_cpm)
    verdict = "met" if value <= target + 1e-9 else "NOT met"
    print(
        f"issue 3 target ({mode.value}, {name}): <= {target:.2f} % above the {what}: "
        f"{value:.2f} % -> {verdict}"
    )


if __name__ == "__main__":
    sys.exit(main())
