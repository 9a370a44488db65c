"""``plansmith deliver`` and ``plansmith worker``: the communication plan's report e-mails from
the command line.

``deliver`` runs the delivery job once (for cron, or to see what is due with ``--dry-run``);
``worker`` runs it every minute in the foreground, for deployments that keep scheduled jobs
out of the serving processes (``PLANSMITH_SCHEDULER=0``). Both are safe next to a running
server: each delivery is claimed by exactly one process (see docs/communication.md).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from plansmith.cli.server import operator_errors


def register(app: typer.Typer) -> None:
    app.command()(deliver)
    app.command()(worker)


def deliver(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what is due; send and change nothing.")
    ] = False,
) -> None:
    """Send the report e-mails and certification reminders that are due now, once; exit 1
    if any failed for good."""
    from plansmith.services.delivery_log import due_now
    from plansmith.services.reminder_mail import run_job
    from plansmith.services.server import open_database

    err = Console(stderr=True)
    with operator_errors() as settings:
        database = open_database(settings)
        try:
            if dry_run:
                lines = list(due_now(database))
                for line in lines:
                    typer.echo(line)
                typer.echo(f"{len(lines)} due or waiting; nothing was sent (--dry-run).")
                return
            summary = run_job(database, settings)
        finally:
            database.dispose()
    for line in summary.lines:
        typer.echo(line)
    typer.echo(
        f"{summary.enqueued} queued, {summary.sent} sent, {summary.retrying} to retry, "
        f"{summary.failed} failed."
    )
    if settings.mail is None:
        err.print(
            "warning[mail_not_configured]: PLANSMITH_SMTP_HOST is not set, so nothing was "
            "sent; due reports wait in the delivery log",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if summary.failed:
        raise typer.Exit(1)


def worker() -> None:
    """Run the delivery job every minute until stopped (Ctrl+C)."""
    from plansmith.services.scheduler import INTERVAL_SECONDS, run_worker
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        if settings.mail is None:
            Console(stderr=True).print(
                "error[settings]: PLANSMITH_SMTP_HOST is not set, so a worker has nothing to send",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
        database = open_database(settings)
    typer.echo(f"Sending due report e-mails every {INTERVAL_SECONDS} s; Ctrl+C to stop.")
    try:
        run_worker(database, settings)
    except KeyboardInterrupt:
        pass
    finally:
        database.dispose()
