"""An IMAP poller killed by SIGKILL in the middle of a batch loses no message, stores none twice.

The poller runs in a process of its own against a real Dovecot; its callback stores each message
in a SQLite table keyed by Message-ID (as the inbound store is) and counts its calls. One message
makes the callback linger after its commit, so the kill lands exactly in the window between the
commit and the move to Processed; the restarted poller must hand that message over again (a
second call, no second row) and move it, and take every other message once.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mail_gateway.imap_state import DbPollerState
from pipeline.store.db import Database, make_engine
from pipeline.store.migrate import upgrade
from tests.dovecot import DovecotServer, running_dovecot

pytestmark = pytest.mark.fault

MESSAGES = 60
#: The message whose first call lingers after its commit (mid second batch of 20).
KILLED_AT = 25

POLLER = r"""
import logging, re, signal, sqlite3, sys, threading, time
from mail_gateway.imap_poller import ImapPoller
from mail_gateway.imap_state import DbPollerState
from pipeline.store.db import Database, make_engine

url, state_url, store_path, killed_at = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
store = sqlite3.connect(store_path, timeout=30)
store.execute("PRAGMA journal_mode=WAL")

def receive(raw):
    message_id = re.search(rb"^Message-ID: *(\S+)", raw, re.M | re.I).group(1).decode()
    with store:  # one transaction: the call is counted, the message stored once
        store.execute("INSERT INTO calls (message_id) VALUES (?)", (message_id,))
        store.execute("INSERT OR IGNORE INTO received (message_id, raw) VALUES (?, ?)",
                      (message_id, raw))
        calls = store.execute("SELECT count(*) FROM calls WHERE message_id = ?",
                              (message_id,)).fetchone()[0]
    lingering = calls == 1 and f"Subject: message {killed_at}\r\n".encode() in raw
    time.sleep(60 if lingering else 0.05)  # slow work after the commit, before the move

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
db = Database(make_engine(state_url))
ImapPoller(url, receive, DbPollerState(db), batch=20).run(stop)
logging.info("poller stopped")
"""


def message(index: int) -> tuple[str, bytes]:
    message_id = f"<{uuid.uuid4().hex}@citoyens.example>"
    return message_id, (
        f"From: citoyen{index}@citoyens.example\r\n"
        "To: reponses@demoville.test\r\n"
        f"Subject: message {index}\r\n"
        f"Message-ID: {message_id}\r\n"
        "\r\n"
        f"Réponse n°{index}\r\n").encode()


class PollerProcess:
    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", POLLER, *args], stdout=log,
                                         stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               poller: PollerProcess) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n"
                                 f"{poller.log_path.read_text(errors='replace')}")
        if poller.proc.poll() is not None:
            raise AssertionError(f"poller exited ({poller.proc.returncode}):\n"
                                 f"{poller.log_path.read_text(errors='replace')}")
        time.sleep(0.05)


@pytest.fixture
def imap_server() -> Iterator[DovecotServer]:
    with running_dovecot(tls=False) as server:
        yield server


def test_poller_killed_mid_batch_takes_every_message_once(
        imap_server: DovecotServer, tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'teledossier.db'}"
    upgrade(state_url)
    store_path = tmp_path / "received.db"
    store = sqlite3.connect(store_path, timeout=30)
    store.execute("PRAGMA journal_mode=WAL")
    store.execute("CREATE TABLE received (message_id TEXT PRIMARY KEY, raw BLOB NOT NULL)")
    store.execute("CREATE TABLE calls (message_id TEXT NOT NULL)")
    store.commit()

    def stored() -> int:
        return store.execute("SELECT count(*) FROM received").fetchone()[0]

    sent = dict(message(index) for index in range(1, MESSAGES + 1))
    imap_server.append_many(list(sent.values()))
    args = [imap_server.url(), state_url, str(store_path), str(KILLED_AT)]
    pollers = []
    try:
        first = PollerProcess(args, tmp_path / "poller-1.log")
        pollers.append(first)
        # Message KILLED_AT committed, its callback lingering: killed before its move.
        wait_until(lambda: stored() >= KILLED_AT, 30, f"{KILLED_AT} messages stored", first)
        first.kill()
        assert stored() == KILLED_AT
        in_inbox = len(imap_server.messages("INBOX"))
        assert in_inbox == MESSAGES - KILLED_AT + 1  # the lingering one was not moved

        second = PollerProcess(args, tmp_path / "poller-2.log")
        pollers.append(second)
        wait_until(lambda: not imap_server.messages("INBOX"), 30, "INBOX empty", second)
        second.stop()
    finally:
        for poller in pollers:
            poller.stop()

    rows = dict(store.execute("SELECT message_id, raw FROM received").fetchall())
    calls = Counter(m for (m,) in store.execute("SELECT message_id FROM calls").fetchall())
    store.close()
    assert rows == sent  # every message stored, exactly once, with its exact bytes
    killed_id = next(m for m, raw in sent.items() if f"message {KILLED_AT}\r".encode() in raw)
    assert calls[killed_id] == 2  # handed over again after the kill, stored once
    assert sum(calls.values()) >= MESSAGES + 1
    processed = Counter(m.body for m in imap_server.messages("Processed"))
    assert processed == Counter(sent.values())  # each once
    assert imap_server.messages("INBOX") == []
    assert imap_server.messages("Failed") == []

    state_db = Database(make_engine(state_url))
    try:
        key = f"imap:{imap_server.user}@{imap_server.host}:{imap_server.port}/INBOX"
        assert DbPollerState(state_db).load(key)[1] == MESSAGES
    finally:
        state_db.dispose()
