"""The test suite's own service helpers: TEST_PG_URL decides where test databases are made."""

from __future__ import annotations

from typing import Any

import pytest

from tests import services

ADMIN_URL = "postgresql+psycopg://admin:s%40cret@db.example.org:5433/maintenance"


def test_admin_connection_comes_from_the_whole_test_pg_url() -> None:
    assert services.pg_connect_args(ADMIN_URL) == {
        "host": "db.example.org", "port": 5433, "user": "admin", "password": "s@cret",
        "dbname": "maintenance"}


def test_admin_connection_defaults_to_the_documented_server() -> None:
    assert services.pg_connect_args("postgresql+psycopg://postgres@127.0.0.1:5432/test") == {
        "host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "test"}


def test_test_databases_are_made_on_the_test_pg_url_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import psycopg

    connected: list[dict[str, Any]] = []
    statements: list[str] = []

    class Connection:
        def __enter__(self) -> Connection:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def execute(self, sql: str) -> None:
            statements.append(sql)

    def connect(**kwargs: Any) -> Connection:
        connected.append(kwargs)
        return Connection()

    probed: list[tuple[str, int]] = []
    monkeypatch.setattr(services, "PG_ADMIN_URL", "postgres://admin:pw@db.example.org:5433/maint")
    monkeypatch.setattr(services, "port_open", lambda host, port: probed.append((host, port))
                        or True)
    monkeypatch.setattr(psycopg, "connect", connect)

    url, name = services.create_pg_database()
    services.drop_pg_database(name)

    assert probed == [("db.example.org", 5433)]
    expected = {"host": "db.example.org", "port": 5433, "user": "admin", "password": "pw",
                "dbname": "maint", "autocommit": True}
    assert connected == [expected, expected]
    assert statements == [f'CREATE DATABASE "{name}"',
                          f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)']
    assert url == f"postgresql+psycopg://admin:pw@db.example.org:5433/{name}"
