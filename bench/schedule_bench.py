"""Core scheduling benchmark (issue 2): generated plans of 1k, 10k and 50k tasks.

For each size the plan is generated (deterministically, seed 1) into bench/out/ and measured:

* end to end: ``.venv/bin/plansmith schedule PLAN --format json -o OUT`` as a subprocess (start-up,
  load, validate, schedule, write), median of --runs runs, with its peak RSS from
  ``/usr/bin/time -v`` (else ``getrusage(RUSAGE_CHILDREN)``);
* start-up alone: ``python -c "import plansmith.cli.main"`` (median);
* in-process, median of --runs: ``load_plan`` (YAML, structure checks, model) and the scheduling
  pass ``schedule_project(project)`` (references, calendars, network, both passes, floats).

Prints a Markdown table and whether each target of issue 2 is met: at 10,000 tasks end to end
<= 1.5 s, scheduling pass <= 0.3 s, peak RSS <= 300 MB; near-linear growth = time per task at
50,000 within 1.3x of the time per task at 10,000.

Usage: .venv/bin/python bench/schedule_bench.py [--sizes 1000,10000,50000] [--runs 5]
       [--commit HEAD]
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_plan
from benchlib import BIN, OUT, ROOT, machine, use_source

E2E_TARGET = 1.5
SCHEDULE_TARGET = 0.3
RSS_TARGET_MB = 300
LINEAR_TOLERANCE = 1.3
TARGET_SIZE = 10_000
GROWTH_SIZE = 50_000


@dataclass
class Timing:
    """Median wall-clock and CPU (user + system) seconds of some runs."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.3f} ({self.cpu:.3f})"


@dataclass
class Row:
    tasks: int
    links: int
    e2e: Timing
    startup: Timing
    load: Timing
    schedule: Timing
    rss_mb: float


def plan_for(tasks: int, seed: int) -> Path:
    """The generated plan of this size, regenerated when missing or older than the generator."""
    path = OUT / f"plan-{tasks}-s{seed}.yaml"
    generator = ROOT / "bench" / "generate_plan.py"
    if not path.exists() or path.stat().st_mtime < generator.stat().st_mtime:
        started = time.perf_counter()
        plan = generate_plan.generate(tasks, seed, path)
        print(
            f"generated {path.name} in {time.perf_counter() - started:.1f} s: "
            f"{generate_plan.stats(plan)}",
            file=sys.stderr,
        )
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_time(action: Callable[[], object], runs: int, *, children: bool = False) -> Timing:
    """Wall and CPU time of ``action``; CPU of this process, or of the subprocesses it waits for."""
    walls, cpus = [], []
    cpu_now = _children_cpu if children else time.process_time
    for _ in range(runs):
        cpu, started = cpu_now(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_now() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus))


def run_cli(plan: Path, output: Path) -> float:
    """One end-to-end run; returns its peak RSS in MB."""
    command = [str(BIN / "plansmith"), "schedule", str(plan), "--format", "json", "-o", str(output)]
    gnu_time = shutil.which("time", path="/usr/bin")
    output.unlink(missing_ok=True)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        if gnu_time:
            command = [gnu_time, "-v", "-o", report.name, *command]
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
        )
        if gnu_time:
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())
            rss_kb = int(match.group(1)) if match else 0
        else:
            rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # a high-water mark
    if done.returncode != 0:  # warnings still exit 0: anything else is a failure
        sys.exit(f"plansmith exited {done.returncode} on {plan}:\n{done.stderr.decode()[-2000:]}")
    if not output.exists():
        sys.exit(f"plansmith wrote no {output}")
    return rss_kb / 1024


def measure(tasks: int, seed: int, runs: int) -> Row:
    from plansmith.io.plan_file import load_plan
    from plansmith.scheduling.cpm import schedule_project

    plan = plan_for(tasks, seed)
    output = OUT / f"schedule-{tasks}-s{seed}.json"
    peaks: list[float] = []
    e2e = median_time(lambda: peaks.append(run_cli(plan, output)), runs, children=True)
    python = str(BIN / "python")
    startup = median_time(
        lambda: subprocess.run([python, "-c", "import plansmith.cli.main"], check=True),
        runs,
        children=True,
    )
    loaded = load_plan(plan)
    project = loaded.project
    if project is None:
        sys.exit(f"{plan} does not load: {loaded.diagnostics[:3]}")
    result = schedule_project(project)
    if not result.ok:
        sys.exit(f"{plan} does not schedule: {result.diagnostics[:3]}")
    links = sum(len(t.dependencies) for t in project.tasks)
    load = median_time(lambda: load_plan(plan), runs)
    gc.collect()
    schedule = median_time(lambda: schedule_project(project), runs)
    return Row(tasks, links, e2e, startup, load, schedule, max(peaks))


def report(rows: list[Row], runs: int, source: str) -> bool:
    print(f"Plansmith: {source}")
    print(f"Machine: {machine()}")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Median of {runs} runs, wall-clock seconds (CPU seconds, user + system, in brackets); "
        "peak RSS = maximum over the end-to-end runs."
    )
    print(f"Load average at the end (1 / 5 / 15 min): {load}\n")
    print(
        "| tasks | links | end to end | start-up | load+validate | scheduling pass "
        "| peak RSS (MB) | e2e µs/task | pass µs/task |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.tasks:,} | {r.links:,} | {r.e2e} | {r.startup} | {r.load} | {r.schedule} | "
            f"{r.rss_mb:.0f} | {r.e2e.wall / r.tasks * 1e6:.0f} | "
            f"{r.schedule.wall / r.tasks * 1e6:.0f} |"
        )
    by_size = {r.tasks: r for r in rows}
    checks: list[tuple[str, bool]] = []
    if TARGET_SIZE in by_size:
        r = by_size[TARGET_SIZE]
        checks += [
            (
                f"10k end to end {r.e2e.wall:.2f} s (CPU {r.e2e.cpu:.2f} s) <= {E2E_TARGET} s",
                r.e2e.wall <= E2E_TARGET,
            ),
            (
                f"10k scheduling pass {r.schedule.wall:.3f} s (CPU {r.schedule.cpu:.3f} s) "
                f"<= {SCHEDULE_TARGET} s",
                r.schedule.wall <= SCHEDULE_TARGET,
            ),
            (f"10k peak RSS {r.rss_mb:.0f} MB <= {RSS_TARGET_MB} MB", r.rss_mb <= RSS_TARGET_MB),
        ]
    if TARGET_SIZE in by_size and GROWTH_SIZE in by_size:
        small, big = by_size[TARGET_SIZE], by_size[GROWTH_SIZE]
        for label, a, b in (
            ("end to end", small.e2e.wall - small.startup.wall, big.e2e.wall - big.startup.wall),
            ("scheduling pass", small.schedule.wall, big.schedule.wall),
        ):
            growth = (b / big.tasks) / (a / small.tasks)
            checks.append(
                (
                    f"near-linear {label} (start-up excluded): time per task 50k / 10k = "
                    f"{growth:.2f} <= {LINEAR_TOLERANCE}",
                    growth <= LINEAR_TOLERANCE,
                )
            )
    if checks:
        print("\nTargets (issue 2):")
    for text, ok in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")
    if os.getloadavg()[0] > 1.0:
        print(
            "- note: the machine was busy (load average above 1 on 2 CPUs): wall-clock times are "
            "inflated; CPU times are the better guide"
        )
    return all(ok for _, ok in checks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated task counts")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--commit", help="measure this commit's src/ (default: the working tree), e.g. HEAD"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (default: report)"
    )
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        print(f"measuring {size} tasks ...", file=sys.stderr)
        rows.append(measure(size, args.seed, args.runs))
    ok = report(rows, args.runs, source)
    if args.strict and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
