"""Portfolio-level governance: the proposals pipeline, its scoring model, and technology
evaluations.

These belong to no one project (a proposal exists before its project does, and an evaluation
may serve several), so they are rows of their own rather than part of a plan. Each keeps its
document whole in ``spec``, in the shape of :mod:`plansmith.io.portfolio_file`, so a proposal
or an evaluation reads the same in a file, in the API and in a backup; the columns beside it are
what lists filter and sort on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from plansmith.storage.tables import Base, Json, Versioned


class ScoringModel(Versioned, Base):
    """The criteria and weights proposals are scored on; one row, ``key`` "default"."""

    __tablename__ = "scoring_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    spec: Mapped[Json] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class Proposal(Versioned, Base):
    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    spec: Mapped[Json] = mapped_column(default=dict)
    submitted_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # the project "approve" made of it
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Evaluation(Versioned, Base):
    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    spec: Mapped[Json] = mapped_column(default=dict)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
