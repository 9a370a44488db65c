"""``plansmith report``: a status report of one plan, or a portfolio summary of several, as
HTML, PDF, XLSX or Markdown.

A target is a plan file (a path that exists, or ends in .yaml or .yml) or the key of a project
stored in the server's database (found as ``plansmith serve`` finds it). Problems end as one
line each on stderr: exit status 1 for a plan with errors or a report that cannot be made, 2
for a misuse of the command or a file that cannot be written.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from plansmith.cli.output import cannot_write
from plansmith.cli.render import print_diagnostics
from plansmith.reports.document import Report
from plansmith.reports.render import ReportFormat, file_name


class ReportKind(StrEnum):
    STATUS = "status"
    PORTFOLIO = "portfolio"


def register(app: typer.Typer) -> None:
    app.command()(report)


def _is_plan_file(target: str) -> bool:
    return Path(target).exists() or target.endswith((".yaml", ".yml"))


def _say(err: Console, code: str, message: str) -> None:
    err.print(f"error[{code}]: {message}", markup=False, highlight=False, soft_wrap=True)


def report(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="PLAN_OR_PROJECT...",
            help="A plan file, or a stored project's key; several for a portfolio summary.",
            show_default=False,
        ),
    ],
    kind: Annotated[
        ReportKind, typer.Option("--kind", "-k", help="status (one plan) or portfolio")
    ] = ReportKind.STATUS,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html, pdf, xlsx or md")
    ] = ReportFormat.HTML,
    status_date: Annotated[
        str | None,
        typer.Option("--status-date", help="Report as of this date, YYYY-MM-DD (status only)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The file to write (default: KEY-KIND-DATE.FORMAT)."),
    ] = None,
) -> None:
    """Write a status report (health, milestones, earned value, P80 forecast, top risks, next
    steps) or a portfolio summary, generated from the plan as it stands."""
    err = Console(stderr=True)
    day: date | None = None
    if status_date is not None:
        try:
            day = date.fromisoformat(status_date)
        except ValueError:
            _say(err, "invalid_date", f"'{status_date}' is not a date: write YYYY-MM-DD")
            raise typer.Exit(2) from None
    if kind is ReportKind.STATUS and len(targets) != 1:
        _say(err, "one_plan_only", "a status report is of one plan or project; name one")
        raise typer.Exit(2)
    made = _status(err, targets[0], day) if kind is ReportKind.STATUS else _portfolio(err, targets)
    document, key = made
    _write(err, document, key, fmt, output)


def _status(err: Console, target: str, day: date | None) -> tuple[Report, str]:
    if _is_plan_file(target):
        from plansmith.services.reports import plan_file_status_report

        outcome = plan_file_status_report(target, day)
        print_diagnostics(err, outcome.diagnostics)
        if outcome.report is None or not outcome.ok:
            raise typer.Exit(1)
        return outcome.report, Path(target).stem
    from plansmith.cli.server import operator_errors
    from plansmith.services.reports import stored_status_report
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        database = open_database(settings)
        try:
            with database.transaction(write=False) as session:
                return stored_status_report(session, target, day), target
        finally:
            database.dispose()


def _portfolio(err: Console, targets: list[str]) -> tuple[Report, str]:
    files = [Path(t) for t in targets if _is_plan_file(t)]
    keys = [t for t in targets if not _is_plan_file(t)]
    if files and keys:
        _say(err, "mixed_targets", "name plan files or stored projects' keys, not both")
        raise typer.Exit(2)
    if files:
        from plansmith.services.reports import plan_files_portfolio_report

        outcome = plan_files_portfolio_report(files)
        print_diagnostics(err, outcome.diagnostics)
        if outcome.report is None or not outcome.ok:
            raise typer.Exit(1)
        return outcome.report, "portfolio"
    from plansmith.cli.server import operator_errors
    from plansmith.services.reports import stored_portfolio_report
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        database = open_database(settings)
        try:
            with database.transaction(write=False) as session:
                return stored_portfolio_report(session, keys), "portfolio"
        finally:
            database.dispose()


def _write(
    err: Console, document: Report, key: str, fmt: ReportFormat, output: Path | None
) -> None:
    from plansmith.errors import ServiceError
    from plansmith.services.reports import render_report

    try:
        data = render_report(document, fmt)
    except ServiceError as exc:
        _say(err, exc.code, exc.message)
        raise typer.Exit(1) from None
    target = output or Path(file_name(document, key, fmt))
    try:
        target.write_bytes(data)
    except OSError as exc:
        cannot_write(err, target, exc)
    typer.echo(f"Wrote {target}")
