"""MS Project XML on the command line: the converters ``plansmith convert`` dispatches to, the
fidelity report they print, and the MSPDI branches of ``import`` and ``export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from plansmith.cli.output import cannot_write
from plansmith.cli.render import print_diagnostics

if TYPE_CHECKING:
    from plansmith.cli.convert import Conversion
    from plansmith.io.mspdi.fidelity import Fidelity
    from plansmith.services.mspdi import MspdiOutcome


def convert_mspdi(request: Conversion) -> None:
    """MSPDI to a plan file, the fidelity report on stderr (all of it with --preview)."""
    from plansmith.services.mspdi import read_mspdi_plan

    outcome = read_mspdi_plan(request.source)
    err = Console(stderr=True)
    print_diagnostics(err, outcome.diagnostics)
    if request.preview:
        print_fidelity(Console(), outcome, full=True)
        raise typer.Exit(0 if outcome.ok else 1)
    if not outcome.ok:
        raise typer.Exit(1)
    print_fidelity(err, outcome, full=False)
    _write(outcome.plan_text().encode("utf-8"), request.output, err)
    if request.output is not None and outcome.imported.baselines:
        from plansmith.io.baselines import save_baseline

        for baseline in outcome.imported.baselines:
            written = save_baseline(request.output, baseline)
        names = ", ".join(b.name for b in outcome.imported.baselines)
        err.print(f"Wrote {written}: the file's baselines ({names})", markup=False)


def convert_plan_to_mspdi(request: Conversion) -> None:
    """A plan file to MSPDI (``-o FILE.xml``), listing what MSPDI has no field for."""
    from plansmith.io.baselines import load_baselines
    from plansmith.io.plan_file import load_plan
    from plansmith.services.mspdi import plan_mspdi_bytes

    err = Console(stderr=True)
    plan = load_plan(request.source)
    print_diagnostics(err, plan.diagnostics)
    if not plan.ok:
        raise typer.Exit(1)
    data, fidelity = plan_mspdi_bytes(plan, list(load_baselines(request.source).values()))
    print_lost(err, fidelity)
    _write(data, request.output, err)


def print_fidelity(console: Console, outcome: MspdiOutcome, *, full: bool) -> None:
    """What came across and how; ``full`` lists mapped and recomputed fields too."""
    report = outcome.report_json()
    summary = report["summary"]
    console.print(
        f"{outcome.imported.filename}: {summary['mapped']} field kinds mapped, "
        f"{summary['approximated']} approximated, {summary['dropped']} dropped, "
        f"{summary['recomputed']} recomputed",
        markup=False,
        highlight=False,
    )
    table = Table(title="Fidelity", title_justify="left")
    for heading in ("Fate", "Section", "Field", "How", "Count", "For example"):
        table.add_column(heading)
    for entry in report["fields"]:
        if full or entry["fate"] in ("dropped", "approximated"):
            table.add_row(
                entry["fate"],
                entry["section"],
                entry["field"],
                entry["detail"],
                str(entry["count"]),
                ", ".join(entry["examples"]),
            )
    if table.row_count:
        console.print(table)
    dates = outcome.dates
    if not dates.scheduled:
        console.print(f"Dates not compared: {dates.reason}.", markup=False)
    elif dates.same:
        day = " (to the day: the file keeps no times)" if dates.by_day else ""
        console.print(
            f"Dates: all {dates.compared} tasks start and finish as in the file{day}.",
            markup=False,
        )
    else:
        console.print(
            f"Dates: {len(dates.differences)} of {dates.compared} tasks differ from the file:",
            markup=False,
        )
        for d in dates.differences:
            console.print(
                f"  line {d.line}: {d.task}: file {_at(d.file_start)} - {_at(d.file_finish)}, "
                f"ours {_at(d.our_start)} - {_at(d.our_finish)}",
                markup=False,
                highlight=False,
            )


def print_lost(console: Console, fidelity: Fidelity) -> None:
    for entry in fidelity.entries():
        examples = f" ({', '.join(entry.examples)})" if entry.examples else ""
        console.print(
            f"{entry.fate.value}: {entry.section} {entry.name}: {entry.detail} "
            f"x{entry.count}{examples}",
            markup=False,
            highlight=False,
        )


def fidelity_json(outcome: MspdiOutcome) -> str:
    return json.dumps(outcome.report_json(), indent=2)


def _at(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def _write(data: bytes, output: Path | None, err: Console) -> None:
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        cannot_write(err, output, exc)
    err.print(f"Wrote {output}", markup=False, highlight=False)
