"""``plansmith serve``, ``plansmith db ...``, ``import``, ``export``, ``backup`` and ``restore``:
running a server and looking after its database.

Every command finds the database the way the server does (``PLANSMITH_DATABASE_URL``, or the
default SQLite file; see :mod:`plansmith.config`). An operator's mistake (a missing setting, an
out-of-date schema, a plan with errors) ends as one line per problem on stderr and exit status
1 (2 for settings), never as a traceback: these commands run in scripts and deploy jobs, whose
logs must say what to fix.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from plansmith.cli.convert import MapOpt, ProjectNameOpt, StartOpt, table_options
from plansmith.cli.output import cannot_write
from plansmith.cli.render import print_diagnostics
from plansmith.io.mspdi.mpxj import MPXJ_SUFFIXES

if TYPE_CHECKING:
    from plansmith.config import Settings
    from plansmith.storage import tables as t
    from plansmith.storage.database import Database

db_app = typer.Typer(help="The database schema: upgrade, downgrade, current, check.")

OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
]


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(db_app, name="db")
    app.command("import")(import_plan)
    app.command("export")(export_plan)
    app.command()(backup)
    app.command()(restore)


@contextmanager
def operator_errors() -> Iterator[Settings]:
    """The settings, and the one place a settings or service error becomes one line (or one
    line per diagnostic) on stderr and an exit status."""
    from plansmith.config import SettingsError, load_settings
    from plansmith.errors import ServiceError

    err = Console(stderr=True)
    try:
        yield load_settings()
    except SettingsError as exc:
        err.print(f"error[settings]: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except ServiceError as exc:
        if exc.diagnostics:
            print_diagnostics(err, exc.diagnostics)
        else:
            err.print(
                f"error[{exc.code}]: {exc.message}", markup=False, highlight=False, soft_wrap=True
            )
        raise typer.Exit(1) from None


def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request on standard output.")] = True,
) -> None:
    """Run the web server (API and web interface) on the configured database."""
    from plansmith.services.server import first_start, open_database

    with operator_errors() as settings:
        database = open_database(settings)
        try:
            lines = first_start(database, settings)
        finally:
            database.dispose()  # the workers open their own connections
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Plansmith is starting at http://{shown}:{port}/ (API docs at /api/docs)")
    typer.echo(f"Sign in as {settings.admin_email}.")
    for line in lines:
        typer.echo(line)
    import uvicorn

    from plansmith.cli import listeners
    from plansmith.cli.http_protocol import NO_DELAY_PROTOCOL

    gc.enable()  # main() switched it off for one-shot commands; a server runs for weeks
    config = uvicorn.Config(
        "plansmith.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NO_DELAY_PROTOCOL,
        access_log=access_log,
    )
    if workers == 1:
        server = uvicorn.Server(config)
        server.run()  # binds its own socket
        if not server.started:
            raise typer.Exit(3)  # uvicorn has logged why
        return
    try:
        sockets = [
            listeners.placeholder_socket(host, port)
            if listeners.PER_WORKER_SOCKETS
            else config.bind_socket()  # shared by the workers
        ]
    except OSError as exc:
        Console(stderr=True).print(
            f"error[cannot_listen]: cannot listen on {shown}:{port}: {exc.strerror or exc}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    from uvicorn.supervisors import Multiprocess

    with suppress(KeyboardInterrupt), sockets[0]:
        Multiprocess(config, sockets=sockets).run()


# plansmith db ------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the schema (to the latest revision by default). Back up first."""
    from plansmith.services.server import migrate

    with operator_errors() as settings:
        state = migrate(settings, revision)
    typer.echo(f"The database schema is at revision {state.current} (latest: {state.head}).")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops every table.")],
) -> None:
    """Downgrade the schema to REVISION (data in dropped columns and tables is lost)."""
    from plansmith.services.server import roll_back

    with operator_errors() as settings:
        state = roll_back(settings, revision)
    typer.echo(f"The database schema is at revision {state.current or 'base'}.")


@db_app.command("current")
def db_current() -> None:
    """Print the schema's revision and the latest one."""
    from plansmith.services.server import current_state

    with operator_errors() as settings:
        state = current_state(settings)
    typer.echo(f"current: {state.current or 'none (empty database)'}")
    typer.echo(f"latest:  {state.head}")


@db_app.command("check")
def db_check() -> None:
    """Exit 0 when the schema is at the latest revision, 1 (saying what to run) when not."""
    from plansmith.services.server import check_schema

    with operator_errors() as settings:
        state = check_schema(settings)
    typer.echo(f"The database schema is up to date (revision {state.current}).")


# Plans and instances -----------------------------------------------------------------------


def import_plan(
    plan: Annotated[
        Path,
        typer.Argument(
            help="The plan file (YAML), a task table (.csv, .xlsx) or MS Project XML (.xml).",
            show_default=False,
        ),
    ],
    portfolio: Annotated[
        str | None, typer.Option(help="Put the project in this portfolio (created if new).")
    ] = None,
    maps: MapOpt = None,
    project_name: ProjectNameOpt = None,
    start: StartOpt = None,
) -> None:
    """Check a plan file (or a task table) and store it as a new project; prints its key."""
    from plansmith.services.projects import import_plan_file
    from plansmith.services.server import open_database
    from plansmith.services.task_import import import_task_table_file, is_task_table

    table = table_options(maps, project_name, start) if is_task_table(plan) else None
    with operator_errors() as settings:
        database = open_database(settings)
        try:
            if table is not None:
                project = import_task_table_file(database, plan, table, portfolio)
            elif plan.suffix.lower() in (".xml", *MPXJ_SUFFIXES):
                project = _import_mspdi(database, plan, portfolio)
            else:
                project = import_plan_file(database, plan, portfolio)
        finally:
            database.dispose()
    typer.echo(project.key)


def _import_mspdi(database: Database, path: Path, portfolio: str | None) -> t.Project:
    """The MSPDI branch: the fidelity report on stderr, the project's key on stdout."""
    from plansmith.cli.mspdi import print_fidelity
    from plansmith.services.mspdi_import import import_mspdi_file

    project, outcome = import_mspdi_file(database, path, portfolio)
    print_fidelity(Console(stderr=True), outcome, full=False)
    return project


class ExportFormat(StrEnum):
    YAML = "yaml"
    MSPDI = "mspdi"


def export_plan(
    project: Annotated[str, typer.Argument(help="The project's key.", show_default=False)],
    output: OutputOpt = None,
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="yaml (a plan file) or mspdi (MS Project XML)."),
    ] = ExportFormat.YAML,
) -> None:
    """Write a stored project as a plan file (YAML) or as MS Project XML."""
    from plansmith.cli.mspdi import print_lost
    from plansmith.services.mspdi import export_mspdi_bytes
    from plansmith.services.projects import export_plan_text
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        database = open_database(settings)
        try:
            with database.transaction() as session:
                if export_format is ExportFormat.MSPDI:
                    data, lost = export_mspdi_bytes(session, project)
                else:
                    data, lost = export_plan_text(session, project).encode("utf-8"), None
        finally:
            database.dispose()
    if lost is not None:
        print_lost(Console(stderr=True), lost)
    _write(data, output, private=False)


def backup(output: OutputOpt = None) -> None:
    """Write the whole instance (every table, password and token hashes included) as JSON."""
    from plansmith.services.instance import backup_bytes, backup_database
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        database = open_database(settings)
        try:
            data = backup_bytes(backup_database(database))
        finally:
            database.dispose()
    _write(data, output, private=True)
    if output is not None:
        typer.echo(f"Wrote {output}; it holds password hashes: keep it as safe as the database.")


def restore(
    backup_file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A backup (JSON).", show_default=False)
    ],
) -> None:
    """Load a backup into an empty database at the backup's schema revision."""
    from plansmith.services.instance import read_backup
    from plansmith.services.instance import restore as restore_document
    from plansmith.services.server import open_database

    with operator_errors() as settings:
        document = read_backup(backup_file)
        database = open_database(settings)
        try:
            with database.transaction() as session:
                restore_document(session, document)
        finally:
            database.dispose()
    typer.echo(f"Restored {backup_file}.")


def _write(data: bytes, output: Path | None, *, private: bool) -> None:
    """To stdout, or to the file; a backup's file is readable by its owner only."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        if private:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # also when it replaces an existing file
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        else:
            output.write_bytes(data)
    except OSError as exc:
        cannot_write(Console(stderr=True), output, exc)
