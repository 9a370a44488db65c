"""Meetings, their decision log and action items, and the tokens of private calendar feeds.

Meeting times are wall-clock times in the project's time zone (``timezone`` in the plan),
stored without an offset: a weekly stand-up at 09:30 stays at 09:30 across a daylight-saving
change, which a moment in UTC would not. Feeds and invitations attach the zone when they write
the times out.

A series holds the recurrence (an RFC 5545 RRULE, as calendar programs exchange it) and the
defaults; an occurrence row exists only for a meeting someone scheduled, gave an agenda or
minutes, or cancelled. ``recurrence_id`` names the rule's instance an occurrence stands for, so
an invitation can update that one instance in a calendar rather than add a second event.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from plansmith.storage.tables import Base, Versioned

# Wall-clock times in the project's zone: no offset, on purpose (see the module's docstring).
LocalTime = DateTime(timezone=False)


class MeetingSeries(Versioned, Base):
    __tablename__ = "meeting_series"
    __table_args__ = (UniqueConstraint("project_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="other")
    rrule: Mapped[str] = mapped_column(String(500), default="")  # empty: a one-off meeting
    first_start: Mapped[datetime] = mapped_column(LocalTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    location: Mapped[str] = mapped_column(String(300), default="")
    agenda_template: Mapped[str] = mapped_column(Text, default="")
    organizer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class MeetingOccurrence(Versioned, Base):
    __tablename__ = "meeting_occurrences"
    __table_args__ = (Index("ix_meeting_occurrences_when", "project_id", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(LocalTime)
    recurrence_id: Mapped[datetime | None] = mapped_column(LocalTime, nullable=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    location: Mapped[str] = mapped_column(String(300), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")


class MeetingAttendee(Base):
    """An invitee of a series (``occurrence_id`` empty) or of one occurrence: an account, or
    an address of someone who has none. The address is kept for accounts too, as it was when
    invited, so an invitation can be written without another look-up."""

    __tablename__ = "meeting_attendees"
    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_occurrences.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)


class Decision(Versioned, Base):
    """An entry of the project's decision log; its history is the audit log's."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_occurrences.id", ondelete="SET NULL"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")


class ActionItem(Versioned, Base):
    """Something to do that came out of a meeting; ``task_id`` is the plan task made of it."""

    __tablename__ = "action_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_occurrences.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner_resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL"), index=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class CalendarFeed(Base):
    """A private calendar feed: a project's (``project_id``) or its owner's own. Only the
    token's SHA-256 is stored; the feed URL is shown once, like an API token."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
