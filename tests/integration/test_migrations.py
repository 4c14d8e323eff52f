"""The migrations build exactly the schema the model declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from pipeline.store.migrate import upgrade
from pipeline.store.model import Base


def differences(url: str) -> list[object]:
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": False, "render_as_batch": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_model_on_sqlite(sqlite_url: str) -> None:
    assert differences(sqlite_url) == []


@pytest.mark.postgres
def test_migrations_match_the_model_on_postgresql(pg_url: str) -> None:
    assert differences(pg_url) == []
