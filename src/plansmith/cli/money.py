"""``plansmith budget``, ``plansmith baseline save|compare`` and ``plansmith evm``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from plansmith.cli.output import OutputFormat, finish
from plansmith.cli.render import print_diagnostics

if TYPE_CHECKING:
    from plansmith.services.money import MoneyOutcome


PlanArg = Annotated[Path, typer.Argument(help="The plan file (YAML).", show_default=False)]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]

baseline_app = typer.Typer(help="Save and compare baselines (kept next to the plan).")


def register(app: typer.Typer) -> None:
    app.command()(budget)
    app.command()(evm)
    app.add_typer(baseline_app, name="baseline")


def budget(
    plan: PlanArg, output_format: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None
) -> None:
    """Planned cost by phase, category and month against the budget lines; the cash flow."""
    from plansmith.io.money_json import budget_to_json, money
    from plansmith.services.money import budget_plan_file

    outcome = budget_plan_file(plan)

    def table(console: Console) -> None:
        report, project = outcome.result, outcome.plan.project
        assert project is not None
        c = project.currency
        lines = Table("phase", "category", f"budget ({c})", f"planned ({c})", "variance")
        for r in report.rows:
            lines.add_row(
                r.phase or "(project)",
                r.category.value,
                money(r.budget) or "-",
                money(r.planned),
                money(r.variance) or "not budgeted",
            )
        lines.add_row(
            "[bold]total", "", money(report.total_budget), money(report.total_planned), ""
        )
        console.print(lines)
        flow = Table("month", f"planned ({c})", "cumulative", title="Cash flow")
        for m in report.cash_flow:
            flow.add_row(m.month, money(m.planned), money(m.cumulative))
        console.print(flow)

    _emit(
        outcome,
        output_format,
        output,
        table,
        lambda: budget_to_json(_project(outcome), outcome.result),
    )


def evm(
    plan: PlanArg,
    status_date: Annotated[
        str | None, typer.Option("--status-date", help="YYYY-MM-DD (default: the plan's).")
    ] = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Planned value from this baseline.")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Keep these figures for the S-curve series.")
    ] = False,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Earned value and earned schedule at the status date."""
    from plansmith.io.money_json import evm_to_json
    from plansmith.services.money import evm_plan_file

    day = _date(status_date)
    outcome = evm_plan_file(plan, day, baseline, record=record)

    def to_json() -> dict[str, Any]:
        extra = outcome.extra
        return evm_to_json(_project(outcome), outcome.result, extra["baseline"], extra["history"])

    def table(console: Console) -> None:
        doc = to_json()
        console.print(
            f"[bold]{_project(outcome).name}[/]: earned value at {doc['status_date']} "
            f"({'baseline ' + doc['baseline'] if doc['baseline'] else 'current plan'}, "
            f"{doc['currency']})"
        )
        figures = Table("", "value", "", "value")
        pairs = [
            ("BAC", doc["bac"], "EAC (BAC/CPI)", doc["eac"]["typical"]),
            ("PV", doc["pv"], "EAC (AC+BAC-EV)", doc["eac"]["atypical"]),
            ("EV", doc["ev"], "EAC (CPI x SPI)", doc["eac"]["cpi_spi"]),
            ("AC", doc["ac"], "EAC (bottom-up)", doc["eac"]["bottom_up"]),
            ("SV", doc["sv"], "ETC", doc["etc"]),
            ("CV", doc["cv"], "VAC", doc["vac"]),
            ("SPI", doc["spi"], "TCPI (BAC)", doc["tcpi_bac"]),
            ("CPI", doc["cpi"], "TCPI (EAC)", doc["tcpi_eac"]),
            ("ES (days)", doc["es_days"], "AT (days)", doc["at_days"]),
            ("SV(t) (days)", doc["sv_t_days"], "SPI(t)", doc["spi_t"]),
            ("IEAC(t) (days)", doc["ieac_t"], "PD (days)", doc["pd_days"]),
        ]
        for a, b, c, d in pairs:
            figures.add_row(a, _text(b), c, _text(d))
        console.print(figures)
        phases = Table("phase", "BAC", "PV", "EV", "AC", "SPI", "CPI", title="By phase")
        for p in doc["phases"]:
            phases.add_row(
                p["id"], p["bac"], p["pv"], p["ev"], p["ac"], _text(p["spi"]), _text(p["cpi"])
            )
        console.print(phases)

    _emit(outcome, output_format, output, table, to_json)


@baseline_app.command("save")
def baseline_save(
    plan: PlanArg,
    name: Annotated[str, typer.Argument(help="The baseline's name, e.g. approved or rev2.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a baseline of that name.")
    ] = False,
) -> None:
    """Store the current schedule and costs as a named baseline next to the plan."""
    from plansmith.io.money_json import money
    from plansmith.services.money import save_plan_baseline

    outcome = save_plan_baseline(plan, name, force=force)
    print_diagnostics(Console(stderr=True), outcome.diagnostics)
    if not outcome.ok:
        raise typer.Exit(1)
    saved = outcome.result
    typer.echo(
        f"Saved baseline '{saved.name}' ({len(saved.tasks)} tasks, finish {saved.finish}, "
        f"cost {money(saved.cost)}) to {outcome.extra['path']}"
    )


@baseline_app.command("compare")
def baseline_compare(
    plan: PlanArg,
    first: Annotated[str | None, typer.Argument(help="Baseline (default: the latest).")] = None,
    second: Annotated[
        str | None, typer.Argument(help="Baseline to compare with (default: the current plan).")
    ] = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Date and cost variance per task between two baselines (or a baseline and the plan)."""
    from plansmith.io.money_json import compare_to_json, parse_instant
    from plansmith.services.money import compare_plan_baselines

    outcome = compare_plan_baselines(plan, first, second)

    def to_json() -> dict[str, Any]:
        project = _project(outcome)
        costed = outcome.extra["costed"]
        timeline = _project_timeline(costed.project)
        origin = project.origin_datetime

        def work(text: str) -> int:  # working minutes on the project calendar
            return int(timeline.work_at(int((parse_instant(text) - origin).total_seconds() // 60)))

        a, b = outcome.result
        return compare_to_json(project, a, b, 60.0 * project.hours_per_day, work)

    def table(console: Console) -> None:
        doc = to_json()
        console.print(
            f"'{doc['from']}' -> '{doc['to']}': finish {doc['finish'][0]} -> {doc['finish'][1]} "
            f"({doc['finish_variance_days']:+} working days), cost {doc['cost'][0]} -> "
            f"{doc['cost'][1]} ({doc['cost_variance']} {doc['currency']})"
        )
        rows = Table("task", "start var (d)", "finish var (d)", "cost var", "finish")
        for t in doc["tasks"]:
            if (
                t["start_variance_days"]
                or t["finish_variance_days"]
                or t["cost_variance"] != "0.00"
            ):
                rows.add_row(
                    t["id"],
                    f"{t['start_variance_days']:+}",
                    f"{t['finish_variance_days']:+}",
                    t["cost_variance"],
                    t["finish"][1],
                )
        console.print(rows)
        if doc["added"]:
            console.print("added: " + ", ".join(doc["added"]))
        if doc["removed"]:
            console.print("removed: " + ", ".join(doc["removed"]))

    _emit(outcome, output_format, output, table, to_json)


def _project_timeline(project: Any) -> Any:
    from plansmith.scheduling.calendars import CalendarBook

    return CalendarBook(project).project_timeline()


def _project(outcome: MoneyOutcome) -> Any:
    project = outcome.plan.project
    assert project is not None
    return project


def _text(value: object) -> str:
    return "n/a" if value is None else str(value)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        Console(stderr=True).print(
            f"error[invalid_date]: '{text}' is not a date: write YYYY-MM-DD",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2) from None


def _emit(
    outcome: MoneyOutcome,
    output_format: OutputFormat,
    output: Path | None,
    table: Any,
    to_json: Any,
) -> None:
    from plansmith.io.schedule_json import diagnostic_to_json

    def document() -> dict[str, Any]:
        doc: dict[str, Any] = to_json() if outcome.ok else {}
        doc["diagnostics"] = [diagnostic_to_json(d) for d in outcome.diagnostics]
        return doc

    finish(
        ok=outcome.ok,
        diagnostics=outcome.diagnostics,
        as_json=output_format is OutputFormat.JSON,
        output=output,
        to_json=document,
        table=table,
        width=120,
    )
