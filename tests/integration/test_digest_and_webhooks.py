"""The agents' daily digest goes once per day and agent, under two workers and a restart; a
partner's webhook is called once per step, signed, through a receiver that fails then recovers.

Real services: PostgreSQL and RabbitMQ for the digest's workers, a real SMTP server receiving
the mail, a real HTTP server receiving the calls.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from pipeline.commands.accounts import create_user
from pipeline.commands.communes import create_commune, issue_token
from pipeline.commands.preferences import set_notifications
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.clock import FixedClock
from pipeline.store.model import Mail, WebhookDelivery
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import JPEG, PDF, rco_data
from tests.mail_sink import MailSink
from web_minimal import create_app

#: Filed at 07:30 in Paris (06:30 UTC) on 12 March 2026; the digest's hour is 8.
FILED = datetime(2026, 3, 12, 6, 30, tzinfo=UTC)
DIGEST_TIME = datetime(2026, 3, 12, 7, 10, tzinfo=UTC)  # 08:10 in Paris
AGENT = "claire.agent@nice.example"


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return found


def file_rco(runtime: Runtime, commune_id: int) -> str:
    return submit_dossier(runtime.ctx, commune_id, Submission(
        demarche="RecensementCitoyen", data=rco_data(),
        attachments=[IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
                     IncomingAttachment("livret_famille", "livret.jpg", JPEG)])).dossier_id


@pytest.fixture
def sink() -> Iterator[MailSink]:
    server = MailSink().start()
    yield server
    server.stop()


@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_the_digest_goes_once_under_two_workers_and_a_restart(
        runtime_factory: Callable[..., Runtime], pg_url: str, amqp_url: str,
        sink: MailSink) -> None:
    clock = FixedClock(FILED)

    def worker() -> Runtime:
        runtime = runtime_factory(pg_url, clock=clock, broker_url=amqp_url, smtp_url=sink.url,
                                  schedule_every_seconds=1, worker_threads=2)
        runtime.start_relay()
        runtime.start_worker()
        return runtime

    first, second = worker(), worker()
    ctx = first.ctx
    commune_id = create_commune(ctx, insee="06088", name="Nice",
                                agents_email="mairie@nice.example").id
    user, _ = create_user(ctx, email=AGENT, role="agent", commune_insee="06088")
    set_notifications(ctx, user.id, "recapitulatif", 8)
    file_rco(first, commune_id)
    wait_until(lambda: any("Nouveau dossier" in m.subject for m in sink.received),
               "the service mailbox's notification")

    clock.instant = DIGEST_TIME  # 08:10 in Paris: both schedulers find the digest due
    wait_until(lambda: [m for m in sink.received if AGENT in m.recipients], "the digest")
    time.sleep(3)  # several more passes of both schedulers
    first.stop()
    third = worker()  # a worker restarted after the hour
    time.sleep(3)

    digests = [m for m in sink.received if AGENT in m.recipients]
    assert len(digests) == 1, [m.subject for m in digests]
    assert digests[0].subject.startswith("Récapitulatif du 12/03/2026 — 1 nouveau(x)")
    assert "Nouveaux dossiers (1) :" in digests[0].body
    assert "http://teledossier.test/gestion/dossiers/TD-" in digests[0].body
    with third.ctx.db.transaction() as session:
        rows = session.scalars(select(Mail.status).where(Mail.recipient == AGENT)).all()
    assert rows == ["sent"]
    assert second.worker is not None


# --- Webhooks -----------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    """A partner's endpoint: answers 503 to the first ``failures`` calls, then 204."""

    failures = 0
    calls: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            failing = len(self.calls) < self.failures
            status = 503 if failing else 204
            self.calls.append((status, dict(self.headers), body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("TestReceiver", (Receiver,), {"calls": [], "failures": 2})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/teledossier", handler
    server.shutdown()


def test_webhook_is_called_once_per_step_through_a_receiver_that_fails_then_recovers(
        runtime_factory: Callable[..., Runtime], sqlite_url: str,
        receiver: tuple[str, type[Receiver]]) -> None:
    url, handler = receiver
    runtime = runtime_factory(sqlite_url)
    ctx = runtime.ctx
    commune_id = create_commune(ctx, insee="06088", name="Nice",
                                agents_email="mairie@nice.example").id
    token = issue_token(ctx, "06088", label="Portail")
    client = create_app(runtime, {"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    registered = client.post("/api/v1/webhooks", json={"url": url})
    assert registered.status_code == 201
    secret = registered.get_json()["secret"]
    runtime.start_relay()
    runtime.start_worker()

    dossier_id = file_rco(runtime, commune_id)
    # Filed, then validated: two steps, two calls that arrive (the first two tries fail).
    wait_until(lambda: len([c for c in handler.calls if c[0] == 204]) >= 2, "two calls",
               timeout=90)
    time.sleep(2)  # nothing more comes

    delivered = [c for c in handler.calls if c[0] == 204]
    failed = [c for c in handler.calls if c[0] == 503]
    assert len(failed) == 2
    events = [json.loads(body) for _, _, body in delivered]
    assert sorted((e["seq"], e["action"]) for e in events) == [(1, "submit"), (2, "validated")]
    assert len({h["X-Teledossier-Delivery"] for _, h, _ in delivered}) == 2
    for _, headers, body in delivered:
        expected = hmac.new(secret.encode(), headers["X-Teledossier-Timestamp"].encode()
                            + b"." + body, hashlib.sha256).hexdigest()
        assert headers["X-Teledossier-Signature"] == f"sha256={expected}"
    # A failed try was the same call as the one that went through later.
    assert {h["X-Teledossier-Delivery"] for _, h, _ in failed} <= {
        h["X-Teledossier-Delivery"] for _, h, _ in delivered}
    with ctx.db.transaction() as session:
        rows = session.execute(select(WebhookDelivery.status, WebhookDelivery.attempts)
                               .where(WebhookDelivery.dossier_id == dossier_id)).all()
    assert sorted(status for status, _ in rows) == ["delivered", "delivered"]
    assert sum(attempts for _, attempts in rows) == 4
