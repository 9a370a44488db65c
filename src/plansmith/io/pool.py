"""Shared resource pool files: one list of people and equipment that several plans book.

A plan names its pool with ``pool: path/to/pool.yaml`` (relative to the plan); the pool's
resources and calendars join the plan's own. Problems inside the pool file are located in it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, has_errors
from plansmith.io.plan_schema import PoolSpec
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.yaml_source import YamlSource


def load_pool(path: Path, referenced_at: DocPath) -> tuple[PoolSpec | None, list[Diagnostic]]:
    """The pool, or None with diagnostics (located in the pool file, or at the plan's ``pool``
    key when the file cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        return None, [
            error("pool_not_found", f"cannot read pool {path}: {reason}", None, referenced_at)
        ]
    source = YamlSource(str(path), text)
    data, problems = source.load()
    if has_errors(problems):
        return None, problems
    if not isinstance(data, dict):
        return None, [
            source.place(
                error(
                    "invalid_type",
                    "a pool file is a mapping with 'resources:' (and optionally 'calendars:')",
                )
            )
        ]
    try:
        pool = PoolSpec.model_validate(data)
    except ValidationError as exc:
        return None, [source.place(d) for d in pydantic_diagnostics(exc)]
    return pool, problems
