"""The IMAP poller against a real Dovecot: delivery, Processed/Failed, state, reconnection, IDLE."""

from __future__ import annotations

import logging
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from mail_gateway.imap_poller import ImapPoller, InboundRefused, PollResult
from mail_gateway.imap_state import DbPollerState
from mail_gateway.imap_target import parse_imap_url
from pipeline.store.db import Database
from tests.dovecot import DovecotServer, running_dovecot

SEEN = b"\\Seen"


def message(index: int, *, subject: str = "", padding: int = 0) -> bytes:
    """A reply as a citizen's mail client sends it; every one has its own Message-ID."""
    return (
        f"From: Citoyen {index} <citoyen{index}@example.test>\r\n"
        "To: reponses@demoville.test\r\n"
        f"Subject: {subject or f'Re: dossier {index}'}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.test>\r\n"
        "Date: Wed, 26 Nov 2025 10:00:00 +0100\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Bonjour, voici ma réponse n°{index}.\r\n"
    ).encode() + b"x" * padding + b"\r\n"


class Recorder:
    """The callback: keeps what it was handed; ``behaviour`` may raise for some messages."""

    def __init__(self, behaviour: Callable[[bytes], None] | None = None) -> None:
        self.received: list[bytes] = []
        self.behaviour = behaviour
        self.arrived = threading.Event()

    def __call__(self, raw: bytes) -> None:
        if self.behaviour is not None:
            self.behaviour(raw)
        self.received.append(raw)
        self.arrived.set()


def bodies(server: DovecotServer, folder: str) -> list[bytes]:
    return sorted(m.body for m in server.messages(folder))


@contextmanager
def running(poller: ImapPoller) -> Iterator[threading.Event]:
    """``poller.run()`` in a thread; on leaving, it must stop within about a second."""
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        started = time.monotonic()
        thread.join(10)
        assert not thread.is_alive(), "run() did not stop"
        assert time.monotonic() - started < 2.5, "run() took too long to stop"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until ``predicate()``; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def folder_uidvalidity(server: DovecotServer, folder: str) -> int:
    with server.client() as imap:
        return int(imap.select_folder(folder, readonly=True)[b"UIDVALIDITY"])


# -- one round ----------------------------------------------------------------------------------


def test_each_message_received_once_unseen_then_moved_to_processed(
        dovecot: DovecotServer, database: Database) -> None:
    sent = [message(1), message(2, padding=3000), message(3)]
    dovecot.append_many(sent)
    flags_when_handed_over: list[tuple[bytes, ...]] = []

    def look_at_inbox(raw: bytes) -> None:
        # Called before the move: the message is still in INBOX, and fetching it set no \Seen.
        inbox = {m.body: m.flags for m in dovecot.messages("INBOX")}
        flags_when_handed_over.append(inbox[raw])

    receive = Recorder(look_at_inbox)
    state = DbPollerState(database)
    poller = ImapPoller(dovecot.url(), receive, state)
    try:
        result = poller.poll_once()
        again = poller.poll_once()
    finally:
        poller.close()

    assert result == PollResult(received=3, moved=3)
    assert sorted(receive.received) == sorted(sent)  # the exact bytes, each once
    assert all(SEEN not in flags for flags in flags_when_handed_over)
    assert again == PollResult()
    assert len(receive.received) == 3
    assert dovecot.messages("INBOX") == []
    processed = dovecot.messages("Processed")
    assert sorted(m.body for m in processed) == sorted(sent)
    assert all(SEEN not in m.flags for m in processed)
    assert dovecot.messages("Failed") == []
    assert state.load(f"imap:{dovecot.user}@127.0.0.1:{dovecot.port}/INBOX") == (
        folder_uidvalidity(dovecot, "INBOX"), 3)


def test_a_callback_error_leaves_the_message_for_the_next_round(
        dovecot: DovecotServer, database: Database, caplog: pytest.LogCaptureFixture) -> None:
    sent = [message(1), message(2, subject="base de données indisponible"), message(3)]
    dovecot.append_many(sent)
    failures = [RuntimeError("database is locked")]

    def fail_once_for_the_second(raw: bytes) -> None:
        if raw == sent[1] and failures:
            raise failures.pop()

    receive = Recorder(fail_once_for_the_second)
    poller = ImapPoller(dovecot.url(), receive, DbPollerState(database))
    try:
        with caplog.at_level(logging.ERROR, logger="mail_gateway.imap_poller"):
            first = poller.poll_once()
        assert first == PollResult(received=2, moved=2, errors=1)
        assert bodies(dovecot, "INBOX") == [sent[1]]
        assert any("UID 2" in r.getMessage() and r.exc_info for r in caplog.records)

        second = poller.poll_once()
    finally:
        poller.close()
    assert second == PollResult(received=1, moved=1)
    assert dovecot.messages("INBOX") == []
    assert bodies(dovecot, "Processed") == sorted(sent)
    assert receive.received.count(sent[1]) == 1


def test_refused_and_oversized_messages_go_to_failed(
        dovecot: DovecotServer, database: Database) -> None:
    fine, refused, too_big = message(1), message(2, subject="REFUSE"), message(3, padding=5000)
    dovecot.append_many([fine, refused, too_big])

    def refuse(raw: bytes) -> None:
        if b"Subject: REFUSE" in raw:
            raise InboundRefused("pièce jointe illisible")

    receive = Recorder(refuse)
    poller = ImapPoller(dovecot.url(), receive, DbPollerState(database), max_bytes=4000)
    try:
        result = poller.poll_once()
    finally:
        poller.close()

    assert result == PollResult(received=1, moved=1, failed=2, skipped=1)
    assert receive.received == [fine]  # the oversized one was never handed over
    assert dovecot.messages("INBOX") == []
    assert bodies(dovecot, "Processed") == [fine]
    assert bodies(dovecot, "Failed") == sorted([refused, too_big])
    assert all(SEEN not in m.flags for m in dovecot.messages("Failed"))


def test_uidvalidity_change_starts_over_and_loses_nothing(
        dovecot: DovecotServer, database: Database, caplog: pytest.LogCaptureFixture) -> None:
    before = [message(1), message(2), message(3)]
    dovecot.append_many(before, folder="Réponses")
    receive = Recorder()
    state = DbPollerState(database)
    poller = ImapPoller(dovecot.url(folder="Réponses"), receive, state)
    key = poller.key
    try:
        assert poller.poll_once().received == 3
        old_validity = folder_uidvalidity(dovecot, "Réponses")
        assert state.load(key) == (old_validity, 3)

        # Recreated: its messages get UIDs 1 and 2 again, under a new UIDVALIDITY.
        dovecot.delete_folder("Réponses")
        after = [message(4), message(5)]
        dovecot.append_many(after, folder="Réponses")
        new_validity = folder_uidvalidity(dovecot, "Réponses")
        assert new_validity != old_validity

        with caplog.at_level(logging.WARNING, logger="mail_gateway.imap_poller"):
            result = poller.poll_once()
    finally:
        poller.close()
    assert result == PollResult(received=2, moved=2)
    assert sorted(receive.received) == sorted(before + after)
    assert state.load(key) == (new_validity, 2)
    assert any("UIDVALIDITY changed" in r.getMessage() for r in caplog.records)
    assert dovecot.messages("Réponses") == []
    assert bodies(dovecot, "Processed") == sorted(before + after)


def test_poll_once_reconnects_when_the_server_closed_the_connection(
        dovecot: DovecotServer, database: Database) -> None:
    receive = Recorder()
    poller = ImapPoller(dovecot.url(), receive, DbPollerState(database))
    try:
        assert poller.poll_once() == PollResult()
        dovecot.kick()  # e.g. the server's idle timeout while the poller waited
        sent = message(1)
        dovecot.append(sent)
        assert poller.poll_once() == PollResult(received=1, moved=1)
    finally:
        poller.close()
    assert receive.received == [sent]


def test_state_saved_in_installation_settings(database: Database) -> None:
    state = DbPollerState(database)
    short = "imap:alice@mail.demoville.test:993/INBOX"
    long = "imap:" + "x" * 80 + "@mail.demoville.test:993/INBOX"
    assert state.load(short) is None
    state.save(short, 17, 4)
    state.save(short, 17, 9)
    state.save(long, 3, 1)

    assert state.load(short) == (17, 9)
    assert state.load(long) == (3, 1)
    assert len(DbPollerState.setting_key(long)) <= 60


# -- TLS and URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["imaps", "imap+starttls"])
def test_tls_with_a_context_trusting_the_certificate(
        dovecot: DovecotServer, database: Database, scheme: str) -> None:
    if dovecot.imaps_port is None:
        pytest.skip("no openssl command: the test Dovecot has no certificate")
    sent = message(1)
    dovecot.append(sent, user="bob")  # bob's password needs percent-encoding in the URL
    receive = Recorder()
    poller = ImapPoller(dovecot.url(scheme, user="bob"), receive, DbPollerState(database),
                        ssl_context=dovecot.ssl_context())
    try:
        assert poller.poll_once() == PollResult(received=1, moved=1)
    finally:
        poller.close()
    assert receive.received == [sent]

    untrusting = ImapPoller(dovecot.url(scheme, user="bob"), Recorder(), DbPollerState(database))
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusting.poll_once()  # the default context does not trust a self-signed certificate


def test_parse_imap_url() -> None:
    target = parse_imap_url("imaps://mairie%40demoville.fr:p%40ss%3Aw%2Frd@mail.example.fr/")
    assert (target.scheme, target.host, target.port) == ("imaps", "mail.example.fr", 993)
    assert (target.user, target.password, target.folder) == (
        "mairie@demoville.fr", "p@ss:w/rd", "INBOX")
    assert "p@ss" not in repr(target)
    assert parse_imap_url("imap://u:p@h:1143/R%C3%A9ponses").folder == "Réponses"
    assert parse_imap_url("imap://u:p@h:1143/x").port == 1143
    assert parse_imap_url("imap+starttls://u:p@h").port == 143
    assert parse_imap_url("imap://u:p@h").state_key == "imap:u@h:143/INBOX"
    for bad in ("pop3://u:p@h", "imaps:///INBOX", "imaps://h/INBOX", "imap://u:p@h:99999"):
        with pytest.raises(ValueError) as raised:
            parse_imap_url(bad)
        assert ":p@" not in str(raised.value)


# -- run(): IDLE, polling, reconnection ---------------------------------------------------------


def test_idle_receives_a_new_message_within_a_couple_of_seconds(
        dovecot: DovecotServer, database: Database) -> None:
    receive = Recorder()
    state = DbPollerState(database)
    poller = ImapPoller(dovecot.url(), receive, state)
    with running(poller):
        # The first round saves the state; the poller then waits in IDLE.
        wait_for(lambda: state.load(poller.key) is not None, 5, "first round")
        time.sleep(0.3)
        sent = message(1)
        dovecot.append(sent)
        took = wait_for(lambda: bool(receive.received), 30, "message received")
        print(f"received {took:.2f} s after the append")
        wait_for(lambda: bool(dovecot.messages("Processed")), 15, "message moved")
    # Without IDLE the next look would be poll_seconds (60 s) away: well before it, IDLE worked.
    assert took < 30
    assert receive.received == [sent]


def test_without_idle_nor_move_it_polls_and_copies(database: Database) -> None:
    with running_dovecot(capability="IMAP4rev1 LITERAL+ NAMESPACE UIDPLUS", tls=False) as server:
        first = message(1)
        server.append(first)
        receive = Recorder()
        poller = ImapPoller(server.url(), receive, DbPollerState(database), poll_seconds=0.5)
        with running(poller):
            wait_for(lambda: receive.received == [first], 5, "first message")
            second = message(2)
            server.append(second)
            wait_for(lambda: len(receive.received) == 2, 5, "second message (polled)")
            wait_for(lambda: len(server.messages("Processed")) == 2, 5, "both moved")
        assert server.messages("INBOX") == []  # copied, flagged \Deleted and expunged
        assert bodies(server, "Processed") == sorted([first, second])


def test_run_reconnects_when_the_connection_drops(
        dovecot: DovecotServer, database: Database) -> None:
    receive = Recorder()
    poller = ImapPoller(dovecot.url(), receive, DbPollerState(database))
    sent = [message(1), message(2), message(3)]
    with running(poller):
        dovecot.append(sent[0])
        wait_for(lambda: len(receive.received) == 1, 15, "first message")

        dovecot.kick()  # the server closes the session
        dovecot.append(sent[1])
        wait_for(lambda: len(receive.received) == 2, 30, "message after the session was cut")

        dovecot.stop()  # the server goes away for a while
        time.sleep(0.5)
        dovecot.start()
        dovecot.append(sent[2])
        wait_for(lambda: len(receive.received) == 3, 60, "message after the restart")
        wait_for(lambda: len(dovecot.messages("Processed")) == 3, 15, "all moved")
    assert sorted(receive.received) == sorted(sent)
    assert dovecot.messages("INBOX") == []
