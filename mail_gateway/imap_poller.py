"""Replies from an ordinary mailbox (``TELEDOSSIER_IMAP_URL``): each message to the database, then
out of the folder.

``ImapPoller`` reads the folder of ``imaps://user:pass@host/INBOX`` (also ``imap://`` and
``imap+starttls://``), hands each message's raw bytes to a callback that stores it and commits,
and only once that callback has returned moves the message to ``Processed``. A callback raising
``InboundRefused`` (permanent: too large, unreadable…) sends the message to ``Failed``, and so
does a message over ``max_bytes`` (never fetched). Any other exception leaves the message where
it is, for the next round. Bodies are fetched with ``BODY.PEEK[]``: reading never sets \\Seen.

The folder is the queue: a message leaves it only after its fate is committed, so nothing is
lost whenever the process dies. The callback must be idempotent (the inbound store keys on
Message-ID): a message may be handed to it more than once, never dropped.

Crash windows (the process killed, or the connection lost, at each point of a message's way):

1. While fetching, or before or during the callback's commit: nothing committed, the message
   is still in the folder; the next round hands it over again.
2. After the commit, before the MOVE: the message is stored and still in the folder; the next
   round hands it over again (the callback finds it stored: no duplicate) and moves it. The
   same for a refusal: the callback is asked again, refuses again, and it goes to Failed.
3. During the MOVE: MOVE (RFC 6851) is atomic on the server, which completes it whether or not
   the client is still there; the message is in exactly one of the two folders.
   Without MOVE the poller copies, flags \\Deleted and expunges. Killed between the copy and the
   flag, the message is handed over again next round and copied a second time (two copies in
   ``Processed``, one row in the database). Killed between the flag and the expunge, the next
   round only expunges it (every \\Deleted message of the folder is expunged: it was copied).
4. After a batch's moves, before the state is saved (once per batch): the saved last UID lags
   behind. Harmless: the moved messages are no longer in the folder, and the ones still there
   are taken whatever their UID (see below).

The state (``PollerState``: UIDVALIDITY and the last UID handed over, per account and folder)
is not what makes delivery reliable: every message still in the folder is taken each round,
whatever its UID. It tells new messages (UID above the last one) from messages seen before and
still there (a transient error, or crash window 2); the new ones are handled first, so a few
messages that keep failing never delay fresh replies, and the others are logged as retries.
When UIDVALIDITY changes (the folder was recreated, the server rebuilt its index) UIDs mean
nothing any more: the poller starts over from UID 0 and takes every message as new (the
callback's idempotence absorbs what was stored already).

``run()`` waits with IMAP IDLE when the server has it (re-issued every ``idle_seconds``; a new
message ends the wait at once), else polls every ``poll_seconds``; it reconnects with a backoff
(1 s, doubled up to 60 s) when the server goes away, and stops within about a second of its
``threading.Event`` being set (a connection attempt to an unresponsive server may hold it up to
``timeout``). A message arriving during a round is announced (EXISTS) in the answer to one of
the round's commands, not again in the IDLE that follows: such an announcement makes ``run()``
go round again at once instead of waiting.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from imapclient import IMAPClient

from mail_gateway.imap_mailbox import (
    CONNECTION_ERRORS,
    FAILED,
    IMAP_TIMEOUT,
    PROCESSED,
    ImapMailbox,
    take_announcements,
    uid_list,
)
from mail_gateway.imap_state import PollerState
from mail_gateway.imap_target import parse_imap_url

log = logging.getLogger(__name__)

#: Rounds run back to back, without waiting, while the server announces new mail.
MAX_ROUNDS_WITHOUT_WAIT = 10
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0


class InboundRefused(Exception):
    """Raised by the callback for a message that will never be accepted; it goes to Failed."""


@dataclass
class PollResult:
    """What one round did."""

    #: Messages the callback stored (it returned).
    received: int = 0
    #: Messages moved to Processed.
    moved: int = 0
    #: Messages moved to Failed: refused by the callback, or over the size limit.
    failed: int = 0
    #: Of those, the messages over the size limit (never fetched nor handed over).
    skipped: int = 0
    #: Messages left in the folder after a transient error of the callback.
    errors: int = 0


class ImapPoller:
    """Moves the messages of one IMAP folder into the database through ``receive``.

    ``receive(raw)`` stores the message and commits (idempotent by Message-ID); it raises
    ``InboundRefused`` for a message never to be accepted. One poller is used by one thread.
    """

    def __init__(self, url: str, receive: Callable[[bytes], None], state: PollerState, *,
                 idle_seconds: int = 600, max_bytes: int = 10 * 1024 * 1024, batch: int = 20,
                 poll_seconds: float = 60, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = IMAP_TIMEOUT, processed_folder: str = PROCESSED,
                 failed_folder: str = FAILED) -> None:
        if batch < 1 or max_bytes < 1 or idle_seconds <= 0 or poll_seconds <= 0:
            raise ValueError("batch, max_bytes, idle_seconds and poll_seconds must be positive")
        self.target = parse_imap_url(url)
        self.receive = receive
        self.state = state
        self.max_bytes = max_bytes
        self.batch = batch
        self.mailbox = ImapMailbox(self.target, idle_seconds=idle_seconds,
                                   poll_seconds=poll_seconds, ssl_context=ssl_context,
                                   timeout=timeout, processed_folder=processed_folder,
                                   failed_folder=failed_folder)
        self._stop: threading.Event | None = None
        self._more_mail = False

    @property
    def key(self) -> str:
        return self.target.state_key

    # -- one round --------------------------------------------------------------------------

    def poll_once(self) -> PollResult:
        """Connect if needed and take every message of the folder; returns what was done.

        IMAP and state errors propagate (the connection is dropped, the next call reconnects);
        the callback's errors never do.
        """
        self._more_mail = False
        try:
            client, uidvalidity = self.mailbox.select()
            return self._take_all(client, uidvalidity)
        except BaseException:
            self.mailbox.disconnect()
            raise

    def _take_all(self, client: IMAPClient, uidvalidity: int) -> PollResult:
        saved = self.state.load(self.key)
        last_uid = 0
        if saved is not None and saved[0] == uidvalidity:
            last_uid = saved[1]
        elif saved is not None:
            log.warning("%s: UIDVALIDITY changed from %s to %s; starting over from UID 0 "
                        "(every message of the folder is taken again)",
                        self.key, saved[0], uidvalidity)
        if saved != (uidvalidity, last_uid):
            self.state.save(self.key, uidvalidity, last_uid)
        self.mailbox.finish_copied_moves(client)
        take_announcements(client)
        present = sorted(client.search(["NOT", "DELETED"]))
        new = [uid for uid in present if uid > last_uid]
        again = [uid for uid in present if uid <= last_uid]
        if again:
            log.info("%s: %d message(s) seen before still in the folder (UIDs %s): taken again",
                     self.key, len(again), uid_list(again))
        result = PollResult()
        for chunk in _chunks(new + again, self.batch):
            if self._stopping():
                break
            handled = self._take_batch(client, chunk, result)
            if handled > last_uid:
                last_uid = handled
                self.state.save(self.key, uidvalidity, last_uid)
        # A message arriving while SEARCH runs is not in its result, and the server announces it
        # (EXISTS) at the end of that command or of a later one: IDLE will not announce it
        # again. So the loop goes round again at once instead of waiting.
        self._more_mail = take_announcements(client)
        if result != PollResult():
            log.info("%s: %s", self.key, result)
        return result

    def _take_batch(self, client: IMAPClient, uids: list[int], result: PollResult) -> int:
        """Hand over the messages of one batch; returns the highest UID dealt with (0: none)."""
        handled = 0
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        wanted: list[tuple[int, int]] = []
        for uid in uids:
            data = sizes.get(uid)
            if data is None:
                continue  # gone meanwhile (another client moved or expunged it)
            size = int(data.get(b"RFC822.SIZE", 0))
            if size > self.max_bytes:
                log.warning("%s: UID %s is %d bytes, over the %d-byte limit: moved to %s "
                            "without being read", self.key, uid, size, self.max_bytes,
                            self.mailbox.failed_folder)
                self.mailbox.move(client, uid, self.mailbox.failed_folder)
                result.failed += 1
                result.skipped += 1
                handled = max(handled, uid)
            else:
                wanted.append((uid, size))
        # Bodies in groups of at most max_bytes together (at least one message each): a batch
        # of large messages never holds more than that in memory.
        for group in _by_total_size(wanted, self.max_bytes):
            bodies = client.fetch(group, ["BODY.PEEK[]"])
            for uid in group:
                if self._stopping():
                    return handled
                raw = bodies.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue
                self._deliver(client, uid, bytes(raw), result)
                handled = max(handled, uid)
        return handled

    def _deliver(self, client: IMAPClient, uid: int, raw: bytes, result: PollResult) -> None:
        try:
            self.receive(raw)
        except InboundRefused as error:
            log.warning("%s: UID %s refused (%s): moved to %s", self.key, uid, error,
                        self.mailbox.failed_folder)
            self.mailbox.move(client, uid, self.mailbox.failed_folder)
            result.failed += 1
            return
        except Exception:
            log.exception("%s: UID %s not stored; left in the folder for the next round",
                          self.key, uid)
            result.errors += 1
            return
        result.received += 1
        self.mailbox.move(client, uid, self.mailbox.processed_folder)
        result.moved += 1

    def close(self) -> None:
        self.mailbox.disconnect()

    # -- the loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; never raises (errors are logged, then retried)."""
        self._stop = stop
        delay = BACKOFF_FIRST
        working_since: float | None = None
        rounds_without_wait = 0
        try:
            while not stop.is_set():
                try:
                    self.poll_once()
                    working_since = working_since or time.monotonic()
                    # Mail announced during the round: go round again at once. Each such round
                    # moves messages out or finds new ones, so this ends; the bound is against
                    # a server announcing EXISTS after every command.
                    if self._more_mail and rounds_without_wait < MAX_ROUNDS_WITHOUT_WAIT:
                        rounds_without_wait += 1
                        continue
                    rounds_without_wait = 0
                    self.mailbox.wait(stop)
                    delay = BACKOFF_FIRST
                except Exception as error:
                    self.mailbox.disconnect()
                    # A connection that worked for a while and then dropped (say, a NAT
                    # forgetting an idle one) starts the backoff afresh; one dropping soon
                    # after each reconnection keeps doubling it.
                    if working_since and time.monotonic() - working_since >= BACKOFF_MAX:
                        delay = BACKOFF_FIRST
                    working_since = None
                    if isinstance(error, CONNECTION_ERRORS):
                        log.warning("%s: connection failed or lost (%s); next attempt in %g s",
                                    self.key, error, delay)
                    else:
                        log.exception("%s: round failed; next attempt in %g s", self.key, delay)
                    if stop.wait(delay):
                        break
                    delay = min(delay * 2, BACKOFF_MAX)
        finally:
            self._stop = None
            self.mailbox.disconnect()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _by_total_size(items: list[tuple[int, int]], limit: int) -> Iterator[list[int]]:
    group: list[int] = []
    total = 0
    for uid, size in items:
        if group and total + size > limit:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


__all__ = ["ImapPoller", "InboundRefused", "PollResult"]
