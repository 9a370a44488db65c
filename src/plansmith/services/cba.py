"""Cost-benefit analysis of a file: the use case behind ``plansmith cba``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plansmith.analytics.cba import CbaResult, analyse
from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.io.cba_file import LoadedCba, load_cba, parse_rate
from plansmith.io.cba_json import cba_to_json


@dataclass(frozen=True)
class CbaOutcome:
    """The analysis of a file (None when it has errors) and every located diagnostic."""

    loaded: LoadedCba
    result: CbaResult | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.result is not None and not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        analysis = self.result.analysis if self.result is not None else self.loaded.analysis
        return cba_to_json(analysis, self.result, self.diagnostics)


def analyse_cba_file(path: str | Path, steps: str | None = None) -> CbaOutcome:
    """Load, check and analyse; ``steps`` ("-30%,-15%,15%,30%") replaces the file's sensitivity
    steps. Problems come back as diagnostics, never as exceptions."""
    loaded = load_cba(path)
    analysis = loaded.analysis
    if analysis is None or not loaded.ok:
        return CbaOutcome(loaded, None, tuple(loaded.diagnostics))
    if steps is not None:
        parsed = []
        for text in steps.split(","):
            try:
                parsed.append(parse_rate(text))
            except ValueError as exc:
                problem = error("invalid_rate", f"--steps: {exc}", "--steps")
                return CbaOutcome(loaded, None, (*loaded.diagnostics, problem))
        analysis = replace(analysis, steps=tuple(sorted(set(parsed))))
    return CbaOutcome(loaded, analyse(analysis), tuple(loaded.diagnostics))
