"""The inbound-mail handler: act on a reply received by the mail gateway, or log why it did not.

Not a stage of a dossier: the mail side's ``inbound`` queue carries it (``pipeline.flow``).

Every received message ends in one of: ``applied`` (an agent's command), ``message`` (relayed
between agent and citizen), ``rejected`` (with the reason), ``ignored`` (automatic mail, never
answered), ``bounce`` (a delivery report marked its mail bounced), ``suggested`` (a near-command
held until the agent confirms it), ``answered`` (a held near-command once confirmed or dropped).
The outcome, the dossier's change and the mails it causes commit together; a message already
handled is left alone.

Who may use a reply address is ``pipeline.mail.replies.ownership``'s rule, which the gateway's
SMTP server applies too. Nothing is ever sent to an address that does not own the token it used
(no backscatter): the owner is told instead. Rejections to the legitimate sender are limited to
one per sender and reason per day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from pipeline.commands.act import apply_action
from pipeline.commands.deposit import deposit_files, deposit_for_citizen
from pipeline.commands.message import message_citizen, relay_to_agents
from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH, free_text_error
from pipeline.domain.lifecycle import ACTION_LABELS, Action, IllegalTransition
from pipeline.mail.outbox import queue_mail
from pipeline.mail.replies import templates
from pipeline.mail.replies.bounces import mark_bounced, read_delivery_report
from pipeline.mail.replies.near_commands import answer_alone
from pipeline.mail.replies.ownership import (
    answered_token,
    bounced_mail_id,
    ownership_problem,
    sender_authenticated,
)
from pipeline.mail.replies.reply import Reply, read_reply
from pipeline.mail.replies.tokens import token_problem
from pipeline.store.dossiers import lock_dossier
from pipeline.store.model import Commune, Dossier, InboundMail, Mail, ReplyToken, User

TEAM_NAME = "Suivi des démarches en ligne"
LOCK_INBOUND = (select(InboundMail).where(InboundMail.id == bindparam("inbound_id"))
                .with_for_update())
#: The mail that asks an agent to confirm a near-command; its reply address takes the answer.
CONFIRMATION_PURPOSE = "reply_confirm"
#: How long a held near-command waits for its ``oui``: the confirmation's reply address stops
#: working then, and the suggestion with it.
CONFIRMATION_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class Verdict:
    status: str
    outcome: str
    dossier_id: str | None = None


def handle_inbound(inbound_id: str, ctx: PipelineContext) -> None:
    """Handle one received message once; safe to run twice."""
    with ctx.db.transaction() as session:
        row = session.scalars(LOCK_INBOUND, {"inbound_id": inbound_id}).one_or_none()
        if row is None or row.status != "queued":
            return
        reply = read_reply(row.raw, mail_domain=ctx.settings.mail_domain)
        verdict = _judge(session, ctx, row, reply)
        row.status, row.outcome = verdict.status, verdict.outcome[:2000]
        row.dossier_id = verdict.dossier_id
        row.processed_at = ctx.clock.now()


def _judge(session: Session, ctx: PipelineContext, row: InboundMail, reply: Reply) -> Verdict:
    bounce_of = bounced_mail_id(reply, row.envelope_to, ctx.settings.mail_domain)
    if bounce_of:
        return _bounce(session, ctx, bounce_of, row.raw)
    if reply.unreadable:
        return Verdict("rejected", reply.unreadable)
    if reply.automatic:
        return Verdict("ignored", f"message automatique ({reply.automatic}) : pas de réponse")
    if row.source == "smtp" and not row.envelope_from:
        # The null sender (MAIL FROM:<>) is for messages that must never be answered.
        return Verdict("ignored", "expéditeur d'enveloppe vide (message automatique)")
    token = answered_token(session, reply)
    if token is None:
        _reject_unknown(session, ctx, reply, "adresse de réponse inconnue")
        return Verdict("rejected", "adresse de réponse inconnue")
    dossier = lock_dossier(session, token.dossier_id)
    not_owner = ownership_problem(token, reply, ctx.settings)
    if not_owner:
        _tell_owner(session, ctx, token, dossier, reply.sender, not_owner)
        return Verdict("rejected", f"{reply.sender or 'expéditeur inconnu'} : {not_owner}",
                       dossier.id)
    now = ctx.clock.now()
    problem = token_problem(token, now)
    if problem:
        _reject_once_a_day(session, ctx, reply.sender, problem, dossier)
        return Verdict("rejected", problem, dossier.id)
    if free_text_error(reply.text, "message"):
        # Trimmed of the quoted original: this is what the person wrote, and it would reach
        # the other side whole. Said to the verified sender, once for this reply.
        reason = (f"la réponse dépasse {FREE_TEXT_MAX_LENGTH} caractères "
                  f"({len(reply.text)} reçus) : raccourcissez-la")
        _reject(session, ctx, row, reply.sender, dossier, reason)
        return Verdict("rejected", reason, dossier.id)
    if token.role == "citizen":
        return _from_citizen(session, ctx, row, reply, dossier)
    actor = _agent_actor(session, token)
    if actor is None:
        _reject_once_a_day(session, ctx, reply.sender, "ce compte agent est désactivé", dossier)
        return Verdict("rejected", "compte agent désactivé", dossier.id)
    held = _near_command_or_answer(session, ctx, row, reply, dossier, actor, token)
    return held or _from_agent(session, ctx, row, reply, dossier, actor)


def _bounce(session: Session, ctx: PipelineContext, mail_id: str, raw: bytes) -> Verdict:
    report = read_delivery_report(raw)
    if report is None or not report.failed:
        # Out-of-office replies go to the Return-Path too: they are not bounces.
        return Verdict("ignored", "message à l'adresse de rebond sans échec de remise")
    if not mark_bounced(session, mail_id, report, ctx.clock.now()):
        return Verdict("ignored", f"avis de non-remise pour un courriel inconnu ({mail_id})")
    return Verdict("bounce", f"non remis à {report.recipient or '?'} : "
                             f"{report.status} {report.diagnostic}".strip())


def _agent_actor(session: Session, token: ReplyToken) -> str | None:
    """The agent owning the address, or the service mailbox; None for a disabled account."""
    if token.user_id is None:
        return token.recipient
    user = session.get(User, token.user_id)
    return user.email if user is not None and user.active else None


def _from_citizen(session: Session, ctx: PipelineContext, row: InboundMail, reply: Reply,
                  dossier: Dossier) -> Verdict:
    """A citizen's reply is a message for the agents; it never acts."""
    relay_to_agents(session, ctx, dossier, reply.text, channel="email", cause=f"inbound:{row.id}",
                    attachment_names=[a.filename for a in reply.attachments])
    return Verdict("message", "message de l'usager transmis aux agents", dossier.id)


def _from_agent(session: Session, ctx: PipelineContext, row: InboundMail, reply: Reply,
                dossier: Dossier, actor: str) -> Verdict:
    told = "\n\n".join(part for part in (reply.argument, reply.comment) if part)
    if reply.command is None and not reply.text and not reply.attachments:
        _reject(session, ctx, row, reply.sender, dossier, "la réponse est vide")
        return Verdict("rejected", "réponse vide", dossier.id)
    if reply.command is not None:
        action = Action(reply.command)
        try:
            apply_action(session, ctx, dossier, action, actor=actor, channel="email",
                         comment=told)
        except IllegalTransition as error:
            reason = f"« {reply.command} » impossible : {error}"
            _reject(session, ctx, row, reply.sender, dossier, reason)
            return Verdict("rejected", reason, dossier.id)
    # Handling the same received message twice mails nothing twice: it is the mails' cause.
    cause = f"inbound:{row.id}"
    files = [(attachment.filename, attachment.content) for attachment in reply.attachments]
    if reply.command is None:
        deposited = deposit_files(session, ctx, dossier, files, kind="depot", by=actor)
        message_citizen(session, ctx, dossier, reply.text, actor=actor, channel="email",
                        cause=cause, deposited=deposited.names)
        what, told = "message transmis à l'usager", reply.text
    else:
        deposited = deposit_for_citizen(session, ctx, dossier, files, kind="depot", by=actor,
                                        cause=cause)
        what = ACTION_LABELS[Action(reply.command)].lower()
    refused = [f"{refusal.filename} : {refusal.reason}" for refusal in deposited.refused]
    subject, body = templates.reply_applied(dossier, what, told, refused)
    queue_mail(session, ctx, cause=cause, recipient=reply.sender, purpose="reply_applied",
               subject=subject, body=body, sender_name=TEAM_NAME, dossier=dossier,
               replies="agent", user_id=_user_id(session, reply.sender))
    summary = f"{reply.command or 'message'} par {actor}"
    if deposited.names:
        summary += f" ; déposé : {', '.join(deposited.names)}"
    return Verdict("applied" if reply.command else "message", summary, dossier.id)


def _user_id(session: Session, email: str) -> int | None:
    return session.scalar(select(User.id).where(User.email == email, User.active))


def _reject(session: Session, ctx: PipelineContext, row: InboundMail, sender: str,
            dossier: Dossier, reason: str) -> None:
    """Tell a verified agent why their reply changed nothing (once per reply)."""
    subject, body = templates.reply_rejected(dossier.reference, reason)
    queue_mail(session, ctx, cause=f"inbound:{row.id}", recipient=sender,
               purpose="reply_rejected", subject=subject, body=body, sender_name=TEAM_NAME,
               dossier=dossier)


def _reject_once_a_day(session: Session, ctx: PipelineContext, sender: str, reason: str,
                       dossier: Dossier | None) -> None:
    """At most one rejection per sender and reason per day: the mail's cause says so."""
    subject, body = templates.reply_rejected(dossier.reference if dossier else None, reason)
    queue_mail(session, ctx, cause=f"rejet:{_today(ctx.clock.now())}:{reason[:40]}",
               recipient=sender, purpose="reply_rejected", subject=subject, body=body,
               sender_name=TEAM_NAME, dossier=dossier)


def _reject_unknown(session: Session, ctx: PipelineContext, reply: Reply, reason: str) -> None:
    """An unknown token has no owner: answer only an address the installation knows."""
    sender = reply.sender
    if not sender or not _known_address(session, sender):
        return
    if not sender_authenticated(reply, ctx.settings):
        return
    _reject_once_a_day(session, ctx, sender, reason, None)


def _known_address(session: Session, address: str) -> bool:
    return (session.scalar(select(User.id).where(User.email == address, User.active)) is not None
            or session.scalar(select(Commune.id).where(func.lower(Commune.agents_email)
                                                       == address))
            is not None)


def _tell_owner(session: Session, ctx: PipelineContext, token: ReplyToken, dossier: Dossier,
                sender: str, why: str) -> None:
    """Someone else used the reply address: its owner hears of it (once a day per sender)."""
    subject, body = templates.foreign_sender(dossier, sender, why)
    who = hashlib.sha256(sender.encode()).hexdigest()[:16]
    queue_mail(session, ctx, cause=f"intrus:{token.id}:{who}:{_today(ctx.clock.now())}",
               recipient=token.recipient, purpose="foreign_sender", subject=subject, body=body,
               sender_name=TEAM_NAME, dossier=dossier)


def _today(at: datetime) -> str:
    return at.astimezone(PARIS).date().isoformat()


# --- near-commands: held, the agent asked to confirm, applied on « oui » ---------------------


def _near_command_or_answer(session: Session, ctx: PipelineContext, row: InboundMail,
                            reply: Reply, dossier: Dossier, actor: str,
                            token: ReplyToken) -> Verdict | None:
    """The verdict on an answer (``oui``/``non``) or a near-command; None for any other reply."""
    if reply.command is not None:
        return None
    if reply.answer:
        held = _held_reply(session, token)
        if held is not None:
            return _answer_held(session, ctx, row, reply, dossier, actor, held)
        if answer_alone(reply.text):
            reason = (f"« {reply.answer} » ne répond à rien : aucune commande n'attend de "
                      "confirmation pour ce courriel")
            _reject(session, ctx, row, reply.sender, dossier, reason)
            return Verdict("rejected", reason, dossier.id)
    if reply.suggestion is not None:
        return _hold_near_command(session, ctx, row, reply, dossier)
    return None


def _hold_near_command(session: Session, ctx: PipelineContext, row: InboundMail, reply: Reply,
                       dossier: Dossier) -> Verdict:
    """Nothing applied, nothing relayed: the agent is told what was understood and how to
    confirm it, from a mail whose reply address takes the answer."""
    assert reply.suggestion is not None
    understood = reply.text.split("\n", 1)[0].strip()[:80]
    expires = ctx.clock.now() + CONFIRMATION_VALIDITY
    subject, body = templates.confirm_suggestion(dossier, reply.suggestion, understood, expires,
                                                 attachments=len(reply.attachments))
    cause = f"inbound:{row.id}"
    queue_mail(session, ctx, cause=cause, recipient=reply.sender, purpose=CONFIRMATION_PURPOSE,
               subject=subject, body=body, sender_name=TEAM_NAME, dossier=dossier,
               replies="agent", user_id=_user_id(session, reply.sender))
    sent = select(Mail.message_id).where(Mail.cause == cause, Mail.recipient == reply.sender,
                                         Mail.purpose == CONFIRMATION_PURPOSE)
    session.execute(update(ReplyToken).where(ReplyToken.message_id.in_(sent))
                    .values(expires_at=expires))
    return Verdict("suggested", f"à confirmer : « {reply.suggestion.command} » (lu : "
                                f"« {understood} ») ; demande envoyée à {reply.sender}",
                   dossier.id)


def _held_reply(session: Session, token: ReplyToken) -> InboundMail | None:
    """The near-command whose confirmation mail carried ``token``, locked; None for a token of
    any other mail."""
    cause = session.scalar(select(Mail.cause).where(Mail.message_id == token.message_id,
                                                    Mail.purpose == CONFIRMATION_PURPOSE))
    if not cause or not cause.startswith("inbound:"):
        return None
    return session.scalars(LOCK_INBOUND, {"inbound_id": cause.removeprefix("inbound:")}
                           ).one_or_none()


def _answer_held(session: Session, ctx: PipelineContext, row: InboundMail, reply: Reply,
                 dossier: Dossier, actor: str, held: InboundMail) -> Verdict:
    if held.status != "suggested":
        reason = "cette demande de confirmation a déjà reçu une réponse"
        _reject(session, ctx, row, reply.sender, dossier, reason)
        return Verdict("rejected", reason, dossier.id)
    # The held reply is read again from its stored bytes: its command, comment and files are
    # those the agent was shown, and nothing of them had to be kept elsewhere.
    original = read_reply(held.raw, mail_domain=ctx.settings.mail_domain)
    suggestion = original.suggestion
    held.status = "answered"
    if reply.answer == "non" or suggestion is None:
        held.outcome = f"{held.outcome} ; abandonnée (« {reply.answer} »)"[:2000]
        subject, body = templates.suggestion_dropped(dossier)
        queue_mail(session, ctx, cause=f"inbound:{row.id}", recipient=reply.sender,
                   purpose="reply_applied", subject=subject, body=body, sender_name=TEAM_NAME,
                   dossier=dossier)
        return Verdict("applied", f"« {reply.answer} » : commande proposée abandonnée, rien "
                                  "n'a changé", dossier.id)
    held.outcome = f"{held.outcome} ; confirmée (« oui »)"[:2000]
    confirmed = replace(original, command=suggestion.command, argument=suggestion.argument,
                        comment=suggestion.comment, suggestion=None, sender=reply.sender)
    verdict = _from_agent(session, ctx, row, confirmed, dossier, actor)
    return replace(verdict, outcome=f"{verdict.outcome} (confirmé par « oui »)")
