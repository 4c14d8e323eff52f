"""RabbitMQ cut off while dossiers are submitted: every dossier still reaches the agents, once."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.fault.conftest import AGENTS, Installation
from tests.processes import api, rco_dossier, wait_ready
from tests.services import AMQP_HOST, AMQP_PORT
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.fault

DOSSIERS = 30


@pytest.fixture
def proxy(installation: Installation) -> TcpProxy:
    """Put a TCP proxy between the processes and RabbitMQ (never stopping the shared server)."""
    proxy = TcpProxy(AMQP_HOST, AMQP_PORT)
    url = installation.env["TELEDOSSIER_BROKER_URL"]
    installation.env["TELEDOSSIER_BROKER_URL"] = url.replace(f":{AMQP_PORT}/", f":{proxy.port}/")
    yield proxy
    proxy.close()


def test_broker_cut_during_submissions_loses_no_dossier_and_mails_once(
        installation: Installation, proxy: TcpProxy) -> None:
    installation.start("web")
    installation.start("worker")
    wait_ready(installation.port)
    references = []
    for index in range(DOSSIERS):
        if index == DOSSIERS // 3:
            proxy.cut()  # the broker vanishes mid-stream; the API must keep accepting
            cut_at = time.monotonic()
        status, answer = api(installation.port, "POST", "/api/v1/dossiers", installation.token,
                             rco_dossier(index))
        assert status == 201, answer
        references.append(answer["reference"])
    time.sleep(max(0.0, 8 - (time.monotonic() - cut_at)))  # stay cut for eight seconds
    proxy.restore()

    installation.wait_all_transmitted(references, timeout=180)
    received = installation.sink.wait_for(
        lambda got: sum(AGENTS in r.recipients for r in got) >= DOSSIERS, timeout=60)
    time.sleep(3)  # a duplicate, if any, would arrive now
    received = installation.sink.received
    notified = Counter(ref for r in received if AGENTS in r.recipients
                       for ref in references if ref in r.subject)
    assert notified == Counter({ref: 1 for ref in references})
