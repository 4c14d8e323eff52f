"""A real SMTP server (aiosmtpd) for tests: records every message it accepts."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from bench.sink import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class MailSink:
    """Accepts all mail on 127.0.0.1:<port>; ``reply`` sets the answer to the next DATA."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.reply = "250 OK"
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                          message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, recipient: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if recipient in r.recipients]

    def wait_for(self, predicate, timeout: float = 30.0) -> list[Received]:
        """Wait until ``predicate(received)`` is true; return what was received."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                snapshot = list(self.received)
            if predicate(snapshot):
                return snapshot
            if time.monotonic() > deadline:
                raise AssertionError(f"mail condition not met after {timeout}s; "
                                     f"got {[(r.recipients, r.subject) for r in snapshot]}")
            time.sleep(0.05)
