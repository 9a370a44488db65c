"""Alembic's entry point: runs migrations on the engine the caller passes in
``config.attributes["engine"]`` (``plansmith db upgrade``, the tests), or on
``PLANSMITH_DATABASE_URL`` / the default database when run as ``alembic`` from the shell."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from plansmith.config import load_settings
from plansmith.storage.database import make_engine
from plansmith.storage.tables import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:
    engine = make_engine(load_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
