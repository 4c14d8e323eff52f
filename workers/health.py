"""A worker's /healthz, /readyz and /metrics, on ``TELEDOSSIER_HEALTH_PORT``, for orchestrators."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pika
from sqlalchemy import text

from pipeline.context import PipelineContext
from pipeline.ops.usage import process_metrics
from workers.broker import with_amqp_defaults

log = logging.getLogger(__name__)


def readiness(ctx: PipelineContext) -> list[str]:
    """What keeps this worker from working: empty when the database and the broker answer."""
    problems = []
    try:
        with ctx.db.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        problems.append(f"base de données injoignable : {type(error).__name__}")
    if ctx.settings.broker_url:
        try:
            pika.BlockingConnection(pika.URLParameters(
                with_amqp_defaults(ctx.settings.broker_url))).close()
        except Exception as error:
            problems.append(f"RabbitMQ injoignable : {type(error).__name__}")
    return problems


class HealthServer:
    """Answers GET /healthz (the process runs) and GET /readyz (it can work) in a thread."""

    def __init__(self, ctx: PipelineContext, host: str, port: int) -> None:
        check = readiness

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.rstrip("/")
                if path == "/healthz":
                    self._answer(200, {"status": "ok"})
                elif path == "/readyz":
                    problems = check(ctx)
                    self._answer(503 if problems else 200,
                                 {"status": "indisponible" if problems else "ok",
                                  "problems": problems})
                elif path == "/metrics":
                    data = process_metrics(ctx, "worker").encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._answer(404, {"error": "inconnu : /healthz, /readyz ou /metrics"})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # probes every few seconds would drown the log

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="health",
                                       daemon=True)

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
