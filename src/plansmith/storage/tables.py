"""The database's rows.

A plan's things are rows with the columns that the API filters, sorts or joins on (key, name,
parent, dates) and a ``spec`` JSON column holding the rest of the plan file's fields for that
thing, exactly as the plan schema (:mod:`plansmith.io.plan_schema`) validated them. The plan
schema stays the one definition of what a task or resource may hold, and a new plan-file field
needs no migration. Links between things (the task tree, dependencies, assignments, the pool)
are real foreign keys, so the database itself refuses a dangling reference.

Editable rows carry ``version``, SQLAlchemy's optimistic-concurrency counter: an UPDATE that
finds another writer's version changes nothing and raises, so no save is ever lost.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = dict[str, Any]


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC on every backend: SQLite keeps no time zone and hands back naive
    datetimes, which would compare wrongly and print without their offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {Json: JSON, datetime: UtcDateTime()}  # noqa: RUF012


class Versioned:
    """Rows edited through the API: the version is the ETag, checked on every UPDATE."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


# Accounts -------------------------------------------------------------------------------


class User(Versioned, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored, so a database leak reveals none."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class BrowserSession(Base):
    __tablename__ = "browser_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginAttempt(Base):
    """Failed sign-ins, in the database so that every worker process sees the same count."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


# Portfolios and projects ------------------------------------------------------------------


class Portfolio(Versioned, Base):
    __tablename__ = "portfolios"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Project(Versioned, Base):
    """``spec``: the plan file's ``project`` section without id, name and start, plus the
    plan-level lists that are not rows of their own (holidays, correlations, budget, expenses)."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int | None] = mapped_column(
        ForeignKey("portfolios.id", ondelete="SET NULL"), index=True
    )
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[date] = mapped_column(Date)
    spec: Mapped[Json] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Counts every change to what the plan is made of (this row's plan fields, its tasks,
    # links, assignments, risks, actuals, baselines, team and calendars, and any change to the
    # shared pool). Kept by the database's own triggers (migration 0003), so no write path can
    # forget it; caches of a scheduled plan are keyed by it (services.plan_cache).
    plan_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


# The shared pool: calendars and resources -------------------------------------------------


class Calendar(Versioned, Base):
    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    spec: Mapped[Json] = mapped_column(default=dict)


class Resource(Versioned, Base):
    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="person")
    capacity: Mapped[float] = mapped_column(Float, default=1.0)
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendars.id", ondelete="RESTRICT"), index=True
    )
    spec: Mapped[Json] = mapped_column(default=dict)


class ProjectCalendar(Base):
    """A calendar a project's plan declares (what its export writes)."""

    __tablename__ = "project_calendars"
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendars.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProjectResource(Base):
    """A pool resource on a project's team (what its export writes)."""

    __tablename__ = "project_resources"
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


# A project's plan -------------------------------------------------------------------------


class Task(Versioned, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        Index("ix_tasks_tree", "project_id", "parent_id", "position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    spec: Mapped[Json] = mapped_column(default=dict)


class Dependency(Versioned, Base):
    __tablename__ = "dependencies"
    __table_args__ = (UniqueConstraint("task_id", "predecessor_id", "type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    predecessor_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(2), default="FS")
    lag: Mapped[str] = mapped_column(String(40), default="0")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Assignment(Versioned, Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("task_id", "resource_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), index=True
    )
    units: Mapped[str] = mapped_column(String(40), default="1")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Risk(Versioned, Base):
    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("project_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    spec: Mapped[Json] = mapped_column(default=dict)


class Actual(Versioned, Base):
    """A booking of hours or cost against a task on a day (the plan file's ``actuals``)."""

    __tablename__ = "actuals"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    spec: Mapped[Json] = mapped_column(default=dict)


class Baseline(Base):
    """A saved baseline: the same document the CLI keeps in ``PLAN.baselines.json``."""

    __tablename__ = "baselines"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime]
    data: Mapped[Json] = mapped_column(default=dict)


class StatusSnapshot(Base):
    """Earned value as it stood at one status date: recorded, because EV depends on progress as
    it was reported then and cannot be rebuilt later (what the CLI's ``evm --record`` keeps in
    ``PLAN.status.json``)."""

    __tablename__ = "status_snapshots"
    __table_args__ = (UniqueConstraint("project_id", "status_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    status_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime]
    data: Mapped[Json] = mapped_column(default=dict)


# History ----------------------------------------------------------------------------------


class AuditEntry(Base):
    """One changed field (or a created or deleted row). Not a foreign key to the project, so
    the history of a deleted project survives it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    entity_key: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(100))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)


# The stakeholder register, the communication plan and its deliveries live in a module of their
# own; imported here so that the metadata (and Alembic's autogenerate) sees them.
import plansmith.storage.tables_comms  # noqa: E402

# Meetings, decisions, action items and calendar feeds live in a module of their own; imported
# here so that the metadata (and Alembic's autogenerate) sees them wherever tables are used.
import plansmith.storage.tables_meetings  # noqa: E402

# Proposals, their scoring model and technology evaluations (portfolio-level, issue 9).
import plansmith.storage.tables_portfolio  # noqa: E402, F401
