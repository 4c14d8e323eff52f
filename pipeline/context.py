"""What every handler needs, handed in by the composition root: the ports and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.domain.clock import Clock, SystemClock
from pipeline.domain.demarches import Election
from pipeline.settings import Settings
from pipeline.store.blobs import BlobStore
from pipeline.store.cache import TtlCache
from pipeline.store.db import Database


class MailTransport(Protocol):
    """Hands one finished message to a mail server (or the built-in catcher)."""

    name: str

    def send(self, sender: str, recipient: str, message: bytes,
             deadline: float | None = None) -> None:
        """Deliver or raise: TemporaryMailError to retry later, PermanentMailError to give up.

        Returns as soon as the server has accepted the message. ``deadline``, a
        ``time.monotonic()`` instant, bounds the exchange: the message's end never leaves so late
        that the server's answer could come after it.
        """
        ...


class TemporaryMailError(Exception):
    """The mail server could not take the message now (connection error, 4xx)."""


class PermanentMailError(Exception):
    """The mail server refused the message for good (5xx)."""


@dataclass
class PipelineContext:
    db: Database
    settings: Settings
    mail_transport: MailTransport
    clock: Clock = field(default_factory=SystemClock)
    blobs: BlobStore = field(default_factory=BlobStore)
    elections: tuple[Election, ...] = ()
    #: Communes' codes and notification recipients change rarely: kept a minute per process.
    cache: TtlCache[Any] = field(default_factory=lambda: TtlCache(ttl=60.0))
