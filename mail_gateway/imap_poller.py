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

import contextlib
import hashlib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
from sqlalchemy import select

from pipeline.store.db import Database
from pipeline.store.model import InstallationSetting

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"imap": 143, "imap+starttls": 143, "imaps": 993}
PROCESSED = "Processed"
FAILED = "Failed"
#: Seconds a connection attempt or an answer may take before the connection counts as lost.
IMAP_TIMEOUT = 30.0
#: How often an IDLE wait looks at the stop event (seconds).
IDLE_CHECK_SECONDS = 1.0
#: Rounds run back to back, without waiting, while the server announces new mail.
MAX_ROUNDS_WITHOUT_WAIT = 10
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
#: Errors meaning the connection is gone (socket errors, EOF, BYE, timeouts).
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientAbortError)
#: ``installation_settings.key`` is a VARCHAR(60); longer state keys are stored hashed.
SETTING_KEY_MAX = 60


class InboundRefused(Exception):
    """Raised by the callback for a message that will never be accepted; it goes to Failed."""


@dataclass(frozen=True)
class ImapTarget:
    """Where to read: the parts of ``TELEDOSSIER_IMAP_URL``, user and password decoded."""

    scheme: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @property
    def tls(self) -> bool:
        """TLS from the first byte (``imaps``)."""
        return self.scheme == "imaps"

    @property
    def starttls(self) -> bool:
        return self.scheme == "imap+starttls"

    @property
    def state_key(self) -> str:
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapTarget:
    """``imaps://user:pass@host[:port][/folder]``; the folder defaults to INBOX.

    User, password and folder are percent-decoded. Errors never repeat the URL (its password).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"IMAP URL: unknown scheme {scheme!r} (imap, imaps or imap+starttls)")
    if not parts.hostname:
        raise ValueError("IMAP URL: no host")
    if not parts.username:
        raise ValueError("IMAP URL: no user")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise ValueError("IMAP URL: invalid port") from error
    return ImapTarget(scheme=scheme, host=parts.hostname, port=port,
                      user=unquote(parts.username), password=unquote(parts.password or ""),
                      folder=unquote(parts.path.lstrip("/")) or "INBOX")


class PollerState(Protocol):
    """Remembers, per account and folder, the folder's UIDVALIDITY and the last UID handed over."""

    def load(self, key: str) -> tuple[int, int] | None: ...

    def save(self, key: str, uidvalidity: int, last_uid: int) -> None: ...


class DbPollerState:
    """``PollerState`` in the ``installation_settings`` table: value ``"<uidvalidity>:<uid>"``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def setting_key(key: str) -> str:
        if len(key) <= SETTING_KEY_MAX:
            return key
        return "imap:" + hashlib.sha256(key.encode()).hexdigest()[:SETTING_KEY_MAX - 5]

    def load(self, key: str) -> tuple[int, int] | None:
        with self.db.transaction() as session:
            value = session.scalar(select(InstallationSetting.value).where(
                InstallationSetting.key == self.setting_key(key)))
        if not value:
            return None
        try:
            uidvalidity, last_uid = (int(part) for part in value.split(":"))
        except ValueError:
            log.warning("IMAP state %s unreadable (%r): starting from UID 0", key, value)
            return None
        return uidvalidity, last_uid

    def save(self, key: str, uidvalidity: int, last_uid: int) -> None:
        with self.db.transaction() as session:
            session.merge(InstallationSetting(key=self.setting_key(key),
                                              value=f"{uidvalidity}:{last_uid}"))


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
        self.idle_seconds = idle_seconds
        self.max_bytes = max_bytes
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.processed_folder = processed_folder
        self.failed_folder = failed_folder
        self._client: IMAPClient | None = None
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
            client, uidvalidity = self._select()
            return self._take_all(client, uidvalidity)
        except BaseException:
            self._disconnect()
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
        moves = client.has_capability("MOVE")
        if not moves:
            self._finish_copied_moves(client)
        _take_announcements(client)
        present = sorted(client.search(["NOT", "DELETED"]))
        new = [uid for uid in present if uid > last_uid]
        again = [uid for uid in present if uid <= last_uid]
        if again:
            log.info("%s: %d message(s) seen before still in the folder (UIDs %s): taken again",
                     self.key, len(again), _uid_list(again))
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
        self._more_mail = _take_announcements(client)
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
                            self.failed_folder)
                self._move(client, uid, self.failed_folder)
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
                        self.failed_folder)
            self._move(client, uid, self.failed_folder)
            result.failed += 1
            return
        except Exception:
            log.exception("%s: UID %s not stored; left in the folder for the next round",
                          self.key, uid)
            result.errors += 1
            return
        result.received += 1
        self._move(client, uid, self.processed_folder)
        result.moved += 1

    def _move(self, client: IMAPClient, uid: int, folder: str) -> None:
        if client.has_capability("MOVE"):
            client.move([uid], folder)
            return
        client.copy([uid], folder)
        client.add_flags([uid], [b"\\Deleted"], silent=True)
        self._expunge(client, [uid])

    def _finish_copied_moves(self, client: IMAPClient) -> None:
        """Without MOVE: expunge the messages a killed round copied and flagged, not expunged."""
        deleted = client.search(["DELETED"])
        if deleted:
            log.info("%s: expunging %d message(s) already copied (UIDs %s)", self.key,
                     len(deleted), _uid_list(deleted))
            self._expunge(client, deleted)

    @staticmethod
    def _expunge(client: IMAPClient, uids: Sequence[int]) -> None:
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()  # every \Deleted message of the folder: only ours are flagged

    # -- connection ---------------------------------------------------------------------------

    def _select(self) -> tuple[IMAPClient, int]:
        """The connection with the folder selected (read-write) and its UIDVALIDITY."""
        if self._client is not None:
            try:
                return self._client, self._select_folder(self._client)
            except CONNECTION_ERRORS as error:
                # A connection that waited long may have been closed by the server meanwhile.
                log.info("%s: connection lost (%s); reconnecting", self.key, error)
                self._disconnect()
        client = self._connect()
        return client, self._select_folder(client)

    def _select_folder(self, client: IMAPClient) -> int:
        info = client.select_folder(self.target.folder)
        return int(info[b"UIDVALIDITY"])

    def _connect(self) -> IMAPClient:
        target = self.target
        context = None
        if target.tls or target.starttls:
            context = self.ssl_context or ssl.create_default_context()
        client = IMAPClient(target.host, target.port, ssl=target.tls, ssl_context=context,
                            timeout=self.timeout)
        try:
            if target.starttls:
                client.starttls(context)
            client.login(target.user, target.password)
            self._create_folders(client)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        log.info("%s: connected (%s)", self.key, "IDLE" if client.has_capability("IDLE")
                 else f"no IDLE: polling every {self.poll_seconds:g} s")
        self._client = client
        return client

    def _create_folders(self, client: IMAPClient) -> None:
        """Processed and Failed, under the personal namespace's prefix (``INBOX.`` on some)."""
        prefix = ""
        if client.has_capability("NAMESPACE"):
            personal = client.namespace().personal
            if personal and personal[0][0]:
                prefix = _text(personal[0][0])
        for attribute in ("processed_folder", "failed_folder"):
            name = getattr(self, attribute)
            if prefix and not name.startswith(prefix):
                name = prefix + name
                setattr(self, attribute, name)
            if client.folder_exists(name):
                continue
            try:
                client.create_folder(name)
                log.info("%s: folder %s created", self.key, name)
            except IMAPClientError:
                if not client.folder_exists(name):  # else created meanwhile by someone else
                    raise

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()

    def close(self) -> None:
        self._disconnect()

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
                    self._wait(stop)
                    delay = BACKOFF_FIRST
                except Exception as error:
                    self._disconnect()
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
            self._disconnect()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _wait(self, stop: threading.Event) -> None:
        """Until new mail, ``idle_seconds`` or ``stop`` (IDLE); else ``poll_seconds`` or stop."""
        client = self._client
        if client is None or stop.is_set():
            return
        if not client.has_capability("IDLE"):
            stop.wait(self.poll_seconds)
            return
        client.idle()
        deadline = time.monotonic() + self.idle_seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            timeout = min(IDLE_CHECK_SECONDS, remaining)
            started = time.monotonic()
            responses = client.idle_check(timeout=timeout)
            if any(_announces_mail_or_bye(response) for response in responses):
                break
            if not responses and time.monotonic() - started < timeout / 2:
                # Readable yet nothing to read: idle_check() swallows EOF. Ending IDLE tells a
                # closed connection (DONE fails) from a spurious wake-up (one round early).
                break
        client.idle_done()


def _take_announcements(client: IMAPClient) -> bool:
    """Whether the server announced messages (EXISTS) since the last call; forgets them.

    imaplib keeps the untagged responses of every command in ``untagged_responses``;
    IMAPClient offers no public way to read them. Should that attribute ever be missing, the
    answer is False: such a message then waits for the next IDLE period (``idle_seconds``).
    """
    responses = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    if not isinstance(responses, dict):
        return False
    announced = responses.pop("EXISTS", None)
    responses.pop("RECENT", None)
    return bool(announced)


def _announces_mail_or_bye(response: tuple[object, ...]) -> bool:
    if len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT"):
        return True
    return bool(response) and response[0] == b"BYE"


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


def _uid_list(uids: Sequence[int], shown: int = 10) -> str:
    listed = ", ".join(str(uid) for uid in list(uids)[:shown])
    return listed + (", …" if len(uids) > shown else "")


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


__all__ = ["DbPollerState", "ImapPoller", "ImapTarget", "InboundRefused", "PollResult",
           "PollerState", "parse_imap_url"]
