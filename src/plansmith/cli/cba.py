"""``plansmith cba``: cost-benefit analysis of purchase options from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plansmith.cli.output import OutputFormat, finish


def register(app: typer.Typer) -> None:
    app.command()(cba)


def cba(
    file: Annotated[Path, typer.Argument(help="The cost-benefit file (YAML).", show_default=False)],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json")
    ] = OutputFormat.TABLE,
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
    finish(
        ok=outcome.ok,
        diagnostics=outcome.diagnostics,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=outcome.to_json,
        table=lambda console: print_cba(console, outcome, cash_flows=cash_flows),
        width=160,
    )
