"""MS Project XML import: a generated 20,000-task MSPDI file read, checked, scheduled and
compared with its own dates, then stored through ``plansmith import`` (target: <= 5 s, memory
bounded).

The file is written by our own exporter from a plan of bench/generate_plan.py (four calendars,
holidays, resources with vacations, all four link types with lags, constraints), so every date
in it is one our engine computed: the import must reproduce all of them. Each measurement runs in
a fresh process so that its peak resident memory (ru_maxrss) is its own.

Usage: bench/mspdi_bench.py [--tasks 20000] [--seed 1] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import machine  # noqa: E402
from generate_plan import generate  # noqa: E402


def _write_file(tasks: int, seed: int, folder: Path) -> Path:
    from plansmith.io.plan_file import load_plan
    from plansmith.services.mspdi import plan_mspdi_bytes

    plan_path = folder / "plan.yaml"
    generate(tasks, seed, plan_path)
    data, _ = plan_mspdi_bytes(load_plan(plan_path))
    xml = folder / f"generated-{tasks}.xml"
    xml.write_bytes(data)
    return xml


def _read_once(xml: str, traced: bool) -> None:
    """One import in this process: print its seconds and peak memory as JSON. ``traced``
    measures the Python heap's peak during the import with tracemalloc (slower, so a run of
    its own)."""
    import tracemalloc

    from plansmith.services.mspdi import read_mspdi_plan

    if traced:
        tracemalloc.start()
    begin = time.perf_counter()
    outcome = read_mspdi_plan(Path(xml))
    seconds = time.perf_counter() - begin
    heap_mib = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mib": peak_mib,
                "heap_mib": heap_mib,
                "ok": outcome.ok,
                "compared": outcome.dates.compared,
                "differences": len(outcome.dates.differences),
            }
        )
    )


def _baseline_mib() -> float:
    """Peak memory of a process that only imports what the reader needs, for comparison."""
    code = (
        "import resource, plansmith.services.mspdi;"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--read-once", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read_once:
        _read_once(args.read_once, args.traced)
        return
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        xml = _write_file(args.tasks, args.seed, Path(folder))
        size_mib = xml.stat().st_size / 2**20
        print(f"file: {args.tasks} tasks, {size_mib:.1f} MiB")
        runs = []
        for _ in range(args.runs):
            done = subprocess.run(
                [sys.executable, __file__, "--read-once", str(xml)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(done.stdout))
        seconds = statistics.median(r["seconds"] for r in runs)
        each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        print(
            f"read, check, schedule and compare: median {seconds:.2f} s over {args.runs} runs "
            f"({each}); ok={runs[0]['ok']}, "
            f"{runs[0]['compared']} tasks compared, {runs[0]['differences']} differences"
        )
        print(f"peak memory: {peak:.0f} MiB (the modules alone: {_baseline_mib():.0f} MiB)")
        done = subprocess.run(
            [sys.executable, __file__, "--read-once", str(xml), "--traced"],
            capture_output=True,
            text=True,
            check=True,
        )
        heap = json.loads(done.stdout)["heap_mib"]
        print(f"Python heap at its peak during the import (tracemalloc): {heap:.0f} MiB")
        whole = [_whole_command(xml, Path(folder), run) for run in range(args.runs)]
        each = ", ".join(f"{s:.2f}" for s in whole)
        print(
            f"plansmith import into SQLite, whole command: median {statistics.median(whole):.2f} s "
            f"over {args.runs} runs ({each})"
        )


def _whole_command(xml: Path, folder: Path, run: int) -> float:
    """``plansmith import FILE`` as a user runs it (start-up included), into a new database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANSMITH_")}
    env |= {
        "PLANSMITH_DATA_DIR": str(folder),
        "PLANSMITH_DATABASE_URL": f"sqlite:///{folder}/bench-{run}.db",
        "PLANSMITH_DEMO": "0",
    }
    plansmith = str(Path(sys.executable).parent / "plansmith")
    subprocess.run([plansmith, "db", "upgrade"], env=env, capture_output=True, check=True)
    begin = time.perf_counter()
    subprocess.run([plansmith, "import", str(xml)], env=env, capture_output=True, check=True)
    return time.perf_counter() - begin


if __name__ == "__main__":
    main()
