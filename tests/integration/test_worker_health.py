"""A worker's /healthz and /readyz: up, and ready only while the database and broker answer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable

from teledossier.bootstrap import Runtime
from tests.services import AMQP_HOST, AMQP_PORT
from tests.tcp_proxy import TcpProxy
from workers.health import HealthServer


def _get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_embedded_worker_is_up_and_ready(sqlite_url: str,
                                         runtime_factory: Callable[..., Runtime]) -> None:
    runtime = runtime_factory(sqlite_url)
    health = HealthServer(runtime.ctx, "127.0.0.1", 0).start()
    try:
        assert _get(health.port, "/healthz") == (200, {"status": "ok"})
        assert _get(health.port, "/readyz/") == (200, {"status": "ok", "problems": []})
        assert _get(health.port, "/ailleurs")[0] == 404
    finally:
        health.close()


def test_worker_is_not_ready_while_rabbitmq_is_cut_off(
        pg_url: str, amqp_url: str, runtime_factory: Callable[..., Runtime]) -> None:
    proxy = TcpProxy(AMQP_HOST, AMQP_PORT)
    proxied = amqp_url.replace(f":{AMQP_PORT}/", f":{proxy.port}/")
    runtime = runtime_factory(pg_url, broker_url=proxied)
    health = HealthServer(runtime.ctx, "127.0.0.1", 0).start()
    try:
        assert _get(health.port, "/readyz")[0] == 200
        proxy.cut()
        status, body = _get(health.port, "/readyz")
        assert status == 503
        assert body["problems"] and body["problems"][0].startswith("RabbitMQ injoignable")
        assert _get(health.port, "/healthz")[0] == 200  # up, though not ready
        proxy.restore()
        assert _get(health.port, "/readyz")[0] == 200
    finally:
        health.close()
        proxy.close()


def _counter(port: int, name: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as answer:
        text = answer.read().decode()
    (line,) = [line for line in text.splitlines() if line.startswith(name + "{")]
    return int(line.rsplit(" ", 1)[1])


def test_worker_metrics_count_the_statements_it_sends(
        pg_url: str, runtime_factory: Callable[..., Runtime]) -> None:
    from sqlalchemy import text

    runtime = runtime_factory(pg_url)
    health = HealthServer(runtime.ctx, "127.0.0.1", 0).start()
    try:
        statements = _counter(health.port, "teledossier_process_db_statements_total")
        transactions = _counter(health.port, "teledossier_process_db_transactions_total")
        with runtime.ctx.db.transaction() as session:
            session.execute(text("SELECT 1"))
            session.execute(text("SELECT 2"))
        assert _counter(health.port, "teledossier_process_db_statements_total") \
            == statements + 2
        assert _counter(health.port, "teledossier_process_db_transactions_total") \
            == transactions + 1
    finally:
        health.close()
