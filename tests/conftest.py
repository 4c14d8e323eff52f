"""Fixtures shared by every layer: settings, databases, RabbitMQ vhosts, a running runtime."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.settings import Settings
from pipeline.store.migrate import upgrade
from teledossier.bootstrap import Runtime, build_runtime
from tests import services


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped afterwards."""
    url, name = services.create_pg_database()
    yield url
    services.drop_pg_database(name)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own, deleted afterwards."""
    vhost = services.create_vhost()
    yield services.amqp_url(vhost)
    services.delete_vhost(vhost)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'teledossier.db'}"


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    env = {
        "TELEDOSSIER_DATABASE_URL": database_url,
        "TELEDOSSIER_VAR_DIR": str(tmp_path / "var"),
        "TELEDOSSIER_MAIL_DOMAIN": "demoville.test",
        "TELEDOSSIER_PUBLIC_URL": "http://teledossier.test",
    }
    env.update({f"TELEDOSSIER_{k.upper()}": str(v) for k, v in overrides.items()})
    return Settings.from_env(env)


@pytest.fixture
def runtime_factory(tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """Build migrated runtimes (not started); every one is stopped at the end of the test."""
    built: list[Runtime] = []

    def build(database_url: str, **kwargs: object) -> Runtime:
        transport = kwargs.pop("mail_transport", None)
        clock = kwargs.pop("clock", None)
        settings = make_settings(database_url, tmp_path, **kwargs)
        upgrade(settings.database_url)
        runtime = build_runtime(settings, clock=clock, mail_transport=transport)
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.stop()
