"""Start Télédossier as a user would and push a dossier through the API to the agents' inbox."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.mail_sink import MailSink
from tests.processes import (
    TELEDOSSIER,
    AppProcess,
    api,
    app_env,
    free_port,
    rco_dossier,
    wait_ready,
    wait_until,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def sink() -> MailSink:
    sink = MailSink().start()
    yield sink
    sink.stop()


def _push_one_dossier(port: int, token: str, sink: MailSink, agents: str) -> None:
    status, answer = api(port, "POST", "/api/v1/dossiers", token, rco_dossier(0))
    assert status == 201, answer
    reference = answer["reference"]
    assert answer["status_url"].endswith(f"/api/v1/dossiers/{reference}")

    def transmitted() -> bool:
        code, dossier = api(port, "GET", f"/api/v1/dossiers/{reference}", token)
        return code == 200 and dossier["status"] == "transmitted"

    wait_until(transmitted, 60, "dossier transmitted")
    received = sink.wait_for(lambda got: len(got) >= 2)
    acknowledgement = [r for r in received if "lou0@example.org" in r.recipients]
    notification = [r for r in received if agents in r.recipients]
    assert len(acknowledgement) == 1 and len(notification) == 1
    assert reference in acknowledgement[0].body
    assert f"Le dossier complet n° {reference}" in notification[0].body
    assert "Identifiant de la démarche : RecensementCitoyen" in notification[0].body


def test_up_seeds_the_demo_and_takes_a_dossier_to_the_agents(tmp_path: Path,
                                                             sink: MailSink) -> None:
    port = free_port()
    up = AppProcess("up", app_env(tmp_path, port=str(port), smtp_url=sink.url), tmp_path)
    try:
        out = up.wait_for_output("Arrêt : Ctrl+C")
        token = re.search(r"jeton d'API\s*: (\S+)", out).group(1)
        assert "Démoville" in out and "agent@demoville.test" in out
        wait_ready(port)
        _push_one_dossier(port, token, sink, "etat-civil@demoville.test")
    finally:
        up.stop()
    # Started again on the same database: no second demo commune, no logins printed.
    again = AppProcess("up", app_env(tmp_path, port=str(port), smtp_url=sink.url), tmp_path)
    try:
        out = again.wait_for_output("Arrêt : Ctrl+C")
        assert "jeton d'API" not in out
    finally:
        again.stop()


def test_production_shape_on_postgresql_and_rabbitmq(tmp_path: Path, sink: MailSink,
                                                     pg_url: str, amqp_url: str) -> None:
    port = free_port()
    env = app_env(tmp_path, port=str(port), smtp_url=sink.url, database_url=pg_url,
                  broker_url=amqp_url)

    def cli(*args: str) -> str:
        done = subprocess.run([TELEDOSSIER, *args], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("migrate")
    cli("commune", "create", "--insee", "06088", "--name", "Nice",
        "--agents-email", "agents@nice.example")
    token = cli("token", "create", "--commune", "06088").strip()
    assert re.fullmatch(r"tdk_\S+", token)
    web = AppProcess("web", env, tmp_path)
    worker = AppProcess("worker", env, tmp_path)
    try:
        wait_ready(port)
        status, answer = api(port, "POST", "/api/v1/dossiers", token,
                             rco_dossier(0, insee="06088"))
        assert status == 201, answer
        _wait_transmitted(port, token, answer["reference"])
        got = sink.wait_for(lambda received: len(received) >= 2)
        assert sorted(r.recipients[0] for r in got) == ["agents@nice.example",
                                                        "lou0@example.org"]
        report = cli("status")
        assert "transmitted" in report and "Files RabbitMQ" in report
    finally:
        worker.stop()
        web.stop()


def _wait_transmitted(port: int, token: str, reference: str) -> None:
    def transmitted() -> bool:
        code, dossier = api(port, "GET", f"/api/v1/dossiers/{reference}", token)
        return code == 200 and dossier["status"] == "transmitted"

    wait_until(transmitted, 60, "dossier transmitted")
