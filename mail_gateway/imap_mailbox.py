"""The IMAP poller's connection to its folder: opened on demand, moves, and waiting for mail."""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Sequence

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from mail_gateway.imap_target import ImapTarget

log = logging.getLogger(__name__)

PROCESSED = "Processed"
FAILED = "Failed"
#: Seconds a connection attempt or an answer may take before the connection counts as lost.
IMAP_TIMEOUT = 30.0
#: How often an IDLE wait looks at the stop event (seconds).
IDLE_CHECK_SECONDS = 1.0
#: Errors meaning the connection is gone (socket errors, EOF, BYE, timeouts).
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientAbortError)


class ImapMailbox:
    """One folder of one account over one connection, (re)opened whenever it is needed.

    Messages leave the folder for ``processed_folder`` or ``failed_folder``, created on
    connection under the personal namespace's prefix.
    """

    def __init__(self, target: ImapTarget, *, idle_seconds: int, poll_seconds: float,
                 ssl_context: ssl.SSLContext | None, timeout: float, processed_folder: str,
                 failed_folder: str) -> None:
        self.target = target
        self.key = target.state_key
        self.idle_seconds = idle_seconds
        self.poll_seconds = poll_seconds
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.processed_folder = processed_folder
        self.failed_folder = failed_folder
        self._client: IMAPClient | None = None

    def select(self) -> tuple[IMAPClient, int]:
        """The connection with the folder selected (read-write) and its UIDVALIDITY."""
        if self._client is not None:
            try:
                return self._client, self._select_folder(self._client)
            except CONNECTION_ERRORS as error:
                # A connection that waited long may have been closed by the server meanwhile.
                log.info("%s: connection lost (%s); reconnecting", self.key, error)
                self.disconnect()
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

    def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()

    # -- moving messages out ------------------------------------------------------------------

    def move(self, client: IMAPClient, uid: int, folder: str) -> None:
        if client.has_capability("MOVE"):
            client.move([uid], folder)
            return
        client.copy([uid], folder)
        client.add_flags([uid], [b"\\Deleted"], silent=True)
        self._expunge(client, [uid])

    def finish_copied_moves(self, client: IMAPClient) -> None:
        """Without MOVE: expunge the messages a killed round copied and flagged, not expunged."""
        if client.has_capability("MOVE"):
            return
        deleted = client.search(["DELETED"])
        if deleted:
            log.info("%s: expunging %d message(s) already copied (UIDs %s)", self.key,
                     len(deleted), uid_list(deleted))
            self._expunge(client, deleted)

    @staticmethod
    def _expunge(client: IMAPClient, uids: Sequence[int]) -> None:
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()  # every \Deleted message of the folder: only ours are flagged

    # -- waiting for mail ---------------------------------------------------------------------

    def wait(self, stop: threading.Event) -> None:
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


def take_announcements(client: IMAPClient) -> bool:
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


def uid_list(uids: Sequence[int], shown: int = 10) -> str:
    """UIDs for a log line: the first few, then an ellipsis."""
    listed = ", ".join(str(uid) for uid in list(uids)[:shown])
    return listed + (", …" if len(uids) > shown else "")


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
