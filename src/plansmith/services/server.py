"""Starting a server and keeping its database: the use cases behind ``plansmith serve`` and
``plansmith db``.

A server never runs on a schema older than its code (its queries would fail on the first
missing column, in front of a user), so :func:`open_database` refuses one and says which command
fixes it. Upgrading is an operator's decision, with a backup first, everywhere except the one
case where nothing can be lost: a brand-new, empty SQLite file in development mode, which is
migrated on the spot so that ``make run`` works from a fresh clone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exists, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from plansmith.config import Settings
from plansmith.errors import Invalid, ServiceError
from plansmith.storage import tables as t
from plansmith.storage.database import (
    Database,
    SchemaState,
    alembic_config,
    downgrade,
    schema_state,
    upgrade,
)


def connect(settings: Settings) -> Database:
    """The configured database, without looking at its schema (``plansmith db`` commands).
    A SQLite file's directory is created, as the default one is in a fresh data directory."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    return Database.connect(settings.database_url)


def open_database(settings: Settings) -> Database:
    """The database, ready for the server; :class:`ServiceError` (``schema_out_of_date``) when
    its schema is not the code's, except that a new empty SQLite database in development mode
    is migrated at once."""
    database = connect(settings)
    try:
        with unavailable_as_error(settings):
            state = schema_state(database.engine)
            if not state.up_to_date and _brand_new_development_sqlite(database, settings, state):
                upgrade(database.engine)
                state = schema_state(database.engine)
            require_current(database, state)
    except BaseException:
        database.dispose()
        raise
    return database


def require_current(database: Database, state: SchemaState) -> None:
    """:class:`ServiceError` ``schema_out_of_date`` unless the schema is at the code's head,
    saying what to do: upgrade an older schema; for one a newer Plansmith made, that version."""
    if state.up_to_date:
        return
    if state.current is not None and not _known(database, state.current):
        raise ServiceError(
            f"the database schema is at revision {state.current}, which this version of "
            f"Plansmith does not know (it needs {state.head}): a newer version has upgraded "
            "it; run that version, or restore a backup made before the upgrade",
            code="schema_out_of_date",
        )
    raise ServiceError(
        f"the database schema is at revision {state.current or 'none (empty database)'} "
        f"but this version of Plansmith needs {state.head}; back it up, then run: "
        "plansmith db upgrade",
        code="schema_out_of_date",
    )


def _known(database: Database, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    script = ScriptDirectory.from_config(alembic_config(database.engine))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _brand_new_development_sqlite(
    database: Database, settings: Settings, state: SchemaState
) -> bool:
    return (
        not settings.production
        and settings.is_sqlite
        and state.current is None
        and not inspect(database.engine).get_table_names()
    )


def first_start(database: Database, settings: Settings) -> list[str]:
    """Set up what a new instance needs (the administrator, and the demo portfolio in a
    database that has never held a project); returns the lines the operator must see, such as
    a generated password."""
    from plansmith.services.accounts import ensure_admin

    lines: list[str] = []
    with database.transaction() as session:
        password = ensure_admin(session, settings)
    if password is not None:
        lines.append(
            f"Created the administrator {settings.admin_email} with the password {password}"
        )
        lines.append("It is shown only this once: sign in and change it.")
    if settings.load_demo:
        lines.extend(_demo_once(database))
    return lines


def _demo_once(database: Database) -> list[str]:
    """Load the demo into a database that has never held a project: none now, and no history
    (deleting a project leaves audit entries), so deleting the demo keeps it deleted. The demo
    is a convenience: if it cannot be loaded (its pool ids taken by other calendars), the
    server starts anyway and says why."""
    from plansmith.services.demo import DEMO_PORTFOLIO, load_demo

    try:
        with database.transaction() as session:
            used = session.scalar(select(exists().select_from(t.Project))) or session.scalar(
                select(exists().select_from(t.AuditEntry))
            )
            if used:
                return []
            keys = [project.key for project in load_demo(session)]
    except ServiceError as exc:
        return [f"The demo portfolio was not loaded: {exc.message}"]
    return [
        f"Loaded the demo portfolio '{DEMO_PORTFOLIO}': {', '.join(keys)} "
        "(set PLANSMITH_DEMO=0 to start empty)"
    ]


# plansmith db ------------------------------------------------------------------------------


def migrate(settings: Settings, revision: str = "head") -> SchemaState:
    """Upgrade to ``revision``; the state afterwards."""
    return _alembic(settings, lambda database: upgrade(database.engine, revision))


def roll_back(settings: Settings, revision: str) -> SchemaState:
    """Downgrade to ``revision`` (``base`` drops every table); the state afterwards."""
    return _alembic(settings, lambda database: downgrade(database.engine, revision))


def current_state(settings: Settings) -> SchemaState:
    return _alembic(settings, lambda _database: None)


def check_schema(settings: Settings) -> SchemaState:
    """The state when the schema is at the latest revision; ``schema_out_of_date`` (saying
    what to run) when not (``plansmith db check``)."""

    def check(database: Database) -> None:
        require_current(database, schema_state(database.engine))

    return _alembic(settings, check)


def _alembic(settings: Settings, step: Callable[[Database], None]) -> SchemaState:
    from alembic.util.exc import CommandError

    database = connect(settings)
    try:
        with unavailable_as_error(settings):
            try:
                step(database)
            except CommandError as exc:
                raise Invalid(str(exc), code="invalid_revision") from None
            return schema_state(database.engine)
    finally:
        database.dispose()


@contextmanager
def unavailable_as_error(settings: Settings) -> Iterator[None]:
    """A database that cannot be reached becomes one clear :class:`ServiceError`
    (``database_unavailable``) naming it (without its password) instead of a traceback."""
    try:
        yield
    except OperationalError as exc:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ServiceError(
            f"cannot use the database {where}: {reason}", code="database_unavailable"
        ) from None
