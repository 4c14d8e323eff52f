"""``python -m bench.mail_kills``: how many mails go out twice when workers die mid-send.

Queues ``--mails`` mails on a PostgreSQL database and a RabbitMQ virtual host of its own (both
created for the run and dropped after it), starts ``--workers`` ``teledossier worker`` processes
against an SMTP sink of its own, and SIGKILLs one of the running workers at a random moment every
0.2 to 1 s, starting it again at once, until every mail is marked sent. Then it counts at the
sink: deliveries, duplicates (a Message-ID accepted more than once) and missing mails. The last
line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiosmtpd.controller import Controller

from bench.sink import free_port

EXE = str(Path(sys.executable).with_name("teledossier"))
#: What a worker prints once its consumers run.
STARTED = b"Worker d\xc3\xa9marr\xc3\xa9"


class MessageIdSink:
    """An aiosmtpd handler that counts each Message-ID it accepts."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Counted once the whole message is in, as a relay takes it on: a client that dies
        # after its final dot has sent the mail whether or not it reads this 250.
        headers = self.parser.parsebytes(envelope.original_content or envelope.content)
        self.accepted[str(headers["Message-ID"])] += 1
        return "250 OK"


def _serve(port: int, ready: Any, stop: Any, results: Any) -> None:
    # aiosmtpd logs every SMTP command at INFO: thousands of lines for nothing here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = MessageIdSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.send(dict(sink.accepted))


class SinkProcess:
    """The SMTP sink in a process of its own.

    In the process that kills, the sink would share its interpreter lock: the killer would run
    mostly just after the sink had accepted a mail, the very moment a kill makes a duplicate.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.ready, self.stop_event = context.Event(), context.Event()
        self.results, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, daemon=True, args=(
            self.port, self.ready, self.stop_event, sender))
        self.process.start()
        if not self.ready.wait(60):
            raise RuntimeError("le serveur SMTP du banc ne démarre pas")

    def stop(self) -> Counter[str]:
        """Stop the sink; how many times each Message-ID was accepted."""
        self.stop_event.set()
        accepted = Counter(self.results.recv())
        self.process.join(30)
        return accepted


@dataclass
class Worker:
    """One ``teledossier worker`` process and its log."""

    proc: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, env: dict[str, str], log_dir: Path) -> Worker:
        log = log_dir / f"worker-{time.monotonic_ns()}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([EXE, "worker"], env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        return cls(proc, log)

    def running(self) -> bool:
        """Started and consuming: killing it now may interrupt a send."""
        return self.proc.poll() is None and STARTED in self.log.read_bytes()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail_kills", description=__doc__)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--kill-every", type=float, nargs=2, default=(0.2, 1.0),
                        metavar=("MIN", "MAX"), help="seconds between kills, drawn uniformly")
    parser.add_argument("--claim-timeout", type=int, default=None,
                        help="TELEDOSSIER_MAIL_CLAIM_TIMEOUT_SECONDS of the workers "
                             "(default: the application's)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="a database on the server where the run creates its own")
    parser.add_argument("--amqp-url", default=os.environ.get(
        "BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help="the RabbitMQ server where the run creates its own virtual host")
    parser.add_argument("--rabbitmq-api", default="http://127.0.0.1:15672/api")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result))
    return 0 if result["missing"] == 0 else 1


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    name = f"td_kills_{uuid.uuid4().hex[:10]}"
    database_url = _create_database(args.pg_url, name)
    amqp = urlsplit(args.amqp_url)
    _rabbit(args.rabbitmq_api, amqp, "PUT", f"/vhosts/{name}")
    _rabbit(args.rabbitmq_api, amqp, "PUT", f"/permissions/{name}/{amqp.username or 'guest'}",
            {"configure": ".*", "write": ".*", "read": ".*"})
    sink = SinkProcess()
    accepted: Counter[str] = Counter()
    workers: list[Worker] = []
    try:
        with tempfile.TemporaryDirectory(prefix="mail-kills-") as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("TELEDOSSIER_")}
            env.update({
                "TELEDOSSIER_DATABASE_URL": database_url,
                "TELEDOSSIER_BROKER_URL": amqp._replace(path=f"/{name}").geturl(),
                "TELEDOSSIER_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
                "TELEDOSSIER_VAR_DIR": str(Path(tmp) / "var"),
                "TELEDOSSIER_MAIL_DOMAIN": "banc.test",
                "TELEDOSSIER_WORKER_THREADS": str(args.threads),
                # Pending mail and stale claims looked for every second, as in the fault tests.
                "TELEDOSSIER_RECONCILE_EVERY_SECONDS": "1",
                "TELEDOSSIER_STUCK_AFTER_SECONDS": "5",
            })
            if args.claim_timeout is not None:
                env["TELEDOSSIER_MAIL_CLAIM_TIMEOUT_SECONDS"] = str(args.claim_timeout)
            expected = _queue(env, args.mails)
            started = time.monotonic()
            workers = [Worker.start(env, Path(tmp)) for _ in range(args.workers)]
            kills = _campaign(rng, workers, env, Path(tmp), database_url, args)
            elapsed = time.monotonic() - started
            time.sleep(2)  # a send interrupted by the last kill would arrive now
            for worker in workers:
                worker.stop()
            attempts = _attempts(database_url)
    finally:
        for worker in workers:
            worker.stop()
        accepted = sink.stop()
        _rabbit(args.rabbitmq_api, amqp, "DELETE", f"/vhosts/{name}")
        _drop_database(args.pg_url, name)
    return {
        "mails": args.mails, "workers": args.workers, "threads": args.threads,
        "claim_timeout": args.claim_timeout, "kills": kills,
        # Claims taken over from a killed worker: each was a send the kill interrupted.
        "interrupted": sum(attempts.values()) - len(attempts),
        "delivered": sum(accepted.values()),
        "duplicates": sum(count - 1 for count in accepted.values() if count > 1),
        "missing": len(expected - set(accepted)),
        "unknown": len(set(accepted) - expected),
        "seconds": round(elapsed, 1),
    }


def _queue(env: dict[str, str], count: int) -> set[str]:
    """Queue the mails and publish their messages; returns their Message-IDs."""
    from sqlalchemy import func, select

    from mail_gateway.transport import build_transport
    from pipeline.context import PipelineContext
    from pipeline.mail.outbox import queue_mail
    from pipeline.settings import Settings
    from pipeline.store.db import Database, make_engine
    from pipeline.store.migrate import upgrade
    from pipeline.store.model import Mail, OutboxMessage
    from workers.broker import build_broker
    from workers.relay import Relay

    settings = Settings.from_env(env)
    upgrade(settings.database_url)
    ctx = PipelineContext(db=Database(make_engine(settings.database_url)), settings=settings,
                          mail_transport=build_transport(settings.smtp_url))
    broker = build_broker(ctx)
    relay = Relay(ctx, broker)
    ctx.db.on_outbox = relay.notify
    relay.start()
    try:
        for first in range(0, count, 100):
            with ctx.db.transaction() as session:
                for index in range(first, min(count, first + 100)):
                    queue_mail(session, ctx, cause=f"banc:{index}",
                               recipient=f"destinataire{index}@banc.test", purpose="banc",
                               subject=f"Banc {index}", body="Bonjour,\n\nCourriel de mesure.\n",
                               sender_name="Banc")
        deadline = time.monotonic() + 120
        while True:
            with ctx.db.transaction() as session:
                if not session.scalar(select(func.count()).select_from(OutboxMessage)):
                    return set(session.scalars(select(Mail.message_id)))
            if time.monotonic() > deadline:
                raise RuntimeError("les messages des courriels ne sont pas publiés")
            time.sleep(0.2)
    finally:
        relay.stop()
        broker.close()
        ctx.db.dispose()


def _campaign(rng: random.Random, workers: list[Worker], env: dict[str, str], log_dir: Path,
              database_url: str, args: argparse.Namespace) -> int:
    """Kill a running worker at random moments until every mail is sent; returns the kills."""
    import psycopg

    kills = 0
    deadline = time.monotonic() + args.timeout
    with psycopg.connect(_dsn(database_url), autocommit=True) as db:

        def unsent() -> int:
            return db.execute("SELECT count(*) FROM mails WHERE status <> 'sent'").fetchone()[0]

        last_report = time.monotonic()
        while (left := unsent()) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{left} courriels non envoyés après {args.timeout:.0f} s")
            if time.monotonic() - last_report > 5:
                print(f"  {args.mails - left}/{args.mails} envoyés, {kills} arrêts",
                      file=sys.stderr)
                last_report = time.monotonic()
            time.sleep(rng.uniform(*args.kill_every))
            running = [index for index, worker in enumerate(workers) if worker.running()]
            if not running or unsent() == 0:
                continue
            index = rng.choice(running)
            workers[index].kill()
            kills += 1
            workers[index] = Worker.start(env, log_dir)
    return kills


def _attempts(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(_dsn(database_url)) as db:
        return dict(db.execute("SELECT message_id, attempts FROM mails").fetchall())


def _dsn(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    parts = {"host": url.host, "port": url.port, "user": url.username,
             "password": url.password, "dbname": url.database}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value is not None)


def _create_database(admin_url: str, name: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(_dsn(admin_url), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_dsn(admin_url), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rabbit(api: str, amqp: Any, method: str, path: str, body: dict | None = None) -> None:
    """Call RabbitMQ's management API with the AMQP URL's credentials."""
    credentials = f"{amqp.username or 'guest'}:{amqp.password or 'guest'}".encode()
    parts = path.split("/")
    request = urllib.request.Request(
        api.rstrip("/") + "/".join(quote(part, safe="") for part in parts), method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json",
                 "authorization": "Basic " + base64.b64encode(credentials).decode()})
    with urllib.request.urlopen(request, timeout=15):
        pass


if __name__ == "__main__":
    sys.exit(main())
