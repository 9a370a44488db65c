"""certification reminders: a key on deliveries, scans, opt-outs and their links

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:00:00

Certification reminders (issue 9) are deliveries with a ``reminder_key`` and no plan entry, so
they share the delivery job's claims, retries and log; the unique index over (project, key,
address) is what sends each threshold's reminder once. See storage/tables_comms.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _project(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["projects.id"],
        name=op.f(f"fk_{table}_project_id_projects"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("reminder_key", sa.String(length=400), nullable=True))
    op.create_index(
        "ux_deliveries_reminder",
        "deliveries",
        ["project_id", "reminder_key", "email"],
        unique=True,
    )
    op.create_table(
        "reminder_scans",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("plan_revision", sa.Integer(), nullable=False),
        _project("reminder_scans"),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_reminder_scans")),
    )
    op.create_table(
        "reminder_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _project("reminder_opt_outs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_opt_outs")),
        sa.UniqueConstraint("project_id", "email", name=op.f("uq_reminder_opt_outs_project_id")),
    )
    op.create_table(
        "reminder_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _project("reminder_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reminder_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_reminder_tokens_project_id"), "reminder_tokens", ["project_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_tokens_project_id"), table_name="reminder_tokens")
    for table in ("reminder_tokens", "reminder_opt_outs", "reminder_scans"):
        op.drop_table(table)
    op.drop_index("ux_deliveries_reminder", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reminder_key")
