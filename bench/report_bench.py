"""Status report benchmark (issue 8): a 2,000-task project's status report rendered to PDF.

The plan is bench/montecarlo.py's generated programme (generate_plan.py with resources and
rates on four calendars, three-point estimates, risks and correlations), with a status date a
third of the way through and progress recorded as a real plan would have it: tasks the schedule
finishes by the status date have their actual start and finish, tasks under way at it have
started and are half done.

It prints the time of each stage in one process (median of --runs, wall and CPU seconds):
loading the plan, scheduling and costing it at the status date, earned value, the Monte Carlo
forecast, building the document, then rendering HTML (with its charts), PDF from that HTML,
XLSX and Markdown; and the whole command, ``plansmith report PLAN --format pdf -o FILE``, as a
user runs it (a fresh process: imports included). The target is the command in <= 5 s.

Usage: .venv/bin/python bench/report_bench.py [--tasks 2000] [--seed 1] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import montecarlo
from plansmith.analytics.montecarlo import SimulationOptions
from plansmith.io.plan_file import load_plan
from plansmith.reports.html import render_html
from plansmith.reports.markdown import render_markdown
from plansmith.reports.pdf import html_to_pdf
from plansmith.reports.status import StatusInputs, build_status_report
from plansmith.reports.xlsx import render_xlsx
from plansmith.services.money import cost_plan, evm_of
from plansmith.services.reports import ITERATIONS, SEED
from plansmith.services.risk import simulate_plan

T = TypeVar("T")


def _leaves(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        if task.get("children"):
            out += _leaves(task["children"])
        else:
            out.append(task)
    return out


def tracked_plan(tasks: int, seed: int) -> Path:
    """The generated plan with a status date and progress, written next to it once."""
    info = montecarlo.plan_for(tasks, "4", seed)
    path = info.path.with_name(info.path.stem + "-tracked.yaml")
    if path.exists() and path.stat().st_mtime >= info.path.stat().st_mtime:
        return path
    plan = load_plan(info.path)
    costed, diagnostics, _ = cost_plan(plan)
    assert costed is not None, diagnostics[:3]
    schedule = costed.schedule
    start, finish = schedule.at(schedule.start), schedule.at(schedule.finish)
    status = (start + (finish - start) / 3).date()
    placed = {t.id: (schedule.at(t.start), schedule.at(t.finish)) for t in schedule.tasks}
    doc = yaml.safe_load(info.path.read_text(encoding="utf-8"))
    doc["project"]["status_date"] = status.isoformat()
    for leaf in _leaves(doc["tasks"]):
        begin, end = placed[leaf["id"]]
        if end.date() <= status:
            leaf["actual_start"] = begin.date().isoformat()
            leaf["actual_finish"] = end.date().isoformat()
        elif begin.date() <= status and not leaf.get("milestone"):
            leaf["actual_start"] = begin.date().isoformat()
            leaf["progress"] = "50%"
    text = yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(f"# {info.path.name} with a status date and progress\n{text}", "utf-8")
    return path


def timed(stages: dict[str, list[float]], name: str, action: Callable[[], T]) -> T:
    began = time.perf_counter()
    result = action()
    stages.setdefault(name, []).append(time.perf_counter() - began)
    return result


def one_run(path: Path, stages: dict[str, list[float]]) -> int:
    """The stages of services.reports.status_report and the renderers, timed one by one."""
    plan = timed(stages, "load plan", lambda: load_plan(path))
    assert plan.project is not None
    day: date = plan.project.status_date or date.today()
    costed, diagnostics, plan = timed(stages, "schedule + cost", lambda: cost_plan(plan, day))
    assert costed is not None
    earned = timed(stages, "earned value", lambda: evm_of(costed, diagnostics, plan, {}, []))
    options = SimulationOptions(iterations=ITERATIONS, seed=SEED, workers=2)
    dated = replace(plan, project=replace(costed.project, status_date=day))
    simulated = timed(stages, "simulation", lambda: simulate_plan(dated, options))
    inputs = StatusInputs(
        costed.project,
        costed.schedule,
        costed.costs,
        day,
        diagnostics,
        earned.result,
        simulated.report,
    )
    report = timed(stages, "build document", lambda: build_status_report(inputs))
    html = timed(stages, "render HTML + charts", lambda: render_html(report))
    pdf = timed(stages, "render PDF (WeasyPrint)", lambda: html_to_pdf(html))
    timed(stages, "render XLSX", lambda: render_xlsx(report))
    timed(stages, "render Markdown", lambda: render_markdown(report))
    return len(pdf)


def command(path: Path, out: Path) -> float:
    began = time.perf_counter()
    subprocess.run(
        [str(benchlib.BIN / "plansmith"), "report", str(path), "-f", "pdf", "-o", str(out)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    path = tracked_plan(args.tasks, args.seed)
    print(f"machine: {benchlib.machine()}")
    print(f"plan: {path.relative_to(benchlib.ROOT)} ({args.tasks} tasks)")
    print(f"simulation: {ITERATIONS} iterations, seed {SEED}, two workers")
    one_run(path, {})  # warm-up: imports, Matplotlib's font cache
    stages: dict[str, list[float]] = {}
    size = 0
    for _ in range(args.runs):
        size = one_run(path, stages)
    print(f"\nstages, median of {args.runs} runs (seconds):")
    for name, times in stages.items():
        print(f"  {name:<26} {statistics.median(times):7.3f}")
    total = sum(statistics.median(t) for t in stages.values())
    print(f"  {'sum of the stages':<26} {total:7.3f}   (PDF {size / 1024:.0f} KiB)")
    out = benchlib.OUT / f"report-{args.tasks}.pdf"
    walls = [command(path, out) for _ in range(args.runs)]
    wall = statistics.median(walls)
    verdict = "met" if wall <= 5.0 else "NOT met"
    print(
        f"\nplansmith report --format pdf: {wall:.2f} s median of {args.runs} "
        f"({', '.join(f'{w:.2f}' for w in walls)}); target <= 5 s: {verdict}"
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average at the end: {' '.join(load)}")


if __name__ == "__main__":
    main()
