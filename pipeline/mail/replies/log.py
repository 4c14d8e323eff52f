"""What operators read about mail: the inbound log with outcomes, and mails that did not arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pipeline.context import PipelineContext
from pipeline.store.model import Dossier, InboundMail, Mail


@dataclass(frozen=True)
class InboundEntry:
    received_at: datetime
    source: str
    sender: str
    subject: str
    status: str
    outcome: str
    reference: str | None


@dataclass(frozen=True)
class UndeliveredMail:
    updated_at: datetime
    recipient: str
    subject: str
    status: str
    reason: str
    reference: str | None


def inbound_log(ctx: PipelineContext, limit: int = 50) -> list[InboundEntry]:
    """The latest messages received, newest first, with what was done with each."""
    with ctx.db.transaction() as session:
        rows = session.execute(
            select(InboundMail.received_at, InboundMail.source, InboundMail.sender,
                   InboundMail.subject, InboundMail.status, InboundMail.outcome,
                   Dossier.reference)
            .outerjoin(Dossier, Dossier.id == InboundMail.dossier_id)
            .order_by(InboundMail.received_at.desc()).limit(limit)).all()
    return [InboundEntry(*row) for row in rows]


def undelivered_mails(ctx: PipelineContext, limit: int = 50) -> list[UndeliveredMail]:
    """Mails marked failed (the relay refused them) or bounced (a report came back)."""
    with ctx.db.transaction() as session:
        rows = session.execute(
            select(Mail.updated_at, Mail.recipient, Mail.subject, Mail.status, Mail.last_error,
                   Dossier.reference)
            .outerjoin(Dossier, Dossier.id == Mail.dossier_id)
            .where(Mail.status.in_(("failed", "bounced")))
            .order_by(Mail.updated_at.desc()).limit(limit)).all()
    return [UndeliveredMail(at, recipient, subject, status, reason or "", reference)
            for at, recipient, subject, status, reason, reference in rows]
