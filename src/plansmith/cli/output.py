"""How every command ends: diagnostics on stderr, the result as JSON or a table, the exit status.

One place, so that every command prints problems one line each, writes JSON even when the input
has errors (with its diagnostics), writes a file only when asked, answers a path it cannot write
with one line and exit status 2, and exits 1 when the input has errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

import orjson
import typer
from rich.console import Console

from plansmith.cli.render import print_diagnostics
from plansmith.domain.diagnostics import Diagnostic


class OutputFormat(StrEnum):
    """``--format``: every command prints a table or writes JSON."""

    TABLE = "table"
    JSON = "json"


def finish(
    *,
    ok: bool,
    diagnostics: Iterable[Diagnostic],
    as_json: bool,
    output: Path | None,
    to_json: Callable[[], dict[str, Any]],
    table: Callable[[Console], None],
    width: int | None = None,
) -> NoReturn:
    """Report and exit. ``to_json`` is called whatever ``ok`` says (it carries the
    diagnostics); ``table`` only when ``ok``. ``width``: of a table written to a file."""
    err = Console(stderr=True)
    print_diagnostics(err, tuple(diagnostics))
    try:
        if as_json:
            data = orjson.dumps(to_json(), option=orjson.OPT_INDENT_2) + b"\n"
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                output.write_bytes(data)
        elif ok:
            if output is None:
                table(Console())
            else:
                with output.open("w", encoding="utf-8") as handle:
                    table(Console(file=handle, width=width) if width else Console(file=handle))
    except OSError as exc:
        cannot_write(err, output, exc)
    raise typer.Exit(0 if ok else 1)


def cannot_write(err: Console, target: Path | None, exc: OSError) -> NoReturn:
    """A path the user gave that cannot be written: one line, exit 2, nothing half-written."""
    err.print(
        f"error[output_not_writable]: cannot write {target}: {exc.strerror or exc}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(2)
