"""``teledossier bench --mode lifecycle``: a dossier's whole life, and its CPU cost per dossier.

Filed through the API → acknowledged → checked → agents notified → ``reçu`` → ``accepter`` (both
through the API, as soon as the agents' mail arrives) → attestation signed → deposited → closed,
five mails to the bench's SMTP sink. The web server and the workers run as ``teledossier``
processes against the PostgreSQL and RabbitMQ the environment names. Arrivals are open-loop at
``--rate`` dossiers per second (default: as fast as the clients are served), and ``--clients``
threads carry the requests, the agents' actions first.

CPU time is read from /proc for every process involved (``bench.cpu``) from the moment all are
ready to the last dossier closed; the bench's own clients and sink are reported apart and left
out of ``cpu_ms_per_dossier``. Statements are counted by the application's processes
(``/metrics``), transactions by PostgreSQL (``pg_stat_database``). The last line is JSON.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.request import urlopen

from bench import common
from bench.cpu import CpuMeter, descendants, postgres_pids, rabbitmq_pids
from bench.pipeline import PDF, PNG, wait_ready
from bench.runtime import RuntimeBuilder
from bench.sink import RecordingHandler, free_port
from pipeline.settings import Settings

REFERENCE = re.compile(r"\bTD-[0-9A-Z]{9}\b")
#: What the agents' mail and the closing mail to the citizen say in their subjects.
NOTIFIED, CLOSED = "Nouveau dossier", "dossier clos"


@dataclass
class Progress:
    """When each dossier was filed, notified and closed (monotonic seconds), by reference."""

    filed: dict[str, float] = field(default_factory=dict)
    notified: dict[str, float] = field(default_factory=dict)
    closed: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)


def run_lifecycle(settings: Settings, build_runtime: RuntimeBuilder, *, dossiers: int,
                  clients: int, workers: int, rate: float | None) -> int:
    common.require_server_stack(settings, "lifecycle")
    with common.migrated_with_sink(settings) as (sink, sink_port):
        runtime = build_runtime(settings)
        _, token = common.bench_commune(runtime.ctx)
        runtime.stop()
        result = _measure(settings, sink, sink_port, token, dossiers, clients, workers, rate)
    print(json.dumps(result))
    return 0


def _measure(settings: Settings, sink: RecordingHandler, sink_port: int, token: str,
             dossiers: int, clients: int, workers: int, rate: float | None) -> dict[str, Any]:
    database = settings.database_url.rsplit("/", 1)[-1].split("?")[0]
    port, health_ports = free_port(), [free_port() for _ in range(workers)]
    env = dict(os.environ, TELEDOSSIER_PORT=str(port),
               TELEDOSSIER_SMTP_URL=f"smtp://127.0.0.1:{sink_port}")
    worker_envs = [dict(env, TELEDOSSIER_HEALTH_PORT=str(p)) for p in health_ports]
    with common.processes(["web"], env) as (web,), \
            common.processes(["worker"] * workers, worker_envs) as worker_procs:
        wait_ready(port)
        for health in health_ports:
            _wait_http(f"http://127.0.0.1:{health}/readyz")
        bodies = [json.dumps(_dossier(index)).encode() for index in range(dossiers)]
        progress = Progress()
        actions: queue.Queue[tuple[str, str]] = queue.Queue()
        sink.on_arrival = _watch(progress, actions)
        meter = CpuMeter({
            "web": (lambda: descendants([web.pid]), True),
            "workers": (lambda: descendants([w.pid for w in worker_procs]), True),
            "postgres": (lambda: postgres_pids(database), False),
            "rabbitmq": (rabbitmq_pids, False),
            "bench": (lambda: [os.getpid()], False),
        })
        statements = _statements(port, health_ports)
        transactions = _transactions(settings, database)
        meter.start()
        started = time.monotonic()
        _drive(port, token, bodies, progress, actions, clients, rate)
        common.wait_for(lambda: len(progress.closed) >= dossiers or bool(progress.errors),
                        dossiers, lambda: len(progress.closed), "dossiers clos",
                        timeout=max(300.0, dossiers / 2), poll=0.05)
        cpu = meter.read()
        ended = max(progress.closed.values(), default=time.monotonic())
        statements = _statements(port, health_ports) - statements
        transactions = _transactions(settings, database) - transactions
        sink.on_arrival = None
    if progress.errors:
        raise RuntimeError(progress.errors[0])
    return _report(progress, dossiers, clients, workers, rate, started, ended, cpu,
                   statements, transactions)


def _dossier(index: int) -> dict[str, Any]:
    return {"demarche": "RecensementCitoyen", "data": {"Personne": common.person(index)},
            "attachments": [
                {"kind": "justificatif_identite", "filename": "cni.pdf",
                 "content_base64": base64.b64encode(PDF).decode()},
                {"kind": "livret_famille", "filename": "livret.png",
                 "content_base64": base64.b64encode(PNG).decode()}]}


def _watch(progress: Progress, actions: queue.Queue[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """What the sink does with each mail: the agents' mail calls for the agents' actions."""

    def arrived(at: float, recipients: list[str], subject: str) -> None:
        found = REFERENCE.search(subject)
        if found is None:
            return
        reference = found.group(0)
        if subject.startswith(NOTIFIED):
            with progress.lock:
                progress.notified.setdefault(reference, at)
            actions.put((reference, "recu"))
        elif CLOSED in subject:
            with progress.lock:
                progress.closed.setdefault(reference, at)

    return arrived


def _drive(port: int, token: str, bodies: list[bytes], progress: Progress,
           actions: queue.Queue[tuple[str, str]], clients: int, rate: float | None) -> None:
    """File every dossier (at ``rate`` per second, or as fast as served) and act on each."""
    arrivals: queue.Queue[int] = queue.Queue()
    start = time.monotonic()

    def schedule() -> None:
        for index in range(len(bodies)):
            if rate:
                time.sleep(max(0.0, start + index / rate - time.monotonic()))
            arrivals.put(index)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while len(progress.closed) < len(bodies) and not progress.errors:
            try:
                reference, action = actions.get_nowait()
                path = f"/api/v1/dossiers/{reference}/actions"
                body, expected = json.dumps({"action": action}).encode(), 200
            except queue.Empty:
                try:
                    index = arrivals.get(timeout=0.02)
                except queue.Empty:
                    continue
                path, body, expected, reference, action = (
                    "/api/v1/dossiers", bodies[index], 201, "", "déposer")
            filed_at = time.monotonic()
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != expected:
                progress.errors.append(f"{action} {reference}: {response.status} {answer[:200]!r}")
                return
            if action == "déposer":
                with progress.lock:
                    progress.filed[json.loads(answer)["reference"]] = filed_at
            elif action == "recu":
                actions.put((reference, "accepter"))
        connection.close()

    threading.Thread(target=schedule, daemon=True).start()
    print(f"{len(bodies)} dossiers, {clients} clients"
          + (f", {rate}/s" if rate else "") + "…", file=sys.stderr)
    for thread in [threading.Thread(target=client, daemon=True) for _ in range(clients)]:
        thread.start()


def _statements(port: int, health_ports: list[int]) -> int:
    total = 0
    for url in [f"http://127.0.0.1:{port}/metrics",
                *(f"http://127.0.0.1:{p}/metrics" for p in health_ports)]:
        with urlopen(url, timeout=30) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith("teledossier_process_db_statements_total{"):
                    total += int(line.rsplit(" ", 1)[1])
    return total


def _transactions(settings: Settings, database: str) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                         password=url.password, dbname=url.database) as connection:
        row = connection.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                                 "WHERE datname = %s", (database,)).fetchone()
    return int(row[0]) - 1  # this reading's own transaction


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} ne répond pas")


def _report(progress: Progress, dossiers: int, clients: int, workers: int,
            rate: float | None, started: float, ended: float, cpu: dict[str, float],
            statements: int, transactions: int) -> dict[str, Any]:
    life = sorted((progress.closed[r] - progress.filed[r]) * 1000
                  for r in progress.closed if r in progress.filed)
    notified = sorted((progress.notified[r] - progress.filed[r]) * 1000
                      for r in progress.notified if r in progress.filed)
    system = sum(v for k, v in cpu.items() if k != "bench")
    return {
        "mode": "lifecycle", "dossiers": dossiers, "clients": clients, "workers": workers,
        "rate": rate, "seconds": round(ended - started, 1),
        "per_s": round(dossiers / (ended - started), 1),
        "p50_ms": _quantile(life, 0.50), "p95_ms": _quantile(life, 0.95),
        "p99_ms": _quantile(life, 0.99),
        "to_agents_p50_ms": _quantile(notified, 0.50),
        "to_agents_p99_ms": _quantile(notified, 0.99),
        "cpu_ms_per_dossier": round(system / dossiers, 1),
        "cpu_ms_by_process": {k: round(v / dossiers, 1) for k, v in cpu.items()},
        "statements_per_dossier": round(statements / dossiers, 1),
        "transactions_per_dossier": round(transactions / dossiers, 1),
    }


def _quantile(values: list[float], q: float) -> int | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))])
