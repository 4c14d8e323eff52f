"""Reach the real services the integration tests need; skip (or fail under CI) when absent."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

#: An existing database the tests connect to in order to create and drop their own, on the same
#: server with the same credentials; its host, port, user, password and name are all used.
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("TEST_AMQP_PORT", "5672"))
RABBIT_API = os.environ.get("TEST_RABBIT_API", "http://127.0.0.1:15672/api")

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "RabbitMQ": "rabbitmq-server -detached && rabbitmq-plugins enable rabbitmq_management",
}


def missing(service: str, detail: str) -> None:
    """Fail under CI=true, skip elsewhere, saying how to start the service."""
    message = f"{service} is not reachable ({detail}); start it with: {HOW_TO_START[service]}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pg_connect_args(admin_url: str) -> dict[str, Any]:
    """psycopg.connect() keywords for the server, credentials and database of an SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    found = {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username,
             "password": url.password, "dbname": url.database, **url.query}
    return {key: value for key, value in found.items() if value is not None}


def pg_database_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the admin URL's server, for the application (psycopg 3)."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(**pg_connect_args(PG_ADMIN_URL), autocommit=True)


def create_pg_database() -> tuple[str, str]:
    """Create an empty database for one test; returns (its URL, its name)."""
    args = pg_connect_args(PG_ADMIN_URL)
    unix_socket = str(args["host"]).startswith("/")
    if not unix_socket and not port_open(args["host"], int(args["port"])):
        missing("PostgreSQL", f"{args['host']}:{args['port']} (TEST_PG_URL)")
    name = f"td_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_database_url(PG_ADMIN_URL, name), name


def drop_pg_database(name: str) -> None:
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbit_api(method: str, path: str, body: dict | None = None) -> None:
    request = urllib.request.Request(
        f"{RABBIT_API}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json",
                 "authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
    with urllib.request.urlopen(request, timeout=15):
        pass


def create_vhost() -> str:
    """Create a RabbitMQ virtual host for one test; returns its name."""
    if not port_open(AMQP_HOST, AMQP_PORT):
        missing("RabbitMQ", f"{AMQP_HOST}:{AMQP_PORT}")
    name = f"td-{uuid.uuid4().hex[:12]}"
    try:
        _rabbit_api("PUT", f"/vhosts/{name}")
        _rabbit_api("PUT", f"/permissions/{name}/guest",
                    {"configure": ".*", "write": ".*", "read": ".*"})
    except (urllib.error.URLError, OSError) as error:
        missing("RabbitMQ", f"management API {RABBIT_API}: {error}")
    return name


def delete_vhost(name: str) -> None:
    with contextlib.suppress(urllib.error.URLError, OSError):
        _rabbit_api("DELETE", f"/vhosts/{name}")


def amqp_url(vhost: str, host: str = AMQP_HOST, port: int = AMQP_PORT) -> str:
    return f"amqp://guest:guest@{host}:{port}/{vhost}"
