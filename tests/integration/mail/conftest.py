"""Fixtures of the mail tests: a real Dovecot (tests/dovecot.py) and a migrated SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store.db import Database, make_engine
from pipeline.store.migrate import upgrade
from tests.dovecot import dovecot  # noqa: F401 — registers the fixture for this directory


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A SQLite database migrated as ``teledossier migrate`` does, disposed of afterwards."""
    url = f"sqlite:///{tmp_path / 'teledossier.db'}"
    upgrade(url)
    db = Database(make_engine(url))
    yield db
    db.dispose()
