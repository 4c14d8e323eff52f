"""The mail gateway killed while it relays agents' replies from an IMAP mailbox: every reply is
applied once, no citizen is told twice, and the mailbox ends empty with each reply filed once.

The whole installation runs as processes (web, worker, mail-gateway) on PostgreSQL and RabbitMQ,
against a real Dovecot.
"""

from __future__ import annotations

import time
from collections import Counter
from email.message import EmailMessage

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.dovecot import running_dovecot
from tests.fault.conftest import AGENTS, Installation
from tests.processes import api, rco_dossier, wait_ready, wait_until

pytestmark = pytest.mark.fault

REPLIES = 60
#: Enough quoted text that fetching a batch takes a moment (trimmed away before reading).
QUOTED = "".join(f"> ligne {n} du courriel d'origine, citée par le logiciel de l'agent\n"
                 for n in range(400))


def _query(env: dict[str, str], sql: str) -> list[tuple]:
    url = make_url(env["TELEDOSSIER_DATABASE_URL"])
    dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn) as connection:
        return connection.execute(sql).fetchall()


def _reply(notification: EmailMessage, index: int) -> bytes:
    reply = EmailMessage()
    reply["From"] = AGENTS
    reply["To"] = notification["Reply-To"]
    reply["Subject"] = f"RE: {notification['Subject']}"
    reply["Message-ID"] = f"<reponse-{index}@mairie.example>"
    reply["In-Reply-To"] = notification["Message-ID"]
    reply.set_content(f"Reçu, dossier pris en charge ({index}).\n\nLe 26/11/2026, Suivi a "
                      f"écrit :\n> clore\n{QUOTED}")
    return reply.as_bytes()


def test_gateway_killed_mid_batch_applies_every_imap_reply_once(
        installation: Installation) -> None:
    with running_dovecot(tls=False) as dovecot:
        installation.env["TELEDOSSIER_IMAP_URL"] = dovecot.url()
        installation.env["TELEDOSSIER_IMAP_IDLE_SECONDS"] = "5"
        installation.start("web")
        installation.start("worker")
        wait_ready(installation.port)
        references = []
        for index in range(REPLIES):
            status, answer = api(installation.port, "POST", "/api/v1/dossiers",
                                 installation.token, rco_dossier(index))
            assert status == 201, answer
            references.append(answer["reference"])
        installation.sink.wait_for(
            lambda got: sum(AGENTS in r.recipients for r in got) >= REPLIES, timeout=120)
        notifications = [r.message for r in installation.sink.to(AGENTS)]
        dovecot.append_many([_reply(n, i) for i, n in enumerate(notifications)])

        gateway = installation.start("mail-gateway")
        wait_until(lambda: _query(installation.env,
                                  "SELECT count(*) FROM inbound_mails")[0][0] >= 5,
                   60, "the first replies stored")
        gateway.kill()
        left = len(dovecot.messages("INBOX"))
        assert 0 < left < REPLIES, "the gateway was not killed in the middle of the mailbox"

        installation.start("mail-gateway")
        wait_until(lambda: _query(installation.env,
                                  "SELECT count(*) FROM dossiers WHERE status = 'received'"
                                  )[0][0] == REPLIES, 120, "every dossier received")
        wait_until(lambda: not dovecot.messages("INBOX"), 30, "the mailbox emptied")
        filed = Counter(m.body.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0]
                        for m in dovecot.messages("Processed"))
        assert len(filed) == REPLIES and set(filed.values()) == {1}
        assert dovecot.messages("Failed") == []

    applied = _query(installation.env, "SELECT status, count(*) FROM inbound_mails GROUP BY 1")
    assert applied == [("applied", REPLIES)]
    recus = _query(installation.env,
                   "SELECT dossier_id, count(*) FROM dossier_history WHERE action = 'recu' "
                   "GROUP BY 1")
    assert len(recus) == REPLIES and {count for _, count in recus} == {1}

    def to_citizens(received: list) -> list:
        return [r for r in received
                if AGENTS not in r.recipients and "reçu par le service" in r.subject]
    installation.sink.wait_for(lambda got: len(to_citizens(got)) >= REPLIES, 60)
    time.sleep(3)  # a duplicate, if any, would arrive now
    told = Counter(ref for r in to_citizens(installation.sink.received)
                   for ref in references if ref in r.subject)
    assert told == Counter({ref: 1 for ref in references})
