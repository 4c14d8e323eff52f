"""Who may use a reply address: the one rule the SMTP gateway and the inbound handler share.

A reply acts only when it comes from the address its token was issued to and, where the
installation asks for it (``require_dmarc_pass``), when our own receiving server found DMARC
passing. The inbound handler applies the rule when it reads a stored message; the gateway's SMTP
server applies the same rule before answering DATA, so a reply the handler would reject for its
sender is refused there (550) instead of accepted in silence.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.mail.replies.addresses import mail_id_from_bounce_address
from pipeline.mail.replies.reply import Reply
from pipeline.mail.replies.tokens import find_reply_token
from pipeline.settings import Settings
from pipeline.store.model import ReplyToken


def sender_authenticated(reply: Reply, settings: Settings) -> bool:
    """Whether the sender passed DMARC, or the installation does not ask for it."""
    return not settings.require_dmarc_pass or reply.dmarc_passed(settings.authserv_id)


def ownership_problem(token: ReplyToken, reply: Reply, settings: Settings) -> str | None:
    """Why the reply's sender may not use ``token``, in French; None when it may."""
    if reply.sender != token.recipient:
        return "cette adresse n'est pas celle à qui le courriel a été envoyé"
    if not sender_authenticated(reply, settings):
        return "l'expéditeur n'est pas authentifié (DMARC)"
    return None


def answered_token(session: Session, reply: Reply) -> ReplyToken | None:
    """The token a reply answers: its reply address, else the mail it names as answered."""
    return find_reply_token(session, reply.token, reply.references)


def bounced_mail_id(reply: Reply, envelope_to: str, mail_domain: str) -> str | None:
    """The mail a delivery report is about, by its envelope recipient or its headers."""
    return mail_id_from_bounce_address(envelope_to, mail_domain) or reply.bounce_mail_id


def sender_refusal(ctx: PipelineContext, reply: Reply, *, envelope_from: str,
                   envelope_to: str) -> str | None:
    """For the SMTP server: why the handler will reject this reply for its sender, or None.

    A machine's mail (a bounce, an auto-reply, the null sender) is never refused: the handler
    logs and ignores it, and a refusal would only bounce back. Neither is a reply whose token is
    unknown (the server refused its address at RCPT already, or it lost our address).
    """
    if (not envelope_from or reply.unreadable or reply.automatic
            or bounced_mail_id(reply, envelope_to, ctx.settings.mail_domain)):
        return None
    with ctx.db.transaction() as session:
        token = answered_token(session, reply)
        return ownership_problem(token, reply, ctx.settings) if token is not None else None
