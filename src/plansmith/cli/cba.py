"""``plansmith cba``: cost-benefit analysis of purchase options from the command line."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from plansmith.cli.render import print_diagnostics


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command()(cba)


def cba(
    file: Annotated[Path, typer.Argument(help="The cost-benefit file (YAML).", show_default=False)],
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="table or json")
    ] = Format.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    steps: Annotated[
        str | None,
        typer.Option(
            "--steps",
            help="Sensitivity steps instead of the file's, e.g. '-30%,-15%,15%,30%'.",
        ),
    ] = None,
    cash_flows: Annotated[
        bool, typer.Option("--cash-flows/--no-cash-flows", help="Print each option's cash flows.")
    ] = True,
) -> None:
    """Compare purchase options: TCO, NPV, IRR, ROI, payback and sensitivity of the NPV."""
    # Imported here: the other commands' start-up does not need the cost-benefit modules.
    from plansmith.cli.cba_render import print_cba
    from plansmith.services.cba import analyse_cba_file

    outcome = analyse_cba_file(file, steps)
    err = Console(stderr=True)
    print_diagnostics(err, outcome.diagnostics)
    try:
        if output_format is Format.JSON:
            data = orjson.dumps(outcome.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                output.write_bytes(data)
        elif outcome.ok:
            if output is None:
                print_cba(Console(), outcome, cash_flows=cash_flows)
            else:
                with output.open("w", encoding="utf-8") as handle:
                    print_cba(Console(file=handle, width=160), outcome, cash_flows=cash_flows)
    except OSError as exc:
        err.print(
            f"error[output_not_writable]: cannot write {output}: {exc.strerror or exc}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None
    raise typer.Exit(0 if outcome.ok else 1)
