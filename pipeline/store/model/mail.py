"""Mail both ways: the mails to send, the reply rights they carry, the messages received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base, Email, NumberKey, Sha256, UuidKey


class Mail(Base):
    """An e-mail to send: one row per causing event, recipient and purpose, sent once."""

    __tablename__ = "mails"
    __table_args__ = (
        UniqueConstraint("cause", "recipient", "purpose"),
        Index("ix_mails_status", "status", "updated_at"),
    )

    id: Mapped[UuidKey]
    cause: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[Email]
    purpose: Mapped[str] = mapped_column(String(40))
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    #: Fixed when the row is written, so a resend is recognisably the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[Email]
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    #: The Reply-To (``reponse+<token>@…``) of a mail that accepts replies, kept only until the
    #: mail is sent (the token table keeps a digest); None for a mail that takes no reply.
    reply_to: Mapped[Email | None]
    #: The Message-ID of the first mail of the thread (same dossier, same recipient), if not this.
    in_reply_to: Mapped[str | None] = mapped_column(String(200))
    #: ``pending`` → ``sending`` → ``sent`` | ``failed``; ``sent`` → ``bounced`` on a report.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: ``smtp`` or ``catcher`` once sent.
    transport: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    bounced_at: Mapped[datetime | None]
    #: A document sent with the mail (the récépissé, the refusal notice), from the blob store.
    attachment_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    attachment_name: Mapped[str | None] = mapped_column(String(255))


class ReplyToken(Base):
    """The right to act on a dossier by replying to one mail, held by the address it went to.

    Only the token's SHA-256 is stored. ``user_id`` names the agent it was issued to (None for the
    commune's service mailbox or the citizen, told apart by ``role``).
    """

    __tablename__ = "reply_tokens"

    id: Mapped[NumberKey]
    token_sha256: Mapped[Sha256] = mapped_column(unique=True)
    #: The Message-ID of the mail that carried it: a reply that lost its To is matched by it.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    recipient: Mapped[Email]
    #: ``agent`` (the service mailbox or an agent account) or ``citizen``.
    role: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class InboundMail(Base):
    """Every message the gateway received (SMTP or IMAP), kept with what was done with it."""

    __tablename__ = "inbound_mails"
    __table_args__ = (Index("ix_inbound_mails_received", "received_at"),)

    id: Mapped[UuidKey]
    #: The Message-ID, or ``sha256:<digest>`` of the raw bytes when it has none: a message
    #: delivered twice is stored once.
    identity: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``smtp``, ``imap`` or ``catcher`` (the /dev/mail reply form).
    source: Mapped[str] = mapped_column(String(10))
    envelope_from: Mapped[Email] = mapped_column(default="")
    envelope_to: Mapped[Email] = mapped_column(default="")
    sender: Mapped[Email] = mapped_column(default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    #: ``queued`` then ``applied`` | ``message`` | ``rejected`` | ``ignored`` | ``bounce``.
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: Why, in French, for operators: the command applied, the rejection's reason, …
    outcome: Mapped[str] = mapped_column(Text, default="")
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
