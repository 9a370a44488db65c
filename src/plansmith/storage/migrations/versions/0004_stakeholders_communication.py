"""stakeholders, the communication plan, deliveries and unsubscribe tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:30:00

The tables of storage/tables_comms.py. Deliveries keep the recipient's address and name, so
their foreign keys to an entry or a stakeholder are SET NULL: the log outlives what it names.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communication_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("report", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_revision", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_communication_entries_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_entries")),
    )
    op.create_index(
        op.f("ix_communication_entries_next_due"),
        "communication_entries",
        ["next_due"],
        unique=False,
    )
    op.create_index(
        op.f("ix_communication_entries_project_id"),
        "communication_entries",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "stakeholders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("interest", sa.Integer(), nullable=False),
        sa.Column("influence", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_stakeholders_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholders")),
    )
    op.create_index(
        op.f("ix_stakeholders_project_id"), "stakeholders", ["project_id"], unique=False
    )
    op.create_table(
        "communication_recipients",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["communication_entries.id"],
            name=op.f("fk_communication_recipients_entry_id_communication_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_communication_recipients_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "entry_id", "stakeholder_id", name=op.f("pk_communication_recipients")
        ),
    )
    op.create_index(
        op.f("ix_communication_recipients_stakeholder_id"),
        "communication_recipients",
        ["stakeholder_id"],
        unique=False,
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("stakeholder_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["communication_entries.id"],
            name=op.f("fk_deliveries_entry_id_communication_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_deliveries_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_deliveries_stakeholder_id_stakeholders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "entry_id", "stakeholder_id", "due_at", name=op.f("uq_deliveries_entry_id")
        ),
    )
    op.create_index(op.f("ix_deliveries_entry_id"), "deliveries", ["entry_id"], unique=False)
    op.create_index(op.f("ix_deliveries_project_id"), "deliveries", ["project_id"], unique=False)
    op.create_index(
        "ix_deliveries_queue", "deliveries", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_deliveries_stakeholder_id"), "deliveries", ["stakeholder_id"], unique=False
    )
    op.create_table(
        "unsubscribe_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["communication_entries.id"],
            name=op.f("fk_unsubscribe_tokens_entry_id_communication_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholders.id"],
            name=op.f("fk_unsubscribe_tokens_stakeholder_id_stakeholders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsubscribe_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_unsubscribe_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_unsubscribe_tokens_entry_id"), "unsubscribe_tokens", ["entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_unsubscribe_tokens_stakeholder_id"),
        "unsubscribe_tokens",
        ["stakeholder_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_unsubscribe_tokens_stakeholder_id"), table_name="unsubscribe_tokens")
    op.drop_index(op.f("ix_unsubscribe_tokens_entry_id"), table_name="unsubscribe_tokens")
    op.drop_table("unsubscribe_tokens")
    op.drop_index(op.f("ix_deliveries_stakeholder_id"), table_name="deliveries")
    op.drop_index("ix_deliveries_queue", table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_project_id"), table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_entry_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(
        op.f("ix_communication_recipients_stakeholder_id"), table_name="communication_recipients"
    )
    op.drop_table("communication_recipients")
    op.drop_index(op.f("ix_stakeholders_project_id"), table_name="stakeholders")
    op.drop_table("stakeholders")
    op.drop_index(op.f("ix_communication_entries_project_id"), table_name="communication_entries")
    op.drop_index(op.f("ix_communication_entries_next_due"), table_name="communication_entries")
    op.drop_table("communication_entries")
