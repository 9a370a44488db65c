"""Shared helpers of the benchmark scripts: paths, the Plansmith source to measure, the machine."""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = ROOT / ".venv" / "bin"


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def use_source(commit: str | None) -> str:
    """Make ``commit``'s src/ (exported under bench/out/) the Plansmith that is measured, in this
    process and in the subprocesses it starts (PYTHONPATH wins over the editable install's path);
    None measures the working tree. Returns a description for the report."""
    if commit is None:
        src = ROOT / "src"
        try:
            dirty = bool(_git("status", "--porcelain", "--", "src"))
            label = f"working tree at {_git('rev-parse', '--short', 'HEAD')}" + (
                " with uncommitted changes in src/" if dirty else ""
            )
        except (OSError, subprocess.CalledProcessError):
            label = "working tree"
    else:
        sha = _git("rev-parse", "--short", commit)
        src = OUT / f"src-{sha}" / "src"
        if not src.exists():
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", sha, "src"], capture_output=True, check=True
            ).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(src.parent, filter="data")
        label = f"commit {sha}"
    sys.path.insert(0, str(src))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return label


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def range_minutes(text: str) -> tuple[int, int]:
    """'HH:MM-HH:MM' as minutes after midnight, as plan files write working time."""
    start, end = text.split("-")
    h1, m1 = start.split(":")
    h2, m2 = end.split(":")
    return int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)


def plan_days(entries: list[Any] | None) -> set[date]:
    """The days of a plan's holiday or vacation entries (a date, {date}, or {from, to})."""
    out: set[date] = set()
    for entry in entries or []:
        if isinstance(entry, dict) and "from" in entry:
            day, last = entry["from"], entry["to"]
            while day <= last:
                out.add(day)
                day += timedelta(days=1)
        else:
            out.add(entry["date"] if isinstance(entry, dict) else entry)
    return out
