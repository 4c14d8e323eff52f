"""``teledossier bench --mode pipeline|baseline``: dossiers per second, submission → agent mail.

``pipeline`` starts the web server and worker processes against the PostgreSQL and RabbitMQ the
environment names, submits dossiers over HTTP from concurrent clients, and waits for each agent
notification to be accepted by its own SMTP sink. ``baseline`` runs the same handlers with the
same commits and SMTP sends one after the other in one process: no HTTP, no broker. The last line
printed is one JSON object.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench import common
from bench.runtime import RuntimeBuilder
from bench.sink import RecordingHandler, free_port
from pipeline.settings import Settings

#: Two small scans per dossier, as a citizen's phone would send (sizes in bytes).
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
       b"4 0 obj<</Length 1500>>stream\n" + b" " * 1500 + b"\nendstream\nendobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde" + bytes(900) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def dossier_json(index: int) -> dict[str, Any]:
    """A complete RCO dossier for someone who turned 16 last month."""
    return {
        "demarche": "RecensementCitoyen",
        "data": {"Personne": common.person(index)},
        "attachments": [
            {"kind": "justificatif_identite", "filename": "cni.pdf",
             "content_base64": base64.b64encode(PDF).decode()},
            {"kind": "livret_famille", "filename": "livret.png",
             "content_base64": base64.b64encode(PNG).decode()},
        ],
    }


@dataclass
class Timings:
    submitted: dict[str, float]
    mailed: dict[str, float]
    first: float
    last: float


def run_bench(settings: Settings, build_runtime: RuntimeBuilder, *, mode: str, dossiers: int,
              clients: int, workers: int) -> int:
    if mode == "pipeline":
        common.require_server_stack(settings, mode)
    with common.migrated_with_sink(settings) as (sink, sink_port):
        if mode == "pipeline":
            timings = _run_pipeline(settings, build_runtime, sink, sink_port, dossiers, clients,
                                    workers)
        else:
            timings = _run_baseline(settings, build_runtime, sink, sink_port, dossiers)
            clients = 1
    _report(mode, dossiers, clients, timings)
    return 0


def _run_pipeline(settings: Settings, build_runtime: RuntimeBuilder, sink: RecordingHandler,
                  sink_port: int, dossiers: int, clients: int, workers: int) -> Timings:
    runtime = build_runtime(settings)
    insee, token = common.bench_commune(runtime.ctx)
    runtime.stop()
    port = free_port()
    env = dict(os.environ, TELEDOSSIER_PORT=str(port),
               TELEDOSSIER_SMTP_URL=f"smtp://127.0.0.1:{sink_port}")
    with common.processes(["web"] + ["worker"] * workers, env):
        wait_ready(port)
        agents = f"agents-{insee}@banc.test"
        submitted: dict[str, float] = {}
        lock = threading.Lock()
        # Bodies are ready before the clock starts: the clients share the machine too.
        bodies = [json.dumps(dossier_json(index)).encode() for index in range(dossiers)]
        counter = iter(range(dossiers))

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    break
                started = time.monotonic()
                connection.request("POST", "/api/v1/dossiers", bodies[index], headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 201:
                    raise RuntimeError(f"submission refused: {response.status} {answer[:200]!r}")
                with lock:
                    submitted[json.loads(answer)["reference"]] = started
            connection.close()

        print(f"Soumission de {dossiers} dossiers par {clients} clients…", file=sys.stderr)
        first = time.monotonic()
        common.run_concurrently(client, clients)
        mailed = _wait_for_mails(sink, agents, dossiers, timeout=max(120.0, dossiers / 5))
        return Timings(submitted, mailed, first, max(mailed.values()))


def wait_ready(port: int, timeout: float = 60.0) -> None:
    """Wait until the web server on ``port`` answers /readyz with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web server on port {port} did not become ready")


def _wait_for_mails(sink: RecordingHandler, recipient: str, expected: int,
                    timeout: float) -> dict[str, float]:
    """When each dossier's agent mail reached the sink, by reference (from its subject)."""

    def mailed() -> dict[str, float]:
        with sink.lock:
            arrivals = list(sink.arrivals.get(recipient, []))
        return {subject.split()[2]: at for at, subject in arrivals}

    common.wait_for(lambda: len(mailed()) >= expected, expected, lambda: len(mailed()),
                    "notifications reçues", timeout, poll=0.05)
    return mailed()


def _run_baseline(settings: Settings, build_runtime: RuntimeBuilder, sink: RecordingHandler,
                  sink_port: int, dossiers: int) -> Timings:
    """The same work, one dossier after the other, in this process."""
    from sqlalchemy import delete, select

    from pipeline.commands.submit import Submission, submit_dossier
    from pipeline.domain.attachments import IncomingAttachment
    from pipeline.mail.outbox import send_mail
    from pipeline.stages.intake import acknowledge_submission
    from pipeline.stages.notification import notify_agents
    from pipeline.stages.validation import validate_dossier
    from pipeline.store.model import Commune, Mail, OutboxMessage
    local = Settings(**{**settings.__dict__, "smtp_url": f"smtp://127.0.0.1:{sink_port}",
                        "broker_url": ""})
    runtime = build_runtime(local)
    runtime.ctx.db.on_outbox = None  # no broker: the handlers are called directly below
    ctx = runtime.ctx
    insee, _token = common.bench_commune(ctx)
    with ctx.db.transaction() as session:
        commune_id = session.scalars(select(Commune.id).where(Commune.insee == insee)).one()
    submitted: dict[str, float] = {}
    mailed: dict[str, float] = {}
    first = time.monotonic()
    try:
        for index in range(dossiers):
            payload = dossier_json(index)
            started = time.monotonic()
            attachments = [IncomingAttachment(a["kind"], a["filename"],
                                              base64.b64decode(a["content_base64"]))
                           for a in payload["attachments"]]
            receipt = submit_dossier(ctx, commune_id, Submission(
                payload["demarche"], payload["data"], attachments))
            acknowledge_submission(receipt.dossier_id, ctx)
            validate_dossier(receipt.dossier_id, ctx)
            notify_agents(receipt.dossier_id, ctx)
            with ctx.db.transaction() as session:
                mail_ids = session.scalars(select(Mail.id).where(
                    Mail.dossier_id == receipt.dossier_id).order_by(Mail.created_at)).all()
            for mail_id in mail_ids:
                send_mail(mail_id, ctx)
            submitted[receipt.reference] = started
            mailed[receipt.reference] = time.monotonic()
        with ctx.db.transaction() as session:
            session.execute(delete(OutboxMessage))
    finally:
        runtime.stop()
    return Timings(submitted, mailed, first, max(mailed.values()))


def _report(mode: str, dossiers: int, clients: int, timings: Timings) -> None:
    latencies = sorted((timings.mailed[ref] - start) * 1000
                       for ref, start in timings.submitted.items() if ref in timings.mailed)
    elapsed = timings.last - timings.first
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    result = {
        "mode": mode,
        "dossiers": dossiers,
        "clients": clients,
        "per_s": round(dossiers / elapsed, 1),
        "p50_ms": round(statistics.median(latencies)),
        "p95_ms": round(quantiles[94]),
        "p99_ms": round(quantiles[98]),
    }
    print(f"{dossiers} dossiers en {elapsed:.1f} s", file=sys.stderr)
    print(json.dumps(result))
