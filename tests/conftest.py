"""Shared fixtures: write a small plan into a temporary directory and find positions in it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PlanFile:
    path: Path
    text: str

    def at(self, needle: str, nth: int = 1, *, after: str = "") -> tuple[int, int]:
        """1-based (line, column) of the ``nth`` occurrence of ``needle`` (after ``after``)."""
        offset = self.text.index(after) + len(after) if after else 0
        for _ in range(nth):
            offset = self.text.index(needle, offset) + 1
        offset -= 1
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[..., PlanFile]:
    """``write_plan(text, name="plan.yaml")``: the dedented text written to a file."""

    def write(text: str, name: str = "plan.yaml") -> PlanFile:
        body = textwrap.dedent(text).lstrip("\n")
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return PlanFile(path, body)

    return write
