"""plan revision: a counter on each project that the database's triggers bump whenever
anything its plan is made of changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:05:00

Triggers rather than application code, so that every write path (the item services, imports,
restores, a future bulk update, another process) keeps it, in the same transaction as the
change. A change to the shared pool (calendars, resources) bumps every project: it is rare, and
which plans use a calendar is not known to the database (a task may name one in its spec).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows belong to one project's plan (a ``project_id`` column).
PLAN_TABLES = (
    "tasks",
    "dependencies",
    "assignments",
    "risks",
    "actuals",
    "baselines",
    "project_calendars",
    "project_resources",
)
POOL_TABLES = ("calendars", "resources")
PROJECT_FIELDS = "key, name, start, spec"
BUMP = "UPDATE projects SET plan_revision = plan_revision + 1"


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in PLAN_TABLES:
        statements += [
            f"CREATE TRIGGER plan_revision_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {BUMP} WHERE id = NEW.project_id; END",
            f"CREATE TRIGGER plan_revision_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {BUMP} WHERE id IN (OLD.project_id, NEW.project_id); END",
            f"CREATE TRIGGER plan_revision_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {BUMP} WHERE id = OLD.project_id; END",
        ]
    for table in POOL_TABLES:
        for event in ("insert", "update", "delete"):
            statements.append(
                f"CREATE TRIGGER plan_revision_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {BUMP}; END"
            )
    # The revision's own update names only plan_revision, so it does not fire this again.
    statements.append(
        f"CREATE TRIGGER plan_revision_projects_update AFTER UPDATE OF {PROJECT_FIELDS} "
        f"ON projects BEGIN {BUMP} WHERE id = NEW.id; END"
    )
    return statements


def _sqlite_trigger_names() -> list[str]:
    names = [f"plan_revision_{t}_{e}" for t in PLAN_TABLES for e in ("insert", "update", "delete")]
    names += [f"plan_revision_{t}_{e}" for t in POOL_TABLES for e in ("insert", "update", "delete")]
    return [*names, "plan_revision_projects_update"]


def _postgresql_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION plan_revision_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {BUMP} WHERE id = OLD.project_id; END IF; "
        f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.project_id <> OLD.project_id) "
        f"THEN {BUMP} WHERE id = NEW.project_id; END IF; "
        "RETURN NULL; END $$",
        "CREATE FUNCTION plan_revision_pool() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{BUMP}; RETURN NULL; END $$",
        "CREATE FUNCTION plan_revision_project() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{BUMP} WHERE id = NEW.id; RETURN NULL; END $$",
    ]
    for table in PLAN_TABLES:
        statements.append(
            f"CREATE TRIGGER plan_revision AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION plan_revision_row()"
        )
    for table in POOL_TABLES:
        statements.append(
            f"CREATE TRIGGER plan_revision AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION plan_revision_pool()"
        )
    statements.append(
        f"CREATE TRIGGER plan_revision AFTER UPDATE OF {PROJECT_FIELDS} ON projects "
        "FOR EACH ROW EXECUTE FUNCTION plan_revision_project()"
    )
    return statements


def upgrade() -> None:
    op.add_column(
        "projects",
        sa.Column("plan_revision", sa.Integer(), server_default="0", nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*PLAN_TABLES, *POOL_TABLES, "projects"):
            op.execute(f"DROP TRIGGER plan_revision ON {table}")
        for function in ("plan_revision_row", "plan_revision_pool", "plan_revision_project"):
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for name in _sqlite_trigger_names():
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("plan_revision")
