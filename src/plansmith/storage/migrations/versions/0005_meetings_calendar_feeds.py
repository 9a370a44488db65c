"""meetings, decisions, action items and calendar feeds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:17:22

Meeting times are stored as wall-clock times without an offset (the project's time zone holds
them); see storage/tables_meetings.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_calendar_feeds_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_calendar_feeds_user_id"), ["user_id"], unique=False)

    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("first_start", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("agenda_template", sa.Text(), nullable=False),
        sa.Column("organizer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["users.id"],
            name=op.f("fk_meeting_series_organizer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_meeting_series_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_meeting_series_project_id")),
    )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_series_organizer_id"), ["organizer_id"], unique=False
        )

    op.create_table(
        "meeting_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("recurrence_id", sa.DateTime(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_meeting_occurrences_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_occurrences_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_occurrences")),
    )
    with op.batch_alter_table("meeting_occurrences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_occurrences_series_id"), ["series_id"], unique=False
        )
        batch_op.create_index(
            "ix_meeting_occurrences_when", ["project_id", "starts_at"], unique=False
        )

    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_resource_id", sa.Integer(), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["meeting_occurrences.id"],
            name=op.f("fk_action_items_occurrence_id_meeting_occurrences"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_resource_id"],
            ["resources.id"],
            name=op.f("fk_action_items_owner_resource_id_resources"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_action_items_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_action_items_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_action_items_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_items_occurrence_id"), ["occurrence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_items_owner_resource_id"), ["owner_resource_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_items_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_items_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_items_task_id"), ["task_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["meeting_occurrences.id"],
            name=op.f("fk_decisions_occurrence_id_meeting_occurrences"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_decisions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decisions_occurrence_id"), ["occurrence_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decisions_project_id"), ["project_id"], unique=False)

    op.create_table(
        "meeting_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["meeting_occurrences.id"],
            name=op.f("fk_meeting_attendees_occurrence_id_meeting_occurrences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meeting_attendees_series_id_meeting_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_meeting_attendees_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendees")),
    )
    with op.batch_alter_table("meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attendees_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meeting_attendees_occurrence_id"), ["occurrence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_attendees_series_id"), ["series_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meeting_attendees_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; children before the tables they point at.
    for table in (
        "meeting_attendees",
        "decisions",
        "action_items",
        "meeting_occurrences",
        "meeting_series",
        "calendar_feeds",
    ):
        op.drop_table(table)
