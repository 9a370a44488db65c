"""``plansmith cba``: cost-benefit analysis of purchase options from the command line."""

from __future__ import annotations

import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from plansmith.analytics.cba import CbaResult, Driver, DriverKind, Metrics, OptionResult
from plansmith.cli.render import print_diagnostics
from plansmith.io.cba_json import grouped, percent_text, recommendation_text, when
from plansmith.services.cba import CbaOutcome, analyse_cba_file


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


def _count(options: int) -> str:
    return "1 option" if options == 1 else f"{options} options"


def _rate(value: Decimal | None) -> str:
    return "n/a" if value is None else percent_text(value)


def _periods(result: CbaResult, value: Decimal | None) -> str:
    analysis = result.analysis
    unit = f"{analysis.period.value}s"
    if value is None:
        return f"not within {analysis.horizon} {unit}"
    text = f"{value.quantize(Decimal('0.01'))} {unit}"
    day = when(analysis, value)
    return f"{text} ({day})" if day else text


def _right(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


def print_cba(console: Console, outcome: CbaOutcome, *, cash_flows: bool = True) -> None:
    result = outcome.result
    assert result is not None
    analysis = result.analysis
    if not console.is_terminal:
        console.width = max(console.width, 160)  # a file or pipe gets whole tables, unwrapped
    start = f", from {analysis.start}" if analysis.start else ""
    console.print(
        f"[bold]{analysis.title or 'Cost-benefit analysis'}[/]: {_count(len(result.options))} over "
        f"{analysis.horizon} {analysis.period.value}s{start}; discount rate "
        f"{percent_text(analysis.discount_rate)} a year; amounts in {analysis.currency}",
        highlight=False,
    )
    table = Table(title="Comparison (best NPV first)", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("option", no_wrap=True)
    _right(table, "TCO", "TCO (PV)", "inflows (PV)", "NPV", "IRR", "MIRR", "ROI")
    table.add_column("payback")
    table.add_column("discounted payback")
    notes: list[str] = []
    for rank, option_id in enumerate(result.ranking, start=1):
        r = result.option(option_id)
        m = r.metrics
        if m.irr.note:
            notes.append(f"IRR of {option_id}: {m.irr.note}.")
        table.add_row(
            str(rank),
            option_id,
            grouped(r.tco),
            grouped(r.tco_present_value),
            grouped(r.inflows_present_value),
            grouped(r.npv),
            _rate(m.irr_annual),
            _rate(m.mirr_annual),
            _rate(r.roi),
            _periods(result, m.payback),
            _periods(result, m.discounted_payback),
            style="bold" if rank == 1 else None,
        )
    console.print(table)
    if analysis.baseline is not None:
        _print_versus(console, result, notes)
    for note in notes:
        console.print(note, style="dim", highlight=False)
    console.print(recommendation_text(result), highlight=False)
    if cash_flows:
        for r in result.options:
            _print_flows(console, result, r)
    _print_sensitivity(console, result)


def _print_versus(console: Console, result: CbaResult, notes: list[str]) -> None:
    table = Table(
        title=f"Versus the baseline, {result.analysis.baseline}: the difference in cash flows",
        title_justify="left",
    )
    table.add_column("option", no_wrap=True)
    _right(table, "NPV gained", "IRR", "MIRR")
    table.add_column("payback")
    table.add_column("discounted payback")
    for r in result.options:
        versus: Metrics | None = r.versus_baseline
        if versus is None:
            continue
        if versus.irr.note:
            notes.append(f"IRR of {r.option.id} versus the baseline: {versus.irr.note}.")
        table.add_row(
            r.option.id,
            grouped(versus.npv),
            _rate(versus.irr_annual),
            _rate(versus.mirr_annual),
            _periods(result, versus.payback),
            _periods(result, versus.discounted_payback),
        )
    console.print(table)


def _print_flows(console: Console, result: CbaResult, r: OptionResult) -> None:
    analysis = result.analysis
    table = Table(title=f"Cash flows: {r.option.name} ({r.option.id})", title_justify="left")
    table.add_column("period", justify="right")
    if analysis.start:
        table.add_column("date", no_wrap=True)
    _right(table, "costs", "inflows", "net", "factor", "present value", "cumulative", "cum. PV")
    for row in r.flows:
        cells = [str(row.period)]
        if analysis.start:
            day = when(analysis, Decimal(row.period))
            cells.append(day or "")
        cells += [
            grouped(row.costs),
            grouped(row.inflows),
            grouped(row.net),
            f"{row.discount_factor:.4f}",
            grouped(row.present_value),
            grouped(row.cumulative),
            grouped(row.cumulative_present_value),
        ]
        table.add_row(*cells)
    console.print(table)


def _driver_text(result: CbaResult, driver: Driver) -> str:
    """The driver's name, with the values tried when the step headers alone would not say."""
    if driver.kind is DriverKind.DISCOUNT_RATE:
        return f"{driver.label} ({' / '.join(percent_text(v) for v in driver.values)})"
    if driver.kind is DriverKind.HORIZON:
        unit = f"{result.analysis.period.value}s"
        return f"{driver.label} ({' / '.join(str(int(v)) for v in driver.values)} {unit})"
    return driver.label


def _print_sensitivity(console: Console, result: CbaResult) -> None:
    """One tornado table per option: its NPV at each step of each driver, widest swing first."""
    steps = result.analysis.steps
    for r in result.options:
        bars = result.tornado(r.option.id)
        if not bars:
            continue
        table = Table(
            title=f"Sensitivity of the NPV: {r.option.id} (base {grouped(r.npv)})",
            title_justify="left",
        )
        table.add_column("driver")
        _right(table, *(percent_text(s, signed=True) for s in steps), "swing")
        for bar in bars:
            npvs = bar.driver.npv[r.option.id]
            table.add_row(
                _driver_text(result, bar.driver), *(grouped(v) for v in npvs), grouped(bar.swing)
            )
        console.print(table)
