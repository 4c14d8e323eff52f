"""Take in a raw message from any source (SMTP, IMAP, the /dev/mail form): store it, queue it.

Storing is idempotent: a message is known by its Message-ID, or by the SHA-256 of its bytes when
it has none, so a message delivered twice (a relay retrying, an IMAP poller killed before it
moved the message) is stored and handled once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from sqlalchemy import select

from pipeline.context import PipelineContext
from pipeline.domain.queues import HANDLE_ACTOR, INBOUND_QUEUE
from pipeline.mail.replies.charsets import decoded_header
from pipeline.store.db import add_message, upsert_ignore
from pipeline.store.model import InboundMail, new_id


class InboundTooLarge(ValueError):
    """The message is over ``TELEDOSSIER_INBOUND_MAX_BYTES``; it is not stored."""


@dataclass(frozen=True)
class Received:
    inbound_id: str
    #: True when the same message had been received before (nothing new was stored).
    duplicate: bool


def receive_mail(ctx: PipelineContext, raw: bytes, *, source: str, envelope_from: str = "",
                 envelope_to: str = "") -> Received:
    """Store a message and queue its handling, in one transaction; safe to call twice."""
    if len(raw) > ctx.settings.inbound_max_bytes:
        raise InboundTooLarge(f"message de {len(raw)} octets, plus que la limite de "
                              f"{ctx.settings.inbound_max_bytes}")
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    identity = message_identity(raw, headers.get("Message-ID"))
    now = ctx.clock.now()
    inbound_id = new_id()
    with ctx.db.transaction() as session:
        stored = upsert_ignore(
            session, InboundMail, id=inbound_id, identity=identity, source=source,
            envelope_from=envelope_from[:320], envelope_to=envelope_to[:320],
            sender=parseaddr(str(headers.get("From", "")))[1].lower()[:320],
            subject=decoded_header(str(headers.get("Subject", "")))[:300], size=len(raw), raw=raw,
            status="queued", outcome="", received_at=now)
        if stored:
            add_message(session, INBOUND_QUEUE, HANDLE_ACTOR, [inbound_id], now)
            return Received(inbound_id, duplicate=False)
        known = session.scalar(select(InboundMail.id).where(InboundMail.identity == identity))
    return Received(known or inbound_id, duplicate=True)


def message_identity(raw: bytes, message_id: object) -> str:
    value = " ".join(str(message_id or "").split())
    if value and len(value) <= 200:
        return value
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


