"""Alembic environment: migrations run on the engine handed over by storage.database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.record.models import Base

config = context.config
target_metadata = Base.metadata

engine = config.attributes.get("engine")
if engine is None:  # the alembic command line, for writing new revisions
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///casebook-dev.db")

with engine.begin() as connection:
    # render_as_batch: SQLite has almost no ALTER TABLE, so changes rebuild the table.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
