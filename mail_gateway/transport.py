"""Outbound transports: an SMTP relay (``TELEDOSSIER_SMTP_URL``) or the built-in catcher."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
from urllib.parse import unquote, urlsplit

from pipeline.context import MailTransport, PermanentMailError, TemporaryMailError

#: Seconds to wait for the relay before the attempt counts as a temporary failure.
SMTP_TIMEOUT = 20


class CatcherTransport:
    """Keeps mail in the database only (the row is the message): for a machine with no relay."""

    name = "catcher"

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        return None


class SmtpTransport:
    """Sends through a relay; one connection per thread, reopened when the relay drops it."""

    name = "smtp"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.local = threading.local()

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        for attempt in (1, 2):
            try:
                self._connection().sendmail(sender, [recipient], message)
                return
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 2:
                    raise TemporaryMailError(f"le relais a coupé la connexion : {error}") from error
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                raise _by_code(code, text) from error
            except smtplib.SMTPResponseException as error:
                self._drop()
                raise _by_code(error.smtp_code, error.smtp_error) from error
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                raise TemporaryMailError(f"relais SMTP injoignable : {error}") from error

    def _connection(self) -> smtplib.SMTP:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            if self.scheme == "smtps":
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT,
                                              context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
                if self.scheme == "smtp+starttls":
                    connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password or "")
            self.local.connection = connection
        return connection

    def _drop(self) -> None:
        connection = getattr(self.local, "connection", None)
        self.local.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def _by_code(code: int, text: bytes | str) -> Exception:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    message = f"{code} {detail}"
    if 500 <= code < 600:
        return PermanentMailError(message)
    return TemporaryMailError(message)


def build_transport(smtp_url: str) -> MailTransport:
    """The one mail sender of the installation."""
    return SmtpTransport(smtp_url) if smtp_url else CatcherTransport()
