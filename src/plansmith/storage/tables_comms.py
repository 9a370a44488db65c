"""Stakeholder communication: the register, the communication plan, and its deliveries.

A delivery is one e-mail to one recipient for one occurrence of a plan entry, or one
certification reminder (``reminder_key``) to one person. The unique
``(entry_id, stakeholder_id, due_at)`` makes enqueueing an occurrence idempotent, and the
``status`` column is what a sender claims with an atomic UPDATE, so several processes never
send the same delivery twice (:mod:`plansmith.services.deliveries`). A delivery keeps the
address it went to, so the log still says who got what after a stakeholder is deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plansmith.storage.tables import Base, Versioned


class Stakeholder(Versioned, Base):
    """Interest and influence are scores from 1 (very low) to 5 (very high): they place the
    stakeholder on the power/interest grid."""

    __tablename__ = "stakeholders"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    interest: Mapped[int] = mapped_column(Integer, default=3)
    influence: Mapped[int] = mapped_column(Integer, default=3)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    notes: Mapped[str] = mapped_column(Text, default="")


class CommunicationEntry(Versioned, Base):
    """One line of the communication plan: a report, in a format, on a cadence, to recipients.

    ``next_due`` is advanced by the delivery job with a compare-and-set UPDATE (only the
    process that moves it from the value it read enqueues that occurrence). ``plan_revision``
    is the project's revision the milestone dates were read at, so a milestone cadence is
    recomputed only when the plan changed."""

    __tablename__ = "communication_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    report: Mapped[str] = mapped_column(String(20), default="status")
    format: Mapped[str] = mapped_column(String(10), default="pdf")
    cadence: Mapped[str] = mapped_column(String(20), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    day: Mapped[int] = mapped_column(Integer, default=1)
    hour: Mapped[int] = mapped_column(Integer, default=8)
    anchor: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_due: Mapped[datetime | None] = mapped_column(index=True)
    last_due: Mapped[datetime | None]
    plan_revision: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CommunicationRecipient(Base):
    __tablename__ = "communication_recipients"
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("communication_entries.id", ondelete="CASCADE"), primary_key=True
    )
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Delivery(Base):
    """``status``: pending (waiting for its ``next_attempt_at``), sending (claimed by a process
    until ``claimed_until``; a crashed sender's claim lapses and the row is retried), sent, or
    failed (a permanent refusal, or out of attempts; ``last_error`` says why)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("entry_id", "stakeholder_id", "due_at"),
        Index("ix_deliveries_queue", "status", "next_attempt_at"),
        # A certification reminder goes once per (certification, threshold) to each address.
        Index("ux_deliveries_reminder", "project_id", "reminder_key", "email", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("communication_entries.id", ondelete="SET NULL"), index=True
    )
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # Set on certification reminders only (entry_id is then None): "resource|expires|days|name",
    # which certification, expiring when, and which threshold (services.cert_reminders).
    reminder_key: Mapped[str | None] = mapped_column(String(400))


class UnsubscribeToken(Base):
    """The link in a report e-mail that takes its recipient off that plan entry. Only the
    token's SHA-256 is stored, and it expires, so a leaked database or an old e-mail cannot be
    used to unsubscribe anyone for ever."""

    __tablename__ = "unsubscribe_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("communication_entries.id", ondelete="CASCADE"), index=True
    )
    stakeholder_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ReminderScan(Base):
    """The day and plan revision a project's certifications were last looked at for reminders,
    so the job, which runs every minute, reads a project's plan again only when the day or the
    plan changed. It saves work only: the reminders' unique index is what stops a second
    e-mail."""

    __tablename__ = "reminder_scans"
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date)
    plan_revision: Mapped[int] = mapped_column(Integer)


class ReminderOptOut(Base):
    """An address that asked, through the link in a reminder, for no more certification
    reminders of this project."""

    __tablename__ = "reminder_opt_outs"
    __table_args__ = (UniqueConstraint("project_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]


class ReminderToken(Base):
    """The unsubscribe link of a certification reminder; like :class:`UnsubscribeToken`, only
    its SHA-256 is stored and it expires."""

    __tablename__ = "reminder_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
