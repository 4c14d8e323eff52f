"""The SMTP relay down for a minute: every mail is delivered afterwards, and each exactly once."""

from __future__ import annotations

import time
from collections import Counter

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.fault.conftest import Installation
from tests.processes import api, rco_dossier, wait_ready, wait_until
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.fault

DOSSIERS = 10
OUTAGE_SECONDS = 60


@pytest.fixture
def relay(installation: Installation) -> TcpProxy:
    """Put a TCP proxy between the workers and the SMTP server, to take the relay away."""
    sink_port = int(installation.sink.url.rsplit(":", 1)[1])
    proxy = TcpProxy("127.0.0.1", sink_port)
    installation.env["TELEDOSSIER_SMTP_URL"] = f"smtp://127.0.0.1:{proxy.port}"
    yield proxy
    proxy.close()


def _mail_rows(env: dict[str, str]) -> list[tuple[str, str]]:
    url = make_url(env["TELEDOSSIER_DATABASE_URL"])
    dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn) as connection:
        return connection.execute("SELECT message_id, status FROM mails").fetchall()


def test_relay_down_for_a_minute_every_mail_delivered_once(
        installation: Installation, relay: TcpProxy) -> None:
    relay.cut()
    installation.start("web")
    installation.start("worker")
    wait_ready(installation.port)
    down_since = time.monotonic()
    for index in range(DOSSIERS):
        status, answer = api(installation.port, "POST", "/api/v1/dossiers", installation.token,
                             rco_dossier(index))
        assert status == 201, answer
    wait_until(lambda: len(_mail_rows(installation.env)) == 2 * DOSSIERS, 60,
               "an acknowledgement and a notification queued per dossier")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
    assert installation.sink.received == []
    assert {status for _, status in _mail_rows(installation.env)} <= {"pending", "sending"}

    relay.restore()

    wait_until(lambda: all(status == "sent" for _, status in _mail_rows(installation.env)),
               120, "every mail sent once the relay is back")
    time.sleep(3)  # a duplicate, if any, would arrive now
    delivered = Counter(str(r.message["Message-ID"]) for r in installation.sink.received)
    assert delivered == Counter({message_id: 1 for message_id, _ in
                                 _mail_rows(installation.env)})
