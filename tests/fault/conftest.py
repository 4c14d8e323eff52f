"""Shared set-up of the fault tests: a commune, a token, the SMTP sink, app processes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.commands.communes import create_commune, issue_token
from pipeline.settings import Settings
from pipeline.store.migrate import upgrade
from teledossier.bootstrap import build_runtime
from tests.mail_sink import MailSink
from tests.processes import AppProcess, api, app_env, free_port, wait_until

AGENTS = "agents@demoville.test"


@dataclass
class Installation:
    """A PostgreSQL + RabbitMQ installation whose processes the test starts and kills."""

    env: dict[str, str]
    port: int
    token: str
    sink: MailSink
    log_dir: Path
    processes: list[AppProcess] = field(default_factory=list)

    def start(self, command: str, program: tuple[str, ...] | None = None) -> AppProcess:
        process = (AppProcess(command, self.env, self.log_dir, program) if program
                   else AppProcess(command, self.env, self.log_dir))
        self.processes.append(process)
        return process

    def wait_all_transmitted(self, references: list[str], timeout: float) -> None:
        """Wait until the API shows every dossier transmitted to the agents."""

        def all_transmitted() -> bool:
            return all(api(self.port, "GET", f"/api/v1/dossiers/{ref}", self.token)[1]["status"]
                       == "transmitted" for ref in references)

        wait_until(all_transmitted, timeout, "every dossier transmitted")


@pytest.fixture
def installation(tmp_path: Path, pg_url: str, amqp_url: str) -> Iterator[Installation]:
    sink = MailSink().start()
    port = free_port()
    env = app_env(tmp_path, database_url=pg_url, broker_url=amqp_url, smtp_url=sink.url,
                  port=str(port), stuck_after_seconds="5", reconcile_every_seconds="1",
                  worker_threads="4")
    upgrade(pg_url)
    runtime = build_runtime(Settings.from_env(env))
    create_commune(runtime.ctx, insee="99999", name="Démoville", agents_email=AGENTS)
    token = issue_token(runtime.ctx, "99999")
    runtime.stop()
    setup = Installation(env, port, token, sink, tmp_path / "logs")
    yield setup
    for process in setup.processes:
        process.stop()
    sink.stop()
