"""The mail outbox: every e-mail is a row first, unique per cause, recipient and purpose.

``queue_mail`` writes the row and its outbox message in the caller's transaction; ``send_mail`` is
the mail queue's handler. It claims the row, hands the message to the transport, then marks it
sent. The window in between (server accepted, row not yet marked) is the only place a mail could go
twice: a claim older than ``mail_claim_timeout_seconds`` is taken again, and the resend carries the
same ``Message-ID``, fixed by the row, so mail clients and servers recognise it as the same message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, update
from sqlalchemy.orm import Session

from pipeline.context import PermanentMailError, PipelineContext, TemporaryMailError
from pipeline.db import add_message, upsert_ignore
from pipeline.model import FailedWork, Mail, new_id

#: UTF-8 bodies in quoted-printable: readable in the raw message, safe for 7-bit relays.
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP
#: SMTP wants CRLF line ends.
WIRE = compat32.clone(linesep="\r\n")
#: After this many failed attempts a mail is marked failed and shown to operators.
MAX_ATTEMPTS = 12
MAILS = Mail.__table__
MAIL_QUEUE = "mail"
SEND_ACTOR = "send_mail"


def queue_mail(
    session: Session,
    ctx: PipelineContext,
    *,
    cause: str,
    recipient: str,
    purpose: str,
    subject: str,
    body: str,
    sender_name: str,
    dossier_id: str | None = None,
    commune_id: int | None = None,
) -> bool:
    """Write a mail and its send message unless the same (cause, recipient, purpose) exists."""
    now = ctx.clock.now()
    mail_id = new_id()
    inserted = upsert_ignore(
        session,
        Mail,
        id=mail_id,
        cause=cause,
        recipient=recipient.strip(),
        purpose=purpose,
        dossier_id=dossier_id,
        commune_id=commune_id,
        message_id=f"<{mail_id}@{ctx.settings.mail_domain}>",
        sender=formataddr((sender_name, f"ne-pas-repondre@{ctx.settings.mail_domain}")),
        subject=subject,
        body_text=body,
        status="pending",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    if inserted:
        add_message(session, MAIL_QUEUE, SEND_ACTOR, [mail_id], now)
    return inserted


def build_message(mail: Mail | Row[Any]) -> bytes:
    """The RFC 5322 message of a mail row, CRLF-terminated; the same row gives the same bytes.

    Built with the email package's compat32 classes: on the send path they cost a fraction of
    ``EmailMessage``'s header registry, for the same result on plain French text.
    """
    message = Message()
    message["From"] = mail.sender
    message["To"] = mail.recipient
    message["Subject"] = Header(mail.subject, UTF8, header_name="Subject")
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message["MIME-Version"] = "1.0"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_payload(mail.body_text, UTF8)
    return message.as_bytes(policy=WIRE)


#: Take a mail for sending: pending, or claimed long ago by a worker that must have died.
CLAIM = (
    update(MAILS)
    .where(MAILS.c.id == bindparam("mail_id"))
    .where(or_(MAILS.c.status == "pending",
               and_(MAILS.c.status == "sending", MAILS.c.updated_at < bindparam("stale"))))
    .values(status="sending", attempts=MAILS.c.attempts + 1, updated_at=bindparam("now"))
    .returning(*MAILS.c)
)


def send_mail(mail_id: str, ctx: PipelineContext) -> None:
    """Send one mail once; safe to run twice, and after a crash at any point."""
    now = ctx.clock.now()
    stale = now - timedelta(seconds=ctx.settings.mail_claim_timeout_seconds)
    with ctx.db.connect() as connection:
        mail = connection.execute(CLAIM, {"mail_id": mail_id, "now": now, "stale": stale}).first()
    if mail is None:
        return  # sent, failed, or being sent by another worker
    envelope_from = f"rebond+{mail.id}@{ctx.settings.mail_domain}"
    try:
        ctx.mail_transport.send(envelope_from, mail.recipient, build_message(mail))
    except TemporaryMailError as error:
        if mail.attempts < MAX_ATTEMPTS:
            _mark(ctx, mail_id, "pending", error=str(error))
            raise  # the broker tries again later, with backoff
        _fail(ctx, mail, f"{mail.attempts} essais sans succès ; dernier : {error}")
        return
    except PermanentMailError as error:
        _fail(ctx, mail, f"refusé par le serveur de courrier : {error}")
        return
    _mark(ctx, mail_id, "sent", transport=ctx.mail_transport.name, sent_at=ctx.clock.now())


def _mark(ctx: PipelineContext, mail_id: str, status: str, *, error: str | None = None,
          transport: str | None = None, sent_at: datetime | None = None) -> None:
    values: dict[str, object] = {"status": status, "updated_at": ctx.clock.now()}
    if error is not None:
        values["last_error"] = error[:2000]
    if transport is not None:
        values["transport"] = transport
    if sent_at is not None:
        values["sent_at"] = sent_at
    with ctx.db.connect() as connection:
        connection.execute(update(MAILS).where(MAILS.c.id == mail_id).values(**values))


def _fail(ctx: PipelineContext, mail: Row[Any], reason: str) -> None:
    """Give up on a mail: marked failed and listed with the failed work, where it is replayed."""
    now = ctx.clock.now()
    with ctx.db.connect() as connection:
        connection.execute(update(MAILS).where(MAILS.c.id == mail.id).values(
            status="failed", last_error=reason[:2000], updated_at=now))
        connection.execute(insert(FailedWork.__table__).values(
            queue=MAIL_QUEUE, actor=SEND_ACTOR, args=[mail.id], message_id=mail.id,
            dossier_id=mail.dossier_id, reason=reason, attempts=mail.attempts, failed_at=now))
