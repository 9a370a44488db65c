"""``plansmith evaluate`` (proposals and technology evaluations in a file) and ``plansmith
inventory`` (a plan's systems: checks, renewals, "renew or replace" tasks)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from plansmith.cli.output import OutputFormat, cannot_write, finish

FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Check as of this day (default: the status date, or today)."),
]

inventory_app = typer.Typer(help="A plan's systems inventory.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(evaluate)
    app.add_typer(inventory_app, name="inventory")


def evaluate(
    file: Annotated[Path, typer.Argument(help="Proposals and evaluations (YAML).")],
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Score proposals and compare technology options: decision matrix, TCO, NPV, payback."""
    from plansmith.services.portfolio_file import evaluate_file

    outcome = evaluate_file(file)
    data = outcome.to_json()

    def table(console: Console) -> None:
        if data["proposals"]:
            grid = Table("proposal", "status", "score", "NPV", "payback", title="Proposals")
            for p in data["proposals"]:
                grid.add_row(p["id"], p["status"], p["score"], p["npv"] or "", p["payback"] or "")
            console.print(grid)
        for e in data["evaluations"]:
            grid = Table("option", "score", "rank", "TCO", "NPV", "payback", title=e["title"])
            for o in e["options"]:
                grid.add_row(
                    o["id"], o["score"], str(o["rank"]), o["tco"], o["npv"], o["payback"] or ""
                )
            console.print(grid)
            chosen = e["recommendation"]
            console.print(
                f"best score: {e['best_score']}; best NPV: {e['best_npv']}; recommended: "
                + (chosen["option"] if chosen else "none yet"),
                markup=False,
            )

    finish(
        ok=outcome.ok,
        diagnostics=outcome.diagnostics,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=lambda: data,
        table=table,
    )


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        Console(stderr=True).print(
            f"error[invalid_date]: --today {text!r} is not a date (YYYY-MM-DD)", markup=False
        )
        raise typer.Exit(2) from None


@inventory_app.command("check")
def inventory_check(
    plan: Annotated[Path, typer.Argument(help="The plan file (YAML).")],
    today: TodayOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Licences to renew, warranties run out, end of life near or passed; the next renewals."""
    from plansmith.io.plan_file import load_plan
    from plansmith.io.schedule_json import diagnostic_to_json
    from plansmith.services.inventory_plan import (
        inventory_checks,
        reference_day,
        upcoming_renewals,
    )

    loaded = load_plan(plan)
    problems = list(loaded.diagnostics)
    found: list[dict[str, Any]] = []
    if loaded.ok and loaded.spec is not None:
        day = reference_day(loaded.spec, _today(today))
        problems += [loaded.source.place(d) for d in inventory_checks(loaded.spec, day)]
        found = [
            {
                "system": r.system,
                "date": r.day.isoformat(),
                "amount": str(r.amount),
                "category": r.category.value,
            }
            for r in upcoming_renewals(loaded.spec, day)
        ]

    def table(console: Console) -> None:
        grid = Table("system", "date", "amount", "category", title="Renewals, next 12 months")
        for r in found:
            grid.add_row(r["system"], r["date"], r["amount"], r["category"])
        console.print(grid)

    finish(
        ok=loaded.ok,
        diagnostics=problems,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=lambda: {
            "renewals": found,
            "diagnostics": [diagnostic_to_json(d) for d in problems],
        },
        table=table,
    )


@inventory_app.command("tasks")
def inventory_tasks(
    plan: Annotated[Path, typer.Argument(help="The plan file (YAML).")],
    today: TodayOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the plan here (default: stdout).")
    ] = None,
) -> None:
    """Add a "renew or replace" task for each system whose end of life is within a year."""
    from plansmith.cli.render import print_diagnostics
    from plansmith.io.plan_file import load_plan
    from plansmith.io.plan_writer import plan_document, plan_yaml
    from plansmith.services.inventory_plan import reference_day, with_renewal_tasks

    err = Console(stderr=True)
    loaded = load_plan(plan)
    print_diagnostics(err, tuple(loaded.diagnostics))
    if not loaded.ok or loaded.spec is None:
        raise typer.Exit(1)
    spec, added = with_renewal_tasks(loaded.spec, reference_day(loaded.spec, _today(today)))
    text = plan_yaml(plan_document(spec))
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            cannot_write(err, output, exc)
    err.print(f"{len(added)} task(s) added: {', '.join(added) or 'none'}", markup=False)
