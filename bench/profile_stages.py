"""Where the time of `plansmith schedule PLAN --format json` goes, stage by stage (one process).

Times each stage the CLI runs (best of --runs): importing the CLI, YAML parsing, the structure
checks (Pydantic), building the model, the network (references, calendars, gates, order), the
whole scheduling pass, the JSON result and its text; prints the Python heap peak of the
scheduling pass (tracemalloc) and, with --cprofile FILE, writes a cProfile of the scheduling pass
and prints its top functions.

Usage: .venv/bin/python bench/profile_stages.py bench/out/plan-10000-s1.yaml [--cprofile out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import BIN, use_source


def best(action: Callable[[], Any], runs: int, *, child: bool = False) -> tuple[float, float, Any]:
    """Best wall-clock and CPU seconds of ``runs`` runs (CPU of the subprocesses with ``child``)."""
    walls, cpus, value = [], [], None

    def cpu_now() -> float:
        if not child:
            return time.process_time()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    for _ in range(runs):
        cpu, started = cpu_now(), time.perf_counter()
        value = action()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_now() - cpu)
    return min(walls), min(cpus), value


def timeline_counts(schedule: Callable[[], object]) -> str:
    """How many calendars the pass compiles, and how many calendar days in all (instrumented)."""
    from plansmith.scheduling import timeline

    compiled: dict[str, int] = {}
    days = 0
    original = timeline.Timeline._compile

    def counting(self: Any) -> None:
        nonlocal days
        key = self.working_time.id
        compiled[key] = compiled.get(key, 0) + 1
        days += self._hi_day - self._lo_day
        original(self)

    timeline.Timeline._compile = counting  # type: ignore[method-assign]
    try:
        schedule()
    finally:
        timeline.Timeline._compile = original  # type: ignore[method-assign]
    return (
        f"{len(compiled)} distinct calendars compiled {sum(compiled.values())} times "
        f"(initial compile + re-compiles on growth), {days:,} calendar days in all"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cprofile", type=Path, help="write a profile of the scheduling pass")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--commit", help="profile this commit's src/ (default: the working tree)")
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    from plansmith.io import plan_file
    from plansmith.io.plan_schema import PlanSpec
    from plansmith.io.schedule_json import schedule_to_json
    from plansmith.io.yaml_source import YamlSource
    from plansmith.scheduling.cpm import schedule_project
    from plansmith.scheduling.network import build_network

    runs = args.runs
    name = str(args.plan)
    rows: list[tuple[str, float, float]] = []
    startup = [str(BIN / "python"), "-c", "import plansmith.cli.main"]
    wall, cpu, _ = best(lambda: subprocess.run(startup, check=True), runs, child=True)
    rows.append(("start-up: import plansmith.cli.main (subprocess)", wall, cpu))
    text = args.plan.read_text(encoding="utf-8")
    wall, cpu, (data, _) = best(lambda: YamlSource(name, text).load(), runs)
    rows.append(("YAML parse (YamlSource.load: ryaml)", wall, cpu))
    wall, cpu, spec = best(lambda: PlanSpec.model_validate(data), runs)
    rows.append(("structure checks (Pydantic PlanSpec)", wall, cpu))
    wall, cpu, project = best(lambda: plan_file._ProjectBuilder(spec).build(), runs)
    rows.append(("model build (_ProjectBuilder)", wall, cpu))
    wall, cpu, _ = best(lambda: build_network(project), runs)
    rows.append(("  network alone (references, calendars, gates, order)", wall, cpu))
    wall, cpu, result = best(lambda: schedule_project(project), runs)
    rows.append(("scheduling pass: schedule_project (includes the network)", wall, cpu))
    diagnostics = result.diagnostics

    def locate_all() -> list[Any]:
        source = YamlSource(name, text)  # as load_plan leaves it: task-scoped look-ups first
        source.know_tasks({task.origin: task.id for task in project.tasks})
        return [source.place(d) for d in diagnostics]

    wall, cpu, _ = best(locate_all, runs)
    rows.append((f"locating {len(diagnostics)} diagnostics (as the CLI does)", wall, cpu))
    wall, cpu, doc = best(lambda: schedule_to_json(project, result, diagnostics), runs)
    rows.append(("JSON result dict (schedule_to_json)", wall, cpu))
    wall, cpu, _ = best(lambda: json.dumps(doc, indent=2, ensure_ascii=False), runs)
    rows.append(("JSON text (json.dumps indent=2)", wall, cpu))
    width = max(len(label) for label, _, _ in rows)
    print(f"{args.plan} ({len(project.tasks)} tasks), Plansmith {source}, best of {runs}:")
    print(f"  {'stage':<{width}}  {'wall s':>7}  {'CPU s':>7}")
    for label, wall, cpu in rows:
        print(f"  {label:<{width}}  {wall:7.3f}  {cpu:7.3f}")
    tracemalloc.start()
    schedule_project(project)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  Python heap peak of the scheduling pass (tracemalloc): {peak / 2**20:.0f} MiB")
    print(f"  timelines: {timeline_counts(lambda: schedule_project(project))}")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.runcall(schedule_project, project)
        profiler.dump_stats(args.cprofile)
        pstats.Stats(str(args.cprofile)).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
