"""Handing a mail to the relay: it leaves at most once per claim, and is marked sent at once."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench.sink import free_port
from mail_gateway.transport import SmtpTransport
from pipeline.context import PipelineContext, TemporaryMailError
from pipeline.mail.outbox import queue_mail, send_mail
from pipeline.store.model import Mail
from teledossier.bootstrap import Runtime
from tests.services import pg_connect_args

MESSAGE = b"From: a@demoville.test\r\nTo: b@example.org\r\nSubject: essai\r\n\r\nBonjour\r\n"


class ScriptedRelay:
    """A bare SMTP server: 250 to every command; ``ending`` says what follows the final dot."""

    def __init__(self, ending: str = "250", rcpt_delay: float = 0.0) -> None:
        self.ending = ending  # "250", "hang up" (no answer), or "250, then close"
        self.rcpt_delay = rcpt_delay
        self.messages: list[list[bytes]] = []
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"smtp://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.server.close()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        self.connections += 1
        # A client that gave up hangs up on the relay: not the relay's error.
        with contextlib.suppress(OSError), client, client.makefile("rb") as lines:
            client.sendall(b"220 relais\r\n")
            for line in lines:
                command = line.strip().upper()
                if command.startswith(b"RCPT"):
                    time.sleep(self.rcpt_delay)
                if command != b"DATA":
                    client.sendall(b"221 au revoir\r\n" if command == b"QUIT" else b"250 ok\r\n")
                    continue
                client.sendall(b"354 allez-y\r\n")
                data = []
                while (line := lines.readline()) not in (b".\r\n", b""):
                    data.append(line)
                if not line:
                    return  # no final dot: the relay forgets the message
                self.messages.append(data)
                if self.ending == "hang up":
                    return
                client.sendall(b"250 ok\r\n")
                if self.ending == "250, then close":
                    return


@pytest.fixture
def relay() -> Iterator[Callable[..., ScriptedRelay]]:
    started: list[ScriptedRelay] = []

    def start(**kwargs: Any) -> ScriptedRelay:
        started.append(ScriptedRelay(**kwargs))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_no_answer_to_the_final_dot_is_a_temporary_error_never_a_second_copy(
        relay: Callable[..., ScriptedRelay]) -> None:
    server = relay(ending="hang up")

    with pytest.raises(TemporaryMailError, match="qu'il a pu accepter"):
        SmtpTransport(server.url).send("a@demoville.test", "b@example.org", MESSAGE)

    assert (len(server.messages), server.connections) == (1, 1)


def test_a_connection_the_relay_closed_while_idle_is_reopened(
        relay: Callable[..., ScriptedRelay]) -> None:
    server = relay(ending="250, then close")
    transport = SmtpTransport(server.url)

    transport.send("a@demoville.test", "b@example.org", MESSAGE)
    transport.send("a@demoville.test", "b@example.org", MESSAGE)

    assert (len(server.messages), server.connections) == (2, 2)


def test_the_message_does_not_leave_when_the_relay_is_too_slow_for_the_deadline(
        relay: Callable[..., ScriptedRelay]) -> None:
    server = relay(rcpt_delay=1.0)
    started = time.monotonic()

    with pytest.raises(TemporaryMailError):
        SmtpTransport(server.url).send("a@demoville.test", "b@example.org", MESSAGE,
                                       deadline=started + 1.0)

    # The final dot had to leave within half the time given, leaving the rest for the answer.
    assert time.monotonic() - started < 1.0
    assert server.messages == []


def test_lines_starting_with_a_dot_arrive_unchanged(
        relay: Callable[..., ScriptedRelay]) -> None:
    server = relay()
    body = b"Subject: points\r\n\r\n.une\r\n..deux\r\n.\r\nfin"

    SmtpTransport(server.url).send("a@demoville.test", "b@example.org", body)

    assert server.messages == [[b"Subject: points\r\n", b"\r\n", b"..une\r\n", b"...deux\r\n",
                                b"..\r\n", b"fin\r\n"]]


class Capture:
    """Accepts every message at once and notes the deadline it was given."""

    name = "smtp"

    def __init__(self) -> None:
        self.deadlines: list[float] = []

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        assert deadline is not None
        self.deadlines.append(deadline - time.monotonic())


def queue_one(ctx: PipelineContext) -> str:
    with ctx.db.transaction() as session:
        queue_mail(session, ctx, cause="essai", recipient="b@example.org", purpose="essai",
                   subject="Essai", body="Bonjour", sender_name="Démoville")
    with ctx.db.transaction() as session:
        return session.scalars(select(Mail.id)).one()


def test_the_exchange_must_end_well_within_the_claims_lease(
        sqlite_url: str, runtime_factory: Callable[..., Runtime]) -> None:
    ctx = runtime_factory(sqlite_url, mail_claim_timeout_seconds=40).ctx
    ctx.mail_transport = capture = Capture()

    send_mail(queue_one(ctx), ctx)

    # Three quarters of the lease for the relay; the rest to mark the row before a takeover.
    (left,) = capture.deadlines
    assert 29 < left <= 30
    with ctx.db.transaction() as session:
        assert session.scalars(select(Mail.status)).one() == "sent"


class Recorder:
    """An aiosmtpd handler keeping the raw content of what it accepts."""

    def __init__(self) -> None:
        self.contents: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.contents.append(envelope.original_content)
        return "250 OK"


class DatabaseRestartDuringExchange:
    """Cuts every other connection to the database, then hands the message to the relay."""

    name = "smtp"

    def __init__(self, inner: SmtpTransport, database_url: str) -> None:
        self.inner = inner
        self.database_url = database_url

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        with psycopg.connect(**pg_connect_args(self.database_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        self.inner.send(sender, recipient, message, deadline)


@pytest.mark.postgres
def test_accepted_mail_is_marked_sent_though_the_database_connection_died_meanwhile(
        pg_url: str, runtime_factory: Callable[..., Runtime]) -> None:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        url = f"smtp://127.0.0.1:{controller.port}"
        ctx = runtime_factory(pg_url).ctx
        ctx.mail_transport = DatabaseRestartDuringExchange(SmtpTransport(url), pg_url)
        mail_id = queue_one(ctx)

        send_mail(mail_id, ctx)
        send_mail(mail_id, ctx)

        with ctx.db.transaction() as session:
            assert session.scalars(select(Mail.status)).one() == "sent"
        assert len(recorder.contents) == 1
    finally:
        controller.stop()
