"""Alembic environment: migrate the database the caller's configuration names."""

from __future__ import annotations

from alembic import context

from pipeline.store.db import make_engine
from pipeline.store.model import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by pipeline.store.migrate"
engine = make_engine(url, pool_size=1)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
