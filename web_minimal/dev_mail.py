"""/dev/mail: the built-in catcher's mailbox, to read outgoing mail and answer it without a server.

Registered only when no SMTP relay is configured, and answering only clients on the machine
itself (``teledossier up --host 0.0.0.0`` does not publish everyone's mail). A reply written
here is built as the RFC 822 message a mail client would send, and goes through the same inbound
path as one received by the gateway's SMTP server.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import func, select

from pipeline.context import PipelineContext
from pipeline.domain.attachments import sniff_media_type
from pipeline.domain.clock import PARIS
from pipeline.domain.clock import paris_time as in_paris
from pipeline.mail.outbox import LINK
from pipeline.mail.replies.charsets import decoded_header
from pipeline.mail.replies.receive import InboundTooLarge, receive_mail
from pipeline.store.model import InboundMail, Mail

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")
SHOWN = 200
#: Every mail of the installation is readable here: only from the machine itself.
LOOPBACK = frozenset({"127.0.0.1", "::1"})


@bp.before_request
def only_from_this_machine() -> None:
    if request.remote_addr not in LOOPBACK:
        abort(404)


def _ctx() -> PipelineContext:
    return current_app.extensions["teledossier"].ctx


@bp.get("/")
def index() -> str:
    """Every mail kept by the catcher, newest first, and what came back in."""
    with _ctx().db.transaction() as session:
        mails = session.scalars(select(Mail).order_by(Mail.created_at.desc()).limit(SHOWN)).all()
        total = session.scalar(select(func.count()).select_from(Mail)) or 0
        inbound = session.scalars(select(InboundMail).order_by(InboundMail.received_at.desc())
                                  .limit(50)).all()
        return render_template("dev_mail/list.html", mails=mails, total=total,
                               inbound_mails=inbound)


@bp.get("/<mail_id>")
def show(mail_id: str) -> str:
    """One mail as its recipient reads it, with a form to answer it."""
    with _ctx().db.transaction() as session:
        mail = session.get(Mail, mail_id) or abort(404)
        return render_template("dev_mail/show.html", mail=mail, quoted=_quoted(mail),
                               sent=request.args.get("envoye", ""))


@bp.post("/<mail_id>/repondre")
def reply(mail_id: str) -> Response:
    """Send the answer through the gateway's inbound path, as a mail client would."""
    ctx = _ctx()
    with ctx.db.transaction() as session:
        mail = session.get(Mail, mail_id) or abort(404)
        if not mail.reply_to:
            abort(400, description="Ce courriel n'attend pas de réponse.")
        raw = _reply_message(mail, request.form.get("from", "").strip(),
                             request.form.get("body", ""), ctx.settings.mail_domain)
    try:
        received = receive_mail(ctx, raw, source="catcher",
                                envelope_from=request.form.get("from", ""),
                                envelope_to=mail.reply_to or "")
    except InboundTooLarge as error:
        abort(413, description=f"Réponse trop volumineuse : {error}")
    return redirect(f"{request.script_root}/dev/mail/{mail_id}?envoye={received.inbound_id}",
                    code=303)


def _reply_message(mail: Mail, sender: str, body: str, domain: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.reply_to
    message["Subject"] = f"RE: {mail.subject}"
    message["Date"] = format_datetime(datetime.now(PARIS))
    message["Message-ID"] = make_msgid(domain="dev-mail." + domain)
    message["In-Reply-To"] = mail.message_id
    message["References"] = " ".join(filter(None, (mail.in_reply_to, mail.message_id)))
    message.set_content(body.replace("\r\n", "\n"))
    upload = request.files.get("attachment")
    if upload is not None and upload.filename:
        content = upload.read()
        maintype, _, subtype = (sniff_media_type(content) or
                                "application/octet-stream").partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype,
                               filename=upload.filename)
    return message.as_bytes()


def _quoted(mail: Mail) -> str:
    """The mail quoted below an empty first line, as a mail client prepares an answer."""
    when = mail.created_at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
    quoted = "\n".join(f"> {line}" if line else ">" for line in mail.body_text.splitlines())
    return f"\n\nLe {when}, {decoded_header(mail.sender)} a écrit :\n{quoted}\n"


def paris_time(value: datetime | None) -> str:
    """The pages' filter ``paris``: every instant in one format (``pipeline.domain.clock``)."""
    return in_paris(value) if value else ""


def with_links(text: str) -> Markup:
    """The mail's text, escaped, its addresses made links (as a mail client shows them)."""
    return Markup(LINK.sub(r'<a href="\1">\1</a>', str(escape(text))))
