"""Delivery status notifications (RFC 3464): read them, and mark the mail they report bounced."""

from __future__ import annotations

import email
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.policy import compat32

from sqlalchemy import update
from sqlalchemy.orm import Session

from pipeline.store.model import Mail

MAILS = Mail.__table__


@dataclass(frozen=True)
class DeliveryReport:
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def failed(self) -> bool:
        """Only a final failure bounces a mail; ``delayed`` and ``delivered`` reports do not."""
        return self.action == "failed" or self.status.startswith("5.")


def read_delivery_report(raw: bytes) -> DeliveryReport | None:
    """The first recipient's report of a ``multipart/report`` message, None for anything else."""
    message = email.message_from_bytes(raw, policy=compat32)
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            return None
        for block in blocks[1:] or blocks:
            if isinstance(block, Message) and block.get("Action"):
                return DeliveryReport(
                    recipient=_address(block.get("Final-Recipient", "")
                                       or block.get("Original-Recipient", "")),
                    action=str(block.get("Action", "")).strip().lower(),
                    status=str(block.get("Status", "")).strip(),
                    diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split())[:500])
    return None


def _address(field: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org``."""
    return str(field).partition(";")[2].strip().strip("<>").lower() or str(field).strip().lower()


def mark_bounced(session: Session, mail_id: str, report: DeliveryReport, at: datetime) -> bool:
    """Mark a sent mail bounced with the report's reason; False when no such sent mail exists."""
    reason = f"non remis ({report.status or report.action}) : {report.diagnostic}".strip()
    done = session.execute(update(MAILS).where(MAILS.c.id == mail_id,
                                               MAILS.c.status.in_(("sent", "bounced")))
                           .values(status="bounced", bounced_at=at, last_error=reason[:2000],
                                   updated_at=at))
    return bool(done.rowcount)
