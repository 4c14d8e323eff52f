"""The mail outbox: every e-mail is a row first, unique per cause, recipient and purpose.

``queue_mail`` writes the row and its outbox message in the caller's transaction; ``send_mail`` is
the mail queue's handler. It claims the row for a lease of ``mail_claim_timeout_seconds``, hands
the message to the transport, which must be done within three quarters of the lease, and marks it
sent the moment the server accepts it. A claim older than the lease belongs to a worker that died:
it is taken again. A mail goes twice only when the server took it but the row could not say so: the
worker died between the server's acceptance and the marking, or the server never answered the
message's end. The resend carries the same ``Message-ID``, fixed by the row, so mail clients and
servers recognise it as the same message.
"""

from __future__ import annotations

import binascii
import html
import re
import time
from datetime import timedelta
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import Connection, Row, Update, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pipeline.context import PermanentMailError, PipelineContext, TemporaryMailError
from pipeline.domain.queues import MAIL_QUEUE, SEND_ACTOR
from pipeline.mail.replies.addresses import (
    bounce_address,
    message_id,
    new_token,
    reply_address,
    token_digest,
)
from pipeline.store.db import add_message, upsert_ignore
from pipeline.store.model import (
    Blob,
    Dossier,
    DossierDocument,
    FailedWork,
    Mail,
    ReplyToken,
    new_id,
)

#: UTF-8 for headers (the subject): encoded words, the shorter of Q and B.
UTF8 = Charset("utf-8")
#: The HTML alternative in base64: nobody reads it raw, and Python encodes it in C (the pure
#: Python quoted-printable encoder cost more than the rest of building the message).
UTF8_BASE64 = Charset("utf-8")
UTF8_BASE64.body_encoding = BASE64
#: SMTP wants CRLF line ends.
WIRE = compat32.clone(linesep="\r\n")
#: A mail the relay keeps refusing for the time being (connection errors, 4xx) is tried again
#: for this long, as mail servers do, then marked failed and shown to operators. Counting
#: attempts instead would give up within minutes of an outage: the reconciler sends waiting
#: mail again every few minutes on top of the broker's own retries.
GIVE_UP_AFTER = timedelta(days=2)
MAILS = Mail.__table__
#: A reply token works this long at most; closing the dossier revokes it sooner.
TOKEN_VALIDITY = timedelta(days=180)
#: The first mail to a recipient about a dossier: the later ones answer it (one thread).
THREAD_ROOT = (select(Mail.message_id)
               .where(Mail.dossier_id == bindparam("dossier_id"),
                      Mail.recipient == bindparam("recipient"))
               .order_by(Mail.created_at, Mail.id).limit(1))
LINK = re.compile(r"(https?://[^\s<>&\"]+)")


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
    dossier: Dossier | None = None,
    replies: str | None = None,
    user_id: int | None = None,
    attachment: DossierDocument | None = None,
) -> bool:
    """Write a mail and its send message unless the same (cause, recipient, purpose) exists.

    ``replies`` (``agent`` or ``citizen``) gives the mail a reply address of its own, whose token
    lets ``recipient`` answer about ``dossier``; None sends from the no-reply address.
    ``attachment``, a stored document, goes with the mail as a PDF.
    """
    now = ctx.clock.now()
    domain = ctx.settings.mail_domain
    recipient = recipient.strip()
    reference = dossier.reference if dossier is not None else "teledossier"
    mail_id = new_id()
    msg_id = message_id(reference, f"{cause}|{recipient.lower()}|{purpose}", domain)
    token = new_token() if replies and dossier is not None else None
    thread = (session.scalar(THREAD_ROOT, {"dossier_id": dossier.id, "recipient": recipient})
              if dossier is not None else None)
    inserted = upsert_ignore(
        session,
        Mail,
        id=mail_id,
        cause=cause,
        recipient=recipient,
        purpose=purpose,
        dossier_id=dossier.id if dossier is not None else None,
        commune_id=dossier.commune_id if dossier is not None else None,
        message_id=msg_id,
        sender=formataddr((sender_name, f"ne-pas-repondre@{domain}")),
        reply_to=reply_address(token, domain) if token else None,
        in_reply_to=thread,
        attachment_sha256=attachment.sha256 if attachment is not None else None,
        attachment_name=attachment.filename if attachment is not None else None,
        subject=subject,
        body_text=body,
        status="pending",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    if not inserted:
        return False
    if token and dossier is not None:
        session.execute(insert(ReplyToken.__table__).values(
            token_sha256=token_digest(token), message_id=msg_id, dossier_id=dossier.id,
            recipient=recipient.lower(), role=replies, user_id=user_id, created_at=now,
            expires_at=now + TOKEN_VALIDITY))
    add_message(session, MAIL_QUEUE, SEND_ACTOR, [mail_id], now)
    return True


def build_message(mail: Mail | Row[Any], attachment: bytes | None = None) -> bytes:
    """The RFC 5322 message of a mail row, CRLF-terminated; the same row gives the same bytes.

    Plain text and its HTML rendering as alternatives, and the row's document (its bytes given
    by the caller) as a PDF attachment. Built with the email package's compat32 classes: on the
    send path they cost a fraction of ``EmailMessage``'s header registry.
    """
    alternatives = MIMEMultipart("alternative", boundary=f"=_td_{mail.id}")
    alternatives.attach(_plain_text(mail.body_text))
    alternatives.attach(MIMEText(text_to_html(mail.body_text, mail.subject), "html",
                                 UTF8_BASE64))
    if attachment is None:
        message = alternatives
    else:
        message = MIMEMultipart("mixed", boundary=f"=_td_mixed_{mail.id}")
        message.attach(alternatives)
        document = MIMEApplication(attachment, "pdf")
        document.add_header("Content-Disposition", "attachment",
                            filename=mail.attachment_name or "document.pdf")
        message.attach(document)
    message["From"] = mail.sender
    message["To"] = mail.recipient
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = Header(mail.subject, UTF8, header_name="Subject")
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    message["Content-Language"] = "fr"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    return message.as_bytes(policy=WIRE)


def _plain_text(text: str) -> MIMENonMultipart:
    """The text alternative: UTF-8 in quoted-printable, readable raw and safe for 7-bit relays.

    Encoded by ``binascii`` in C: the same bytes as the email package's pure Python encoder,
    which cost more than the rest of building the message.
    """
    part = MIMENonMultipart("text", "plain", charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii"))
    return part


def text_to_html(text: str, title: str) -> str:
    """The HTML alternative: the same words, paragraphs and links, nothing more."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [LINK.sub(r'<a href="\1">\1</a>', html.escape(line, quote=True))
                 for line in block.splitlines()]
        paragraphs.append(f"<p>{'<br>'.join(lines)}</p>")
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>"
            f'<body style="font-family:sans-serif;line-height:1.4">{"".join(paragraphs)}'
            f"</body></html>")


#: Take a mail for sending: pending, or claimed by a worker whose lease has run out.
CLAIM = (
    update(MAILS)
    .where(MAILS.c.id == bindparam("mail_id"))
    .where(or_(MAILS.c.status == "pending",
               and_(MAILS.c.status == "sending", MAILS.c.updated_at < bindparam("stale"))))
    .values(status="sending", attempts=MAILS.c.attempts + 1, updated_at=bindparam("now"))
    .returning(*MAILS.c)
)
ATTACHMENT = select(Blob.content).where(Blob.sha256 == bindparam("sha256"))
#: The server took the mail; built once, as nothing but this statement may come between.
MARK_SENT = (
    update(MAILS)
    .where(MAILS.c.id == bindparam("mail_id"))
    .values(status="sent", transport=bindparam("transport"), sent_at=bindparam("at"),
            updated_at=bindparam("at"))
)
#: Once sent, the reply address lives on only in the recipient's mailbox (the token table keeps
#: a digest); the built-in catcher keeps it, as it shows the mail and its reply form.
MARK_SENT_FORGET_REPLY_TO = MARK_SENT.values(reply_to=None)
#: The part of the lease the transport may spend; the rest covers marking the row, and clocks
#: a little apart between the machines, before another worker may take the mail over.
SENDING_SHARE = 0.75


def send_mail(mail_id: str, ctx: PipelineContext) -> None:
    """Send one mail once; safe to run twice, and after a crash at any point."""
    lease = ctx.settings.mail_claim_timeout_seconds
    deadline = time.monotonic() + lease * SENDING_SHARE
    now = ctx.clock.now()
    # One connection from the claim to the marking: once the server has accepted, the marking
    # is one statement on a connection already open, a single round trip on PostgreSQL.
    with ctx.db.autocommit() as connection:
        mail = connection.execute(CLAIM, {"mail_id": mail_id, "now": now,
                                          "stale": now - timedelta(seconds=lease)}).first()
        connection.commit()
        if mail is None:
            return  # sent, failed, or being sent by another worker
        attachment = None
        if mail.attachment_sha256:
            attachment = connection.scalar(ATTACHMENT, {"sha256": mail.attachment_sha256})
            connection.commit()
        message = build_message(mail, attachment)
        transport = ctx.mail_transport
        mark = MARK_SENT if transport.name == "catcher" else MARK_SENT_FORGET_REPLY_TO
        try:
            transport.send(bounce_address(mail.id, ctx.settings.mail_domain), mail.recipient,
                           message, deadline)
        except TemporaryMailError as error:
            if now - mail.created_at < GIVE_UP_AFTER:
                _put_back(ctx, mail_id, str(error))
                raise  # the broker tries again later, with backoff
            _fail(ctx, mail, f"{mail.attempts} essais en {GIVE_UP_AFTER.days} jours sans "
                             f"succès ; dernier : {error}")
            return
        except PermanentMailError as error:
            _fail(ctx, mail, f"refusé par le serveur de courrier : {error}")
            return
        _mark_sent(ctx, connection, mark, mail_id, transport.name)


def _mark_sent(ctx: PipelineContext, connection: Connection, mark: Update, mail_id: str,
               transport: str) -> None:
    values = {"mail_id": mail_id, "transport": transport, "at": ctx.clock.now()}
    try:
        connection.execute(mark, values)
        connection.commit()
    except DBAPIError:
        # The connection held through the exchange may have gone with a database restart (the
        # error empties the pool): the mail is sent, so say it on a new connection.
        connection.rollback()
        with ctx.db.connect() as fresh:
            fresh.execute(mark, values)


def _put_back(ctx: PipelineContext, mail_id: str, error: str) -> None:
    """Leave the mail pending, with the relay's answer, for the broker's next try."""
    with ctx.db.connect() as connection:
        connection.execute(update(MAILS).where(MAILS.c.id == mail_id).values(
            status="pending", last_error=error[:2000], updated_at=ctx.clock.now()))


def _fail(ctx: PipelineContext, mail: Row[Any], reason: str) -> None:
    """Give up on a mail: marked failed and listed with the failed work, where it is replayed."""
    now = ctx.clock.now()
    with ctx.db.connect() as connection:
        connection.execute(update(MAILS).where(MAILS.c.id == mail.id).values(
            status="failed", last_error=reason[:2000], updated_at=now))
        connection.execute(insert(FailedWork.__table__).values(
            queue=MAIL_QUEUE, actor=SEND_ACTOR, args=[mail.id], message_id=mail.id,
            dossier_id=mail.dossier_id, reason=reason, attempts=mail.attempts, failed_at=now))
