"""``teledossier bench --mode replies|outbound``: the mail gateway's throughput.

``outbound`` queues mails and measures how many per second the worker processes hand to an SMTP
server (the benchmark's own sink). ``replies`` prepares dossiers waiting for their agents, then
sends each agent's ``reçu`` to the gateway's SMTP server from concurrent clients and measures
replies per second from SMTP receipt to the dossier's state change. Both need PostgreSQL and
RabbitMQ, like ``--mode pipeline``; the last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import smtplib
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from bench import common
from bench.runtime import RuntimeBuilder
from bench.sink import RecordingHandler, free_port
from pipeline.settings import Settings

#: A one-page PDF, the smallest the attachment check takes.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def run_mail_bench(settings: Settings, build_runtime: RuntimeBuilder, *, mode: str, count: int,
                   clients: int, workers: int) -> int:
    common.require_server_stack(settings, mode)
    with common.migrated_with_sink(settings) as (sink, sink_port):
        if mode == "outbound":
            result = _outbound(settings, build_runtime, sink, sink_port, count, workers)
        else:
            result = _replies(settings, build_runtime, sink_port, count, clients, workers)
    print(json.dumps({"mode": mode, **result}))
    return 0


def _outbound(settings: Settings, build_runtime: RuntimeBuilder, sink: RecordingHandler,
              sink_port: int, count: int, workers: int) -> dict[str, Any]:
    """Mails per second from the queue to the SMTP server's 250."""
    from pipeline.mail.outbox import queue_mail
    env = dict(os.environ, TELEDOSSIER_SMTP_URL=f"smtp://127.0.0.1:{sink_port}")
    with common.processes(["worker"] * workers, env):
        runtime = build_runtime(settings)
        runtime.start_relay()
        try:
            time.sleep(3)  # the workers connect to RabbitMQ
            started = time.monotonic()
            for first in range(0, count, 100):
                with runtime.ctx.db.transaction() as session:
                    for index in range(first, min(count, first + 100)):
                        queue_mail(session, runtime.ctx, cause=f"banc:{started}:{index}",
                                   recipient=f"destinataire{index}@banc.test",
                                   purpose="banc", subject=f"Banc {index}",
                                   body="Bonjour,\n\nCourriel de mesure.\n", sender_name="Banc")
            common.wait_for(lambda: sink.count() >= count, count, lambda: sink.count(),
                            "courriels remis")
            elapsed = time.monotonic() - started
        finally:
            runtime.stop()
    return {"mails": count, "workers": workers, "per_s": round(count / elapsed, 1)}


def _replies(settings: Settings, build_runtime: RuntimeBuilder, sink_port: int, count: int,
             clients: int, workers: int) -> dict[str, Any]:
    """Replies per second, from SMTP receipt at the gateway to the dossier received."""
    from sqlalchemy import select

    from pipeline.store.db import Database, make_engine
    from pipeline.store.model import Dossier, HistoryEntry
    runtime = build_runtime(settings)
    try:
        insee, _ = common.bench_commune(runtime.ctx)
        print(f"Préparation de {count} dossiers transmis aux agents…", file=sys.stderr)
        replies = _prepare_dossiers(runtime.ctx, insee, count)
    finally:
        runtime.stop()
    gateway_port = free_port()
    env = dict(os.environ, TELEDOSSIER_SMTP_URL=f"smtp://127.0.0.1:{sink_port}",
               TELEDOSSIER_INBOUND_SMTP=f"127.0.0.1:{gateway_port}")
    with common.processes(["mail-gateway"] + ["worker"] * workers, env):
        _wait_port(gateway_port)
        time.sleep(2)  # the workers connect to RabbitMQ
        sent: dict[str, float] = {}
        lock = threading.Lock()
        pending = iter(replies)

        def client() -> None:
            with smtplib.SMTP("127.0.0.1", gateway_port, timeout=60) as smtp:
                while True:
                    with lock:
                        item = next(pending, None)
                    if item is None:
                        return
                    dossier_id, sender, reply_to, raw = item
                    with lock:
                        sent[dossier_id] = time.time()
                    smtp.sendmail(sender, [reply_to], raw)

        started = time.time()
        common.run_concurrently(client, clients)
        db = Database(make_engine(settings.database_url, pool_size=2))

        def received() -> dict[str, datetime]:
            with db.transaction() as session:
                rows = session.execute(
                    select(HistoryEntry.dossier_id, HistoryEntry.at)
                    .join(Dossier, Dossier.id == HistoryEntry.dossier_id)
                    .where(HistoryEntry.action == "recu",
                           HistoryEntry.dossier_id.in_(list(sent)))).all()
            return {dossier_id: at for dossier_id, at in rows}

        common.wait_for(lambda: len(received()) >= count, count, lambda: len(received()),
                        "réponses appliquées")
        changed = received()
        db.dispose()
    latencies = sorted((changed[d].timestamp() - sent[d]) * 1000 for d in changed)
    last = max(at.timestamp() for at in changed.values())
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"replies": count, "clients": clients, "workers": workers,
            "per_s": round(count / (last - started), 1),
            "p50_ms": round(statistics.median(latencies)), "p99_ms": round(quantiles[98])}


def _prepare_dossiers(ctx: Any, insee: str, count: int) -> list[tuple[str, str, str, bytes]]:
    """Dossiers transmitted to the agents, their notification noted as sent (no SMTP here)."""
    from sqlalchemy import delete, select, update

    from pipeline.commands.communes import find_commune
    from pipeline.commands.submit import Submission, submit_dossier
    from pipeline.domain.attachments import IncomingAttachment
    from pipeline.stages.intake import acknowledge_submission
    from pipeline.stages.notification import notify_agents
    from pipeline.stages.validation import validate_dossier
    from pipeline.store.model import Mail, OutboxMessage

    commune = find_commune(ctx, insee)
    replies = []
    for index in range(count):
        data = {"Personne": common.person(index)}
        receipt = submit_dossier(ctx, commune.id, Submission(
            demarche="RecensementCitoyen", data=data,
            attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                         for kind in ("justificatif_identite", "livret_famille")]))
        for handler in (acknowledge_submission, validate_dossier, notify_agents):
            handler(receipt.dossier_id, ctx)
        with ctx.db.transaction() as session:
            mail = session.scalars(select(Mail).where(
                Mail.dossier_id == receipt.dossier_id,
                Mail.purpose == "agent_notification")).one()
            session.execute(update(Mail).where(Mail.dossier_id == receipt.dossier_id)
                            .values(status="sent", sent_at=datetime.now(UTC)))
            replies.append((receipt.dossier_id, commune.agents_email, mail.reply_to,
                            _reply(commune.agents_email, mail.reply_to, mail.message_id,
                                   mail.subject)))
    with ctx.db.transaction() as session:
        session.execute(delete(OutboxMessage))
    return replies


def _reply(sender: str, reply_to: str, in_reply_to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reply_to
    message["Subject"] = f"RE: {subject}"
    message["Message-ID"] = make_msgid(domain="banc.test")
    message["In-Reply-To"] = in_reply_to
    message.set_content("Reçu, merci.\nNous vous recontactons.\n\n"
                        "Le 26/11/2026 à 10:00, Suivi a écrit :\n> Nouveau dossier\n")
    return message.as_bytes()


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"la passerelle ne répond pas sur le port {port}")
