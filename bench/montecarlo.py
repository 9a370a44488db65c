"""Monte Carlo schedule risk benchmark (issue 4): `plansmith simulate` on generated plans.

Plans come from ``generate_plan.py`` (deterministic for a seed) with uncertainty added here, also
deterministically: every leaf task that is not a milestone gets a three-point estimate around its
planned duration (or effort), optimistic 0.7-0.9x and pessimistic 1.3-2.0x of it, default PERT
distribution; one open risk per 500 tasks (at least 5) naming 1-3 leaf tasks, with schedule and
cost ranges; one correlation group of 3-5 tasks of a work package per 1,000 tasks (at least 1).
Plans go to bench/out/ (git-ignored), named ``mc-TASKS-cCALENDARS-sSEED.yaml``.

Measurements:

(a) speed, 5,000 tasks x 2,000 iterations, for three plans (--variants): "plain", every task on
    the one project calendar and no resources (each link is plain arithmetic in working time);
    "1", one calendar with the generator's resources (each resource's vacations, and each pair's
    intersection, make a calendar of their own, so most links convert between calendars); "4", the
    generator's default with four calendars and resources:
    * in process: ``simulate(model, options)`` alone (loading the plan, the critical path and
      ``Simulation.build`` are timed separately and excluded), median of --runs, wall and CPU
      seconds (CPU = this process plus the forked worker); activity-iterations per second =
      leaf tasks x iterations / simulation wall seconds; the ``report()`` step separately; the
      simulation on one core (``workers=1``) for reference;
    * end to end: ``.venv/bin/plansmith simulate PLAN -n 2000 --seed 1 --format json -o OUT`` as
      a subprocess, median of --runs, with CPU seconds (children) and peak RSS.
(b) memory, 10,000 tasks x 10,000 iterations end to end: peak RSS of the process tree (main
    process plus the forked worker, sampled every 20 ms from /proc), against the same plan with
    1,000 iterations; batches should keep it flat.
(c) leveled: ``plansmith simulate PLAN -n 1000 --level --seed 1 --format json`` on a 200-task plan
    with resources (``generate_plan.py --tasks 200``), end to end; iterations and leveled
    schedules per second.

Targets (issue 4): >= 20 million activity-iterations per second; 5,000 tasks x 2,000 iterations
<= 0.5 s of simulation; end to end <= 2.0 s; bounded memory at 10,000 x 10,000 (here: peak RSS
within 1.2x of the 1,000-iteration run); leveled 1,000 iterations x 200 tasks <= 30 s.

The machine may be shared: wall and CPU seconds are both printed, with the load average at the
start and end of each part. Use --commit REV to measure a commit's src/ rather than the working
tree (it is exported under bench/out/).

Usage: .venv/bin/python bench/montecarlo.py [--commit HEAD] [--runs 5] [--parts speed,memory,level]
       [--tasks 5000] [--iterations 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_plan
from benchlib import BIN, OUT, machine, use_source

RATE_TARGET = 20e6  # activity-iterations per second
SIMULATION_TARGET = 0.5  # seconds, 5,000 x 2,000
E2E_TARGET = 2.0  # seconds
MEMORY_GROWTH = 1.2  # peak RSS at 10,000 iterations / at 1,000
LEVEL_TARGET = 30.0  # seconds, 1,000 leveled iterations of 200 tasks
MEMORY_TASKS = 10_000
MEMORY_ITERATIONS = (1_000, 10_000)
LEVEL_TASKS = 200
LEVEL_ITERATIONS = 1_000


# -- plans -------------------------------------------------------------------------------------

_UNITS = {"min": 1, "m": 1, "h": 60, "d": 60 * generate_plan.HOURS_PER_DAY}


def _minutes(text: str) -> int:
    match = re.fullmatch(r"([0-9.]+)(min|m|h|d)", text)
    if match is None:
        raise ValueError(f"unexpected duration {text!r} in a generated plan")
    return round(float(match.group(1)) * _UNITS[match.group(2)])


def _leaves(tasks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every leaf task dict with the id of its parent."""
    for phase in tasks:
        for package in phase["children"]:
            for leaf in package["children"]:
                yield leaf, package["id"]


def add_uncertainty(doc: dict[str, Any], seed: int) -> dict[str, int]:
    """Estimates on every non-milestone leaf, a few risks and correlation groups, in place."""
    rng = random.Random(f"montecarlo-{seed}")
    by_package: dict[str, list[str]] = {}
    estimated: list[str] = []
    for leaf, package in _leaves(doc["tasks"]):
        key = "duration" if "duration" in leaf else "effort" if "effort" in leaf else None
        if key is None:
            continue
        likely = _minutes(leaf[key])
        low = min(likely, int(likely * rng.uniform(0.7, 0.9)))
        high = max(likely, -(-likely * rng.randint(130, 200) // 100))
        leaf["estimate"] = {
            "optimistic": f"{low}min",
            "likely": leaf[key],
            "pessimistic": f"{high}min",
        }
        estimated.append(leaf["id"])
        by_package.setdefault(package, []).append(leaf["id"])
    tasks = len(list(_leaves(doc["tasks"])))
    owners = [r["name"] for r in doc.get("resources", [])] or ["Programme office"]
    risks = []
    for k in range(max(5, tasks // 500)):
        days = rng.choice((1, 2, 3, 5))
        risks.append(
            {
                "id": f"risk-{k + 1}",
                "title": f"Generated risk {k + 1}",
                "probability": rng.choice((0.1, 0.15, 0.2, 0.3, 0.4, 0.5)),
                "impact": {
                    "schedule": {
                        "optimistic": f"{days}d",
                        "likely": f"{2 * days}d",
                        "pessimistic": f"{4 * days}d",
                    },
                    "cost": {
                        "optimistic": 1000 * days,
                        "likely": 2500 * days,
                        "pessimistic": 6000 * days,
                    },
                },
                "tasks": rng.sample(estimated, rng.randint(1, 3)),
                "owner": rng.choice(owners),
                "response": "Mitigate: generated for the benchmark.",
            }
        )
    doc["risks"] = risks
    packages = [ids for ids in by_package.values() if len(ids) >= 3]
    groups = rng.sample(packages, min(len(packages), max(1, tasks // 1000)))
    doc["correlations"] = [
        {"tasks": ids[: rng.randint(3, 5)], "coefficient": rng.choice((0.4, 0.5, 0.6))}
        for ids in groups
    ]
    return {
        "leaves": tasks,
        "estimated": len(estimated),
        "risks": len(risks),
        "correlated": sum(len(c["tasks"]) for c in doc["correlations"]),
    }


@dataclass
class PlanInfo:
    path: Path
    tasks: int  # leaf tasks
    stats: dict[str, int]


VARIANTS = {
    "plain": "1 calendar, no resources",
    "1": "1 calendar, resources",
    "4": "4 calendars, resources",
}


def _plain(plan: generate_plan.Plan, doc: dict[str, Any]) -> None:
    """Every task on the project calendar: no resources, effort turned into its duration."""
    hours = {leaf.id: leaf.hours for leaf in plan.leaves()}
    doc.pop("resources", None)
    for leaf, _ in _leaves(doc["tasks"]):
        leaf.pop("assign", None)
        if leaf.pop("effort", None) is not None:
            leaf["duration"] = generate_plan._hours(hours[leaf["id"]])


def plan_for(tasks: int, variant: str, seed: int) -> PlanInfo:
    """The generated plan with uncertainty, regenerated when missing or older than its scripts.
    ``variant``: "plain" (1 calendar, no resources), "1" or "4" (calendars, with resources)."""
    calendars = 4 if variant == "4" else 1
    path = OUT / f"mc-{tasks}-{'plain' if variant == 'plain' else f'c{calendars}'}-s{seed}.yaml"
    meta = path.with_suffix(".json")
    scripts = (Path(generate_plan.__file__), Path(__file__))
    newest = max(p.stat().st_mtime for p in scripts)
    if not path.exists() or not meta.exists() or path.stat().st_mtime < newest:
        started = time.perf_counter()
        plan = generate_plan.Generator(tasks, seed, tj3=False, calendars=calendars).build()
        doc = generate_plan.plan_document(plan)
        if variant == "plain":
            _plain(plan, doc)
        stats = add_uncertainty(doc, seed)
        text = yaml.dump(
            doc,
            Dumper=yaml.CSafeDumper,
            sort_keys=False,
            default_flow_style=None,
            allow_unicode=True,
            width=120,
        )
        header = (
            f"# Generated by bench/montecarlo.py from generate_plan.py --tasks {tasks} "
            f"--seed {seed} --calendars {calendars}"
            f"{', resources removed' if variant == 'plain' else ''}, with estimates, risks and "
            "correlations.\n"
        )
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(header + text, encoding="utf-8")
        meta.write_text(json.dumps(stats), encoding="utf-8")
        print(
            f"generated {path.name} in {time.perf_counter() - started:.1f} s: {stats}",
            file=sys.stderr,
        )
    return PlanInfo(path, tasks, json.loads(meta.read_text(encoding="utf-8")))


# -- timing ------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Median wall-clock and CPU (user + system) seconds of some runs, with every wall time."""

    wall: float
    cpu: float
    walls: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.wall:.3f} ({self.cpu:.3f})"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _all_cpu() -> float:
    """This process and its waited-for children (the simulation's forked worker)."""
    return time.process_time() + _children_cpu()


def median_time(action: Callable[[], object], runs: int, cpu: Callable[[], float]) -> Timing:
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        before, started = cpu(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu() - before)
    return Timing(statistics.median(walls), statistics.median(cpus), walls)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the command line as a subprocess ----------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident set size of ``pid`` and its descendants, in bytes (0 once it is gone)."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) * 1024 if match else 0
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except OSError:
            continue
    return total


@dataclass
class CliRun:
    wall: float
    cpu: float
    rss_mb: float  # the largest single process (GNU time)
    tree_mb: float  # main process + worker, sampled


def run_cli(args: list[str], output: Path) -> CliRun:
    """One ``plansmith simulate`` run writing JSON to ``output``; exits on failure."""
    command = [str(BIN / "plansmith"), "simulate", *args, "--format", "json", "-o", str(output)]
    gnu_time = shutil.which("time", path="/usr/bin")
    output.unlink(missing_ok=True)
    peak = 0
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        if gnu_time:
            command = [gnu_time, "-v", "-o", report.name, *command]
        cpu, started = _children_cpu(), time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(process.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, stderr = process.communicate()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        used = _children_cpu() - cpu
        rss_kb = 0
        if gnu_time:
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())
            rss_kb = int(match.group(1)) if match else 0
    if process.returncode != 0:  # warnings still exit 0
        tail = stderr.decode()[-2000:]
        sys.exit(f"plansmith exited {process.returncode}: {' '.join(args)}\n{tail}")
    return CliRun(wall, used, rss_kb / 1024, peak / 2**20)


def check_output(output: Path, iterations: int) -> dict[str, Any]:
    """The JSON holds the fixed fields, the iteration count and ordered percentiles."""
    doc: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert doc["iterations"] == iterations, (doc["iterations"], iterations)
    levels = [doc["finish"][f"p{p}"] for p in (10, 50, 80, 90, 95)]
    assert levels == sorted(levels), levels
    costs = [float(doc["cost"][f"p{p}"]) for p in (10, 50, 80, 90, 95)]
    assert costs == sorted(costs), costs
    assert all(0.0 <= t["criticality"] <= 1.0 for t in doc["tasks"])
    for key in ("seed", "tasks", "risks", "milestones", "histogram"):
        assert key in doc, key
    return doc


# -- (a) speed ---------------------------------------------------------------------------------


@dataclass
class SpeedRow:
    variant: str
    plan: PlanInfo
    nodes: int
    timelines: int
    load_s: float
    build_s: float
    simulation: Timing
    one_core: Timing
    report: Timing
    e2e: Timing
    e2e_rss_mb: float
    p50: str
    p80: str
    load_avg: str

    @property
    def rate(self) -> float:
        return self.plan.tasks * ITERATIONS[0] / self.simulation.wall

    @property
    def cpu_rate(self) -> float:
        """Per CPU second: what one core does, whatever the load."""
        return self.plan.tasks * ITERATIONS[0] / self.simulation.cpu


ITERATIONS = [2000]  # set from --iterations


def measure_speed(tasks: int, variant: str, seed: int, runs: int) -> SpeedRow:
    from plansmith.analytics.montecarlo import Simulation, SimulationOptions, simulate
    from plansmith.analytics.risk_report import report
    from plansmith.analytics.uncertainty import uncertainty_diagnostics
    from plansmith.domain.diagnostics import has_errors
    from plansmith.io.plan_file import load_plan
    from plansmith.scheduling.cpm import run_cpm

    iterations = ITERATIONS[0]
    plan = plan_for(tasks, variant, seed)
    started_load = load()
    started = time.perf_counter()
    loaded = load_plan(plan.path)
    project = loaded.project
    if project is None or not loaded.ok:
        sys.exit(f"{plan.path} does not load: {loaded.diagnostics[:3]}")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    cpm, passes = run_cpm(project)
    problems = [*cpm.diagnostics, *uncertainty_diagnostics(project)]
    if passes is None or has_errors(problems):
        sys.exit(f"{plan.path} does not schedule: {problems[:3]}")
    model = Simulation.build(project, cpm, passes)
    build_s = time.perf_counter() - started
    options = SimulationOptions(iterations=iterations, seed=seed)
    outcome: list[Any] = []
    simulation = median_time(lambda: outcome.append(simulate(model, options)), runs, _all_cpu)
    one = SimulationOptions(iterations=iterations, seed=seed, workers=1)
    one_core = median_time(lambda: simulate(model, one), max(1, runs // 2), _all_cpu)
    tally, precision = outcome[-1]
    reports: list[Any] = []
    timed_report = median_time(
        lambda: reports.append(report(model, tally, options, precision)), runs, _all_cpu
    )
    assert reports[-1].iterations == iterations
    output = plan.path.with_suffix(".out.json")
    args = [str(plan.path), "-n", str(iterations), "--seed", str(seed)]
    cli: list[CliRun] = [run_cli(args, output) for _ in range(runs)]
    doc = check_output(output, iterations)
    e2e = Timing(
        statistics.median(r.wall for r in cli),
        statistics.median(r.cpu for r in cli),
        [r.wall for r in cli],
    )
    return SpeedRow(
        variant,
        plan,
        len(passes.net.node_task),
        len({id(t) for t in passes.net.timelines}),
        load_s,
        build_s,
        simulation,
        one_core,
        timed_report,
        e2e,
        max(r.rss_mb for r in cli),
        doc["finish"]["p50"],
        doc["finish"]["p80"],
        f"{started_load} -> {load()}",
    )


def print_speed(rows: list[SpeedRow], runs: int) -> list[tuple[str, bool]]:
    iterations = ITERATIONS[0]
    print(
        f"\n### (a) Speed: {rows[0].plan.tasks:,} tasks x {iterations:,} iterations "
        f"(median of {runs}; wall seconds, CPU seconds in brackets)\n"
    )
    print(
        "| plan | nodes | calendars in use | estimates / risks / correlated | load + CPM + build "
        "| simulation "
        "| activity-it/s (per CPU s) | one core | report() | end to end | peak RSS MB "
        "| P50 / P80 | load avg |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        s = r.plan.stats
        print(
            f"| {VARIANTS[r.variant]} | {r.nodes:,} | {r.timelines} "
            f"| {s['estimated']:,} / {s['risks']} / {s['correlated']} "
            f"| {r.load_s:.2f} + {r.build_s:.2f} | {r.simulation} "
            f"| {r.rate / 1e6:.1f} M ({r.cpu_rate / 1e6:.1f} M) | {r.one_core} | {r.report} "
            f"| {r.e2e} | {r.e2e_rss_mb:.0f} | {r.p50} / {r.p80} | {r.load_avg} |"
        )
    print()
    for r in rows:
        walls = ", ".join(f"{w:.3f}" for w in r.simulation.walls)
        e2e = ", ".join(f"{w:.3f}" for w in r.e2e.walls)
        print(f"- {VARIANTS[r.variant]}: simulation runs {walls} s; end to end {e2e} s")
    checks = []
    for r in rows:
        label = VARIANTS[r.variant]
        checks += [
            (
                f"{label}: {r.rate / 1e6:.1f} M activity-iterations/s "
                f"({r.cpu_rate / 1e6:.1f} M per CPU second) >= {RATE_TARGET / 1e6:.0f} M",
                r.rate >= RATE_TARGET,
            ),
            (
                f"{label}: simulation {r.simulation.wall:.3f} s (CPU {r.simulation.cpu:.3f} s) "
                f"<= {SIMULATION_TARGET} s",
                r.simulation.wall <= SIMULATION_TARGET,
            ),
            (
                f"{label}: end to end {r.e2e.wall:.2f} s (CPU {r.e2e.cpu:.2f} s) <= {E2E_TARGET} s",
                r.e2e.wall <= E2E_TARGET,
            ),
        ]
    return checks


# -- (b) memory --------------------------------------------------------------------------------


def measure_memory(seed: int) -> list[tuple[str, bool]]:
    plan = plan_for(MEMORY_TASKS, "4", seed)
    rows = []
    for iterations in MEMORY_ITERATIONS:
        before = load()
        output = OUT / f"mc-{MEMORY_TASKS}-memory-{iterations}.out.json"
        run = run_cli([str(plan.path), "-n", str(iterations), "--seed", str(seed)], output)
        check_output(output, iterations)
        rows.append((iterations, run, f"{before} -> {load()}"))
    print(f"\n### (b) Memory: {MEMORY_TASKS:,} tasks (4 calendars), end to end\n")
    print(
        "| iterations | wall s (CPU s) | peak RSS, largest process (MB) "
        "| peak RSS, main + worker (MB) | load avg |"
    )
    print("|---:|---:|---:|---:|---|")
    for iterations, run, load_avg in rows:
        print(
            f"| {iterations:,} | {run.wall:.2f} ({run.cpu:.2f}) | {run.rss_mb:.0f} "
            f"| {run.tree_mb:.0f} | {load_avg} |"
        )
    small, big = rows[0][1], rows[-1][1]
    dense = MEMORY_TASKS * MEMORY_ITERATIONS[-1] * 8 / 2**20
    print(
        f"\n(one unbatched int64 matrix of {MEMORY_TASKS:,} tasks x "
        f"{MEMORY_ITERATIONS[-1]:,} iterations would take {dense:,.0f} MB)"
    )
    growth = big.tree_mb / small.tree_mb
    return [
        (
            f"memory bounded: {MEMORY_TASKS:,} x {MEMORY_ITERATIONS[-1]:,} peak "
            f"{big.tree_mb:.0f} MB (main + worker; largest process {big.rss_mb:.0f} MB) = "
            f"{growth:.2f}x the {MEMORY_ITERATIONS[0]:,}-iteration run <= {MEMORY_GROWTH}x",
            growth <= MEMORY_GROWTH,
        )
    ]


# -- (c) leveled -------------------------------------------------------------------------------


def measure_level(seed: int, schedules: int) -> list[tuple[str, bool]]:
    plan = plan_for(LEVEL_TASKS, "4", seed)
    before = load()
    output = OUT / f"mc-{LEVEL_TASKS}-level.out.json"
    args = [str(plan.path), "-n", str(LEVEL_ITERATIONS), "--seed", str(seed), "--level"]
    args += ["--schedules", str(schedules)]
    run = run_cli(args, output)
    doc = check_output(output, LEVEL_ITERATIONS)
    assert doc["leveled"] is True
    unleveled = OUT / f"mc-{LEVEL_TASKS}-unleveled.out.json"
    plain = run_cli([str(plan.path), "-n", str(LEVEL_ITERATIONS), "--seed", str(seed)], unleveled)
    base = json.loads(unleveled.read_text(encoding="utf-8"))
    resources = len(
        yaml.load(plan.path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["resources"]
    )
    print(
        f"\n### (c) Leveled: {LEVEL_TASKS} tasks, {resources} resources, "
        f"{LEVEL_ITERATIONS:,} iterations, {schedules} schedules each\n"
    )
    print(
        "| mode | wall s (CPU s) | iterations/s | schedules/s | plan finish | P50 | P80 "
        "| load avg |"
    )
    print("|---|---:|---:|---:|---|---|---|---|")
    print(
        f"| leveled | {run.wall:.2f} ({run.cpu:.2f}) | {LEVEL_ITERATIONS / run.wall:.0f} "
        f"| {LEVEL_ITERATIONS * schedules / run.wall:,.0f} "
        f"| {doc['project']['deterministic_finish']} | {doc['finish']['p50']} "
        f"| {doc['finish']['p80']} | {before} -> {load()} |"
    )
    print(
        f"| critical path only | {plain.wall:.2f} ({plain.cpu:.2f}) "
        f"| {LEVEL_ITERATIONS / plain.wall:,.0f} | | {base['project']['deterministic_finish']} "
        f"| {base['finish']['p50']} | {base['finish']['p80']} | |"
    )
    return [
        (
            f"leveled: {LEVEL_ITERATIONS:,} iterations of {LEVEL_TASKS} tasks in {run.wall:.1f} s "
            f"(CPU {run.cpu:.1f} s; {LEVEL_ITERATIONS / run.wall:.0f} iterations/s) "
            f"<= {LEVEL_TARGET:.0f} s",
            run.wall <= LEVEL_TARGET,
        )
    ]


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="speed,memory,level", help="any of speed,memory,level")
    parser.add_argument("--tasks", type=int, default=5000, help="tasks for (a)")
    parser.add_argument("--iterations", type=int, default=2000, help="iterations for (a)")
    parser.add_argument(
        "--variants",
        default="plain,1,4",
        help="plans for (a): plain (1 calendar, no resources), 1 or 4 (calendars, resources)",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schedules", type=int, default=20, help="per leveled iteration (c)")
    parser.add_argument(
        "--commit", help="measure this commit's src/ (default: the working tree), e.g. HEAD"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (default: report)"
    )
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    ITERATIONS[0] = args.iterations
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Plansmith: {source}")
    print(f"Machine: {machine()}")
    print(f"Load average at the start (1 / 5 / 15 min): {load()}")
    checks: list[tuple[str, bool]] = []
    if "speed" in parts:
        rows = []
        for variant in (v.strip() for v in args.variants.split(",")):
            if variant not in VARIANTS:
                parser.error(f"unknown variant {variant!r}: use {', '.join(VARIANTS)}")
            print(f"measuring speed, {VARIANTS[variant]} ...", file=sys.stderr)
            rows.append(measure_speed(args.tasks, variant, args.seed, args.runs))
        checks += print_speed(rows, args.runs)
    if "memory" in parts:
        print("measuring memory ...", file=sys.stderr)
        checks += measure_memory(args.seed)
    if "level" in parts:
        print("measuring leveled simulation ...", file=sys.stderr)
        checks += measure_level(args.seed, args.schedules)
    print(f"\nLoad average at the end (1 / 5 / 15 min): {load()}")
    print("\nTargets (issue 4):")
    for text, ok in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")
    if os.getloadavg()[0] > 1.0:
        print(
            "- note: the machine was busy (load average above 1 on 2 CPUs): wall-clock times are "
            "inflated; CPU times are the better guide"
        )
    if args.strict and not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
