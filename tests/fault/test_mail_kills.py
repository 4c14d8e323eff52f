"""Workers killed mid-send lose no mail, and a mail goes again only once its claim is taken over."""

from __future__ import annotations

import time
from collections import Counter

import psycopg
import pytest
from sqlalchemy import func, select

from pipeline.mail.outbox import queue_mail
from pipeline.settings import Settings
from pipeline.store.model import OutboxMessage
from teledossier.bootstrap import build_runtime
from tests.fault.conftest import Installation
from tests.processes import AppProcess, wait_until
from tests.services import pg_connect_args

pytestmark = pytest.mark.fault

MAILS = 150
THREADS = 4
#: A kill each time the relay has accepted this many more mails, so that each falls mid-flow.
KILL_EVERY = 25
KILLS = 4


def _queue_mails(env: dict[str, str]) -> None:
    runtime = build_runtime(Settings.from_env(env))
    runtime.start_relay()
    try:
        with runtime.ctx.db.transaction() as session:
            for index in range(MAILS):
                queue_mail(session, runtime.ctx, cause=f"essai:{index}",
                           recipient=f"usager{index}@example.org", purpose="essai",
                           subject=f"Essai {index}", body="Bonjour,\n\nUn essai.\n",
                           sender_name="Démoville")

        def published() -> bool:
            with runtime.ctx.db.transaction() as session:
                return not session.scalar(select(func.count()).select_from(OutboxMessage))

        wait_until(published, 30, "every send message published")
    finally:
        runtime.stop()


def test_workers_killed_mid_send_lose_no_mail_and_resend_only_after_a_takeover(
        installation: Installation) -> None:
    env = installation.env
    # A short lease, so that the sends the kills interrupt are taken over within the test.
    env.update(TELEDOSSIER_MAIL_CLAIM_TIMEOUT_SECONDS="6",
               TELEDOSSIER_WORKER_THREADS=str(THREADS))
    _queue_mails(env)
    workers = [installation.start("worker"), installation.start("worker")]
    sink = installation.sink
    for kill in range(KILLS):
        sink.wait_for(lambda got, kill=kill: len(got) >= KILL_EVERY * (kill + 1), timeout=60)
        victim: AppProcess = workers[kill % 2]
        victim.kill()
        assert len(sink.received) < MAILS, "the kill came too late to prove anything"
        workers[kill % 2] = installation.start("worker")

    with psycopg.connect(**pg_connect_args(env["TELEDOSSIER_DATABASE_URL"])) as db:

        def all_sent() -> bool:
            return db.execute("SELECT count(*) FROM mails WHERE status = 'sent'"
                              ).fetchone()[0] == MAILS

        wait_until(all_sent, 90, "every mail sent")
        attempts = dict(db.execute("SELECT message_id, attempts FROM mails").fetchall())
    time.sleep(2)  # a copy sent by a worker killed at the very end would arrive now

    delivered = Counter(str(r.message["Message-ID"]) for r in sink.received)
    assert set(delivered) == set(attempts), "a mail marked sent never reached the relay"
    # Each claim sends at most one copy; another claim only follows a lease that ran out, and a
    # kill interrupts at most one send per thread of the worker it kills.
    assert all(delivered[message_id] <= tries for message_id, tries in attempts.items())
    assert sum(delivered.values()) - MAILS <= KILLS * THREADS
