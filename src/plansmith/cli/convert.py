"""``plansmith convert``: a file from another tool into a plan file, and the options that
``plansmith import`` shares for such files.

The command dispatches on the file's suffix (:data:`CONVERTERS`), so each format brings its
own reader; CSV and XLSX task tables are the first. Problems print one line each, located in
the source file (for a table: ``file:row:column``), and a file with errors writes nothing and
exits with status 1; ``--preview`` shows the table as it will be read, without writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from plansmith.cli.output import cannot_write
from plansmith.cli.render import print_diagnostics
from plansmith.io.mspdi.mpxj import MPXJ_SUFFIXES
from plansmith.io.table_source import TABLE_SUFFIXES
from plansmith.io.task_table import TableOptions
from plansmith.io.task_table_columns import IGNORE, column_letter

if TYPE_CHECKING:
    from plansmith.services.task_import import TableImport

MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Column mapping 'Header=field' (repeat it); a field of 'ignore' leaves a column "
        "out. Fields: name, id, duration, effort, start, finish, predecessors, resources, "
        "level, wbs, milestone, progress, actual_start, actual_finish, deadline, priority, "
        "notes.",
        show_default=False,
    ),
]
ProjectNameOpt = Annotated[
    str | None, typer.Option("--project-name", help="The project's name (default: the file's).")
]
StartOpt = Annotated[
    str | None,
    typer.Option("--start", help="Project start YYYY-MM-DD (default: the earliest start)."),
]


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` was asked, as given on the command line; each format's converter
    takes the options it understands."""

    source: Path
    output: Path | None
    maps: list[str]
    project_name: str | None
    start: str | None
    preview: bool


def register(app: typer.Typer) -> None:
    app.command()(convert)


def table_options(
    maps: list[str] | None, project_name: str | None, start: str | None
) -> TableOptions:
    """The shared options, or exit status 2 with one line saying what is wrong with them."""
    err = Console(stderr=True)
    mapping: dict[str | int, str] = {}
    for item in maps or []:
        header, equals, field = item.rpartition("=")
        if not equals or not header.strip():
            err.print(
                f"error[invalid_mapping]: --map '{item}' is not Header=field",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
        mapping[header.strip()] = field.strip()
    first = None
    if start is not None:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            err.print(
                f"error[invalid_date]: '{start}' is not a date: write YYYY-MM-DD",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(2) from None
    return TableOptions(mapping, project_name, first)


def convert(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The file to convert: a task table (.csv, .xlsx), MS Project XML (.xml) or, "
            "with the mpxj extra, .mpp, .xer and .mpx into a plan; a plan (.yaml) into MS "
            "Project XML (-o FILE.xml).",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The plan file to write (default: stdout)."),
    ] = None,
    maps: MapOpt = None,
    project_name: ProjectNameOpt = None,
    start: StartOpt = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Show the rows as they will be read; write nothing.")
    ] = False,
) -> None:
    """Convert between plan files and other tools: a task table or MS Project XML into a plan
    file (YAML), or a plan into MS Project XML."""
    converter = CONVERTERS.get(source.suffix.lower())
    if converter is None:
        known = ", ".join(sorted(CONVERTERS))
        Console(stderr=True).print(
            f"error[unsupported_format]: {source}: cannot convert '{source.suffix}' files "
            f"(known: {known})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    converter(Conversion(source, output, maps or [], project_name, start, preview))


def _convert_table(request: Conversion) -> None:
    from plansmith.services.task_import import read_task_table_path

    options = table_options(request.maps, request.project_name, request.start)
    result = read_task_table_path(request.source, options)
    err = Console(stderr=True)
    output = request.output
    if request.preview:
        print_table_preview(Console(), result)
        print_diagnostics(err, result.diagnostics)
        raise typer.Exit(0 if result.ok else 1)
    print_diagnostics(err, result.diagnostics)
    if not result.ok:
        raise typer.Exit(1)
    text = result.plan_text()
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        cannot_write(err, output, exc)
    tasks = len(result.plan.project.tasks) if result.plan and result.plan.project else 0
    typer.echo(f"Wrote {output}: {tasks} tasks; schedule it with: plansmith schedule {output}")


def print_table_preview(console: Console, result: TableImport) -> None:
    """The columns' mapping, then every row as mapped with its problems next to it."""
    table = result.table
    mapping = Table(title=f"Columns of {table.filename}", title_justify="left")
    for heading in ("Column", "Header", "Field", "How"):
        mapping.add_column(heading)
    for column in table.columns:
        style = "dim" if column.field == IGNORE else None
        described = (column_letter(column.column), column.header, column.field, column.how)
        mapping.add_row(*map(Text, described), style=style)
    console.print(mapping)
    fields = [c.field for c in table.columns if c.field != IGNORE]
    rows = Table(title="Rows as they will be read", title_justify="left")
    rows.add_column("Row", justify="right")
    rows.add_column("Task id")
    for name in fields:
        rows.add_column(name)
    rows.add_column("Problems")
    for row in table.rows:
        cells = [row.values.get(name, "") for name in fields]
        if "name" in row.values and fields and "name" in fields:
            cells[fields.index("name")] = "  " * max(row.level - 1, 0) + row.values["name"].strip()
        problems = "; ".join(f"{d.severity.value}[{d.code}]: {d.message}" for d in row.problems)
        style = "red" if any(d.is_error for d in row.problems) else None
        texts = (str(row.row), row.task_id or "", *cells, problems)  # cells are data, not markup
        rows.add_row(*map(Text, texts), style=style)
    console.print(rows)
    errors = sum(1 for d in result.diagnostics if d.is_error)
    warnings = len(result.diagnostics) - errors
    console.print(
        f"{len(table.rows)} rows, {errors} error(s), {warnings} warning(s)", highlight=False
    )


def _convert_mspdi(request: Conversion) -> None:
    from plansmith.cli.mspdi import convert_mspdi

    convert_mspdi(request)


def _convert_plan(request: Conversion) -> None:
    """The other way: a plan file out to another tool's format, chosen by the output's suffix."""
    from plansmith.cli.mspdi import convert_plan_to_mspdi

    if request.output is None or request.output.suffix.lower() != ".xml":
        Console(stderr=True).print(
            f"error[unsupported_format]: {request.source}: a plan file converts to MS Project "
            "XML: give -o FILE.xml",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2)
    convert_plan_to_mspdi(request)


# File suffix -> the converter for that format.
CONVERTERS: dict[str, Callable[[Conversion], None]] = {
    **dict.fromkeys(TABLE_SUFFIXES, _convert_table),
    **dict.fromkeys((".xml", *MPXJ_SUFFIXES), _convert_mspdi),
    **dict.fromkeys((".yaml", ".yml"), _convert_plan),
}
