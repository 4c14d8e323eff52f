"""An SMTP server that accepts everything and notes when each message arrived."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.header import decode_header, make_header

from aiosmtpd.controller import Controller


class RecordingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[tuple[float, str]]] = {}
        #: Told of each message as it arrives: (monotonic time, recipients, subject).
        self.on_arrival: Callable[[float, list[str], str], None] | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        arrived = time.monotonic()
        # Only the headers are parsed: the sink shares the machine with what it measures.
        raw = envelope.original_content or envelope.content
        headers = message_from_bytes(raw.split(b"\r\n\r\n", 1)[0])
        subject = str(make_header(decode_header(headers.get("Subject", ""))))
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.arrivals.setdefault(recipient, []).append((arrived, subject))
        if self.on_arrival is not None:
            self.on_arrival(arrived, list(envelope.rcpt_tos), subject)
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.arrivals.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink() -> tuple[Controller, RecordingHandler]:
    # aiosmtpd logs every SMTP command at INFO: at thousands of mails that logging alone would
    # take a good share of the CPU the benchmark is measuring.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, handler
