"""A running Télédossier for the abuse suite, in both set-ups, and what every case checks.

Each set-up is started once for the package: the all-in-one ``teledossier up`` on SQLite, and
``web`` + ``worker`` + ``mail-gateway`` processes on PostgreSQL and RabbitMQ. Every hostile
input must get a clear 4xx, store nothing, and leave the pipeline moving: an ordinary dossier
filed right after it still reaches ``transmitted`` in its usual time.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from pipeline.demo import seed_demo_if_empty
from pipeline.settings import Settings
from pipeline.store.migrate import upgrade
from pipeline.store.model import (
    Attachment,
    Blob,
    CitizenAccount,
    Dossier,
    HistoryEntry,
    InboundMail,
    Mail,
    User,
)
from teledossier.bootstrap import build_runtime
from tests import services
from tests.mail_sink import MailSink
from tests.processes import AppProcess, app_env, free_port, rco_dossier, wait_ready, wait_until

#: What is counted before and after each hostile input: none of it may change.
STORED = {"dossiers": Dossier, "history": HistoryEntry, "attachments": Attachment,
          "blobs": Blob, "mails": Mail, "users": User, "citizen_accounts": CitizenAccount}
#: An ordinary dossier filed after a hostile input reaches the agents within this time.
USUAL_SECONDS = 30
#: Largest reply the gateway takes in these tests (advertised as SIZE).
INBOUND_MAX_BYTES = 1024 * 1024


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Instance:
    """One running installation: where it answers, its logins, and its database."""

    name: str
    port: int
    smtp_port: int
    token: str
    agent_email: str
    agent_password: str
    agents_mailbox: str
    database_url: str
    sink: MailSink
    processes: list[AppProcess] = field(default_factory=list)
    filed: int = 0

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read())
        finally:
            connection.close()

    def api(self, method: str, path: str, payload: Any = None, *,
            raw: bytes | None = None, content_type: str = "application/json") -> Answer:
        headers = {"Authorization": f"Bearer {self.token}"}
        body = raw if raw is not None else (json.dumps(payload).encode()
                                            if payload is not None else None)
        if body is not None:
            headers["Content-Type"] = content_type
        return self.request(method, path, body, headers)

    def stored(self) -> dict[str, int]:
        """How many rows each table that hostile input could reach holds."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return {name: connection.scalar(select(func.count()).select_from(model))
                        for name, model in STORED.items()}
        finally:
            engine.dispose()

    def inbound_statuses(self) -> list[str]:
        """What became of each received message, oldest first (``queued`` until handled)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return list(connection.scalars(select(InboundMail.status)
                                               .order_by(InboundMail.received_at)))
        finally:
            engine.dispose()

    def file_ordinary(self) -> str:
        self.filed += 1
        answer = self.api("POST", "/api/v1/dossiers", rco_dossier(10_000 + self.filed))
        assert answer.status == 201, answer.text
        return answer.json()["reference"]

    def status_of(self, reference: str) -> str:
        return self.api("GET", f"/api/v1/dossiers/{reference}").json()["status"]

    def waits_for_a_person(self, reference: str) -> bool:
        """True once the automatic stages are done with a dossier (its mails are written)."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(select(Dossier.stage).where(
                    Dossier.reference == reference)).one()[0] is None
        finally:
            engine.dispose()

    def keeps_moving(self) -> str:
        """An ordinary dossier filed now reaches the agents in its usual time."""
        reference = self.file_ordinary()
        wait_until(lambda: self.status_of(reference) == "transmitted"
                   and self.waits_for_a_person(reference), USUAL_SECONDS,
                   f"{self.name}: an ordinary dossier transmitted after the hostile input")
        return reference

    def refuses_and_keeps_nothing(self, send: Any, status: int, says: str) -> Answer:
        """Send a hostile input: a clear ``status``, nothing stored, and the pipeline moves."""
        before = self.stored()
        answer = send()
        assert answer.status == status, (answer.status, answer.text[:2000])
        assert says in answer.text, answer.text[:2000]
        assert self.stored() == before
        self.keeps_moving()
        return answer


def _embedded(tmp: Path, sink: MailSink, processes: list[AppProcess]) -> Instance:
    port, smtp_port = free_port(), free_port()
    env = app_env(tmp, port=str(port), smtp_url=sink.url,
                  inbound_smtp=f"127.0.0.1:{smtp_port}",
                  inbound_max_bytes=str(INBOUND_MAX_BYTES), stage_time_limit_seconds="10")
    up = AppProcess("up", env, tmp / "logs")
    processes.append(up)
    out = up.wait_for_output("Arrêt : Ctrl+C", timeout=120)
    wait_ready(port)
    agent = re.search(r"agent\s*: (\S+) / (\S+)", out)
    token = re.search(r"jeton d'API\s*: (\S+)", out)
    assert agent and token, out
    return Instance("intégré (SQLite)", port, smtp_port, token[1], agent[1], agent[2],
                    "etat-civil@demoville.test", f"sqlite:///{tmp / 'var' / 'teledossier.db'}",
                    sink, processes)


def _distributed(tmp: Path, sink: MailSink, processes: list[AppProcess], pg_url: str,
                 amqp_url: str) -> Instance:
    port, smtp_port = free_port(), free_port()
    env = app_env(tmp, database_url=pg_url, broker_url=amqp_url, smtp_url=sink.url,
                  port=str(port), inbound_smtp=f"127.0.0.1:{smtp_port}",
                  inbound_max_bytes=str(INBOUND_MAX_BYTES), stage_time_limit_seconds="10")
    upgrade(pg_url)
    runtime = build_runtime(Settings.from_env(env))
    logins = seed_demo_if_empty(runtime.ctx)
    runtime.stop()
    assert logins is not None
    for command in ("web", "worker", "mail-gateway"):
        processes.append(AppProcess(command, env, tmp / "logs"))
    processes[-1].wait_for_output("Passerelle de courriel", timeout=60)
    wait_ready(port)
    return Instance("PostgreSQL + RabbitMQ", port, smtp_port, logins.api_token,
                    logins.agent_email, logins.agent_password, "etat-civil@demoville.test",
                    pg_url, sink, processes)


@pytest.fixture(scope="package", params=["embedded", "distributed"])
def instance(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """A running installation; the same one serves every case of the package."""
    sink = MailSink().start()
    tmp = tmp_path_factory.mktemp(request.param)
    processes: list[AppProcess] = []
    pg_name = vhost = None
    try:
        if request.param == "embedded":
            running = _embedded(tmp, sink, processes)
        else:
            pg_url, pg_name = services.create_pg_database()
            vhost = services.create_vhost()
            running = _distributed(tmp, sink, processes, pg_url, services.amqp_url(vhost))
        yield running
        for process in processes:
            assert process.proc.poll() is None, f"a process died:\n{process.output()[-4000:]}"
    finally:
        for process in processes:
            process.stop()
        if pg_name:
            services.drop_pg_database(pg_name)
        if vhost:
            services.delete_vhost(vhost)
        sink.stop()
