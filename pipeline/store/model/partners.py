"""Partners' webhooks: the addresses each API token registered, and every call made to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base, NumberKey, UuidKey


class Webhook(Base):
    """An address a partner's token asked to be called at on each change of its commune's
    dossiers; the calls are signed with ``secret`` (HMAC-SHA256), kept to sign them."""

    __tablename__ = "webhooks"

    id: Mapped[NumberKey]
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One call of a webhook about one step of a dossier: made until the partner answers 2xx,
    once; its id goes with it so that the partner recognises a call made twice."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "dossier_id", "seq"),
        Index("ix_webhook_deliveries_status", "status", "updated_at"),
    )

    id: Mapped[UuidKey]
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    #: The history step the call reports.
    seq: Mapped[int] = mapped_column(Integer)
    #: The JSON body, fixed when the step happened.
    payload: Mapped[str] = mapped_column(Text)
    #: ``pending`` → ``sending`` → ``delivered`` | ``failed``; ``cancelled`` when the webhook
    #: was removed (or its token revoked) before the call was made.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
