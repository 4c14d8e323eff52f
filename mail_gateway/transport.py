"""Outbound transports: an SMTP relay (``TELEDOSSIER_SMTP_URL``) or the built-in catcher."""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import threading
import time
from urllib.parse import unquote, urlsplit

from pipeline.context import MailTransport, PermanentMailError, TemporaryMailError

#: Seconds to wait for the relay before the attempt counts as a temporary failure.
SMTP_TIMEOUT = 20
#: A line of the message that starts with a dot gets a second one (RFC 5321, 4.5.2).
LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class CatcherTransport:
    """Keeps mail in the database only (the row is the message): for a machine with no relay."""

    name = "catcher"

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        return None


class SmtpTransport:
    """Sends through a relay; one connection per thread, reopened when the relay drops it.

    The exchange is smtplib's lower-level commands rather than ``sendmail``: it returns as soon
    as the relay has answered the final dot, never sends that dot once ``deadline`` is too close
    for the answer, and never repeats a message whose dot has left.
    """

    name = "smtp"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.local = threading.local()

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        now = time.monotonic()
        deadline = now + 3 * SMTP_TIMEOUT if deadline is None else deadline
        # The final dot leaves only while the relay still has this long to answer it.
        last_dot = deadline - min(SMTP_TIMEOUT, max(deadline - now, 0) / 2)
        payload = _data(message)
        try:
            connection = self._envelope(sender, recipient, len(message), last_dot)
            _stay_within(connection, last_dot)
            _expect(connection.docmd("DATA"), 354)
            _stay_within(connection, last_dot)
            connection.send(payload)  # within the time left: a partial write has no final dot
        except smtplib.SMTPResponseException as error:
            self._drop()
            raise _by_code(error.smtp_code, error.smtp_error) from error
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise TemporaryMailError(f"relais SMTP injoignable : {error}") from error
        except TemporaryMailError:
            self._drop()  # mid-transaction: closing makes the relay forget the message
            raise
        # The message has left. Whatever happens now, trying again on another connection could
        # deliver it twice: only the relay's answer says what became of it.
        try:
            connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            code, reply = connection.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            raise TemporaryMailError(f"pas de réponse du relais à la fin du message, qu'il a pu "
                                     f"accepter : {error}") from error
        if code != 250:
            self._drop()
            raise _by_code(code, reply)

    def _envelope(self, sender: str, recipient: str, size: int,
                  last_dot: float) -> smtplib.SMTP:
        """A connection past MAIL FROM and RCPT TO; a reused one the relay dropped is reopened."""
        reused = getattr(self.local, "connection", None) is not None
        try:
            return self._mail_rcpt(sender, recipient, size, last_dot)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as error:
            dropped = isinstance(error, smtplib.SMTPServerDisconnected) or error.smtp_code == 421
            if not (reused and dropped):
                raise
        self._drop()  # the relay had closed the idle connection: once more on a new one
        return self._mail_rcpt(sender, recipient, size, last_dot)

    def _mail_rcpt(self, sender: str, recipient: str, size: int,
                   last_dot: float) -> smtplib.SMTP:
        connection = self._connection(last_dot)
        _stay_within(connection, last_dot)
        options = [f"SIZE={size}"] if connection.has_extn("size") else []
        _expect(connection.mail(sender, options), 250)
        _stay_within(connection, last_dot)
        _expect(connection.rcpt(recipient), 250, 251)
        return connection

    def _connection(self, last_dot: float) -> smtplib.SMTP:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            timeout = min(SMTP_TIMEOUT, max(last_dot - time.monotonic(), 0.001))
            if self.scheme == "smtps":
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=timeout,
                                              context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=timeout)
            self.local.connection = connection
            if self.scheme == "smtp+starttls":
                connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password or "")
            connection.ehlo_or_helo_if_needed()
        return connection

    def _drop(self) -> None:
        connection = getattr(self.local, "connection", None)
        self.local.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def _stay_within(connection: smtplib.SMTP, last_dot: float) -> None:
    """Give the next step only the time left before the final dot must have gone."""
    if connection.sock is None:
        raise smtplib.SMTPServerDisconnected("connexion fermée")
    left = last_dot - time.monotonic()
    if left <= 0:
        raise TemporaryMailError("le relais SMTP répond trop lentement : message non envoyé, "
                                 "il le sera plus tard")
    connection.sock.settimeout(min(SMTP_TIMEOUT, left))


def _expect(answer: tuple[int, bytes], *codes: int) -> None:
    code, text = answer
    if code not in codes:
        raise smtplib.SMTPResponseException(code, text)


def _data(message: bytes) -> bytes:
    """The message as sent after DATA: dots doubled, ended by the final dot."""
    data = LEADING_DOT.sub(b"..", message)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _by_code(code: int, text: bytes | str) -> Exception:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    message = f"{code} {detail}"
    if 500 <= code < 600:
        return PermanentMailError(message)
    return TemporaryMailError(message)


def build_transport(smtp_url: str) -> MailTransport:
    """The one mail sender of the installation."""
    return SmtpTransport(smtp_url) if smtp_url else CatcherTransport()
