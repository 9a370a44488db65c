"""Baselines and status history, kept next to the plan as JSON.

``PLAN.baselines.json`` holds any number of named baselines: for each task its planned start,
finish and cost, and its cost per day (what planned value needs, so a baseline stays valid
whatever later happens to calendars or rates). ``PLAN.status.json`` holds the earned-value figures
recorded at past status dates, for S-curves. Money is written as decimal strings, exactly. Files
are replaced atomically, so an interrupted save never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


class BaselineFileError(Exception):
    """A baselines or status file that cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class BaselineTask:
    name: str
    start: str  # "YYYY-MM-DDTHH:MM"
    finish: str
    cost: Decimal
    days: dict[date, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Baseline:
    name: str
    saved: str
    start: str
    finish: str
    tasks: dict[str, BaselineTask]  # summaries carry their children's total
    cost: Decimal  # the whole plan, expenses outside tasks included


def baselines_path(plan: Path) -> Path:
    return plan.with_name(f"{plan.stem}.baselines.json")


def status_path(plan: Path) -> Path:
    return plan.with_name(f"{plan.stem}.status.json")


def load_baselines(plan: Path) -> dict[str, Baseline]:
    """The plan's baselines in the order saved (none when the file does not exist)."""
    doc = _read(baselines_path(plan))
    saved = doc.get("baselines", {})
    if not isinstance(saved, dict):
        raise BaselineFileError(f"{baselines_path(plan)} is damaged: 'baselines' is not an object")
    try:
        return {name: baseline_from_json(name, body) for name, body in saved.items()}
    except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise BaselineFileError(f"{baselines_path(plan)} is damaged: {exc!r}") from None


def save_baseline(plan: Path, baseline: Baseline) -> Path:
    path = baselines_path(plan)
    doc = _read(path)
    saved = doc.setdefault("baselines", {})
    saved.pop(baseline.name, None)  # a replaced baseline becomes the latest
    saved[baseline.name] = baseline_to_json(baseline)
    doc["version"] = FORMAT_VERSION
    _write(path, doc)
    return path


def load_status_history(plan: Path) -> list[dict[str, Any]]:
    history = _read(status_path(plan)).get("snapshots", [])
    if not isinstance(history, list) or not all(
        isinstance(s, dict) and isinstance(s.get("status_date"), str) for s in history
    ):
        raise BaselineFileError(
            f"{status_path(plan)} is damaged: 'snapshots' must be a list of objects, each with "
            "a status_date"
        )
    return history


def record_status(plan: Path, snapshot: dict[str, Any]) -> Path:
    """Add (or replace, for the same status date) one snapshot of earned-value figures."""
    path = status_path(plan)
    doc = _read(path)
    kept = [s for s in doc.get("snapshots", []) if s.get("status_date") != snapshot["status_date"]]
    doc["snapshots"] = sorted([*kept, snapshot], key=lambda s: str(s["status_date"]))
    doc["version"] = FORMAT_VERSION
    _write(path, doc)
    return path


def baseline_from_json(name: str, body: dict[str, Any]) -> Baseline:
    tasks = {
        task_id: BaselineTask(
            t["name"],
            t["start"],
            t["finish"],
            Decimal(t["cost"]),
            {date.fromisoformat(d): Decimal(a) for d, a in t.get("days", [])},
        )
        for task_id, t in body["tasks"].items()
    }
    return Baseline(
        name, body["saved"], body["start"], body["finish"], tasks, Decimal(body["cost"])
    )


def baseline_to_json(baseline: Baseline) -> dict[str, Any]:
    return {
        "saved": baseline.saved,
        "start": baseline.start,
        "finish": baseline.finish,
        "cost": str(baseline.cost),
        "tasks": {
            task_id: {
                "name": t.name,
                "start": t.start,
                "finish": t.finish,
                "cost": str(t.cost),
                "days": [[d.isoformat(), str(a)] for d, a in sorted(t.days.items())],
            }
            for task_id, t in baseline.tasks.items()
        },
    }


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BaselineFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineFileError(
            f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}"
        ) from None
    if not isinstance(doc, dict):
        raise BaselineFileError(f"{path} is damaged: expected an object")
    return doc


def _write(path: Path, doc: dict[str, Any]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=1, sort_keys=False)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
