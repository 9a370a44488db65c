"""Tables of a cost-benefit analysis for ``plansmith cba``."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from plansmith.analytics.cba import CbaResult, Driver, DriverKind, Metrics, OptionResult
from plansmith.io.cba_json import grouped, percent_text, recommendation_text, when
from plansmith.services.cba import CbaOutcome


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
