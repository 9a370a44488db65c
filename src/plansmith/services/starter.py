"""Starting a new plan file from the commented template."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from plansmith.io.starter import plan_id, render_starter


class StarterExistsError(Exception):
    """The target file exists; a starter never overwrites a plan."""


def write_starter_plan(name: str, start: date, output: Path | None = None) -> Path:
    target = output or Path(f"{plan_id(name)}.yaml")
    text = render_starter(name, start, target.name)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise StarterExistsError(f"{target} already exists; choose another name with -o") from None
    return target
