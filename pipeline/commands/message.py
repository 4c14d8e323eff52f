"""Messages about a dossier between the commune and the citizen: recorded on it and mailed.

The same for every channel: the citizen's tableau de bord de suivi and the agents' page
(``web``), and a reply to one of the commune's mails (``email``, read by the inbound-mail
handler). A message never changes the state.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH, free_text_error
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import agent_url, follow_url
from pipeline.mail.recipients import agent_recipients
from pipeline.mail.replies import templates
from pipeline.mail.wording import sender_name
from pipeline.store.dossiers import lock_dossier
from pipeline.store.model import Dossier, HistoryEntry

#: The name the agents' mails come from (the national service's team).
TEAM_NAME = "Suivi des démarches en ligne"
#: A message longer than this is surely not typed: refused rather than stored.
MAX_MESSAGE_CHARS = FREE_TEXT_MAX_LENGTH


class MessageRefused(ValueError):
    """The message cannot be sent; the text says why, in French, for the citizen."""


def relay_to_agents(session: Session, ctx: PipelineContext, dossier: Dossier, text: str, *,
                    channel: str, cause: str | None = None,
                    attachment_names: list[str] | None = None) -> HistoryEntry:
    """Record the citizen's message on the locked dossier and mail it to each agent recipient.

    ``cause`` names the event for the mails (default: the new history entry); a reply by mail
    passes the received message's id, so handling it twice sends nothing twice.
    """
    entry = dossier.note_message(at=ctx.clock.now(), actor=dossier.citizen_email,
                                 channel=channel, text=text)
    subject, body = templates.message_to_agents(dossier, text, attachment_names or [],
                                                agent_url(ctx, dossier))
    for recipient, user_id in agent_recipients(session, ctx, dossier):
        queue_mail(session, ctx, cause=cause or dossier.cause(entry.seq), recipient=recipient,
                   purpose="message_to_agents", subject=subject, body=body,
                   sender_name=TEAM_NAME, dossier=dossier, replies="agent", user_id=user_id)
    return entry


def message_citizen(session: Session, ctx: PipelineContext, dossier: Dossier, text: str, *,
                    actor: str, channel: str, cause: str | None = None,
                    deposited: list[str] | None = None) -> HistoryEntry:
    """Record an agent's message on the locked dossier and mail it to the citizen, who may answer.

    ``cause`` as for ``relay_to_agents``; ``deposited`` names the files deposited with it.
    """
    entry = dossier.note_message(at=ctx.clock.now(), actor=actor, channel=channel, text=text)
    subject, body = templates.message_to_citizen(dossier, text, deposited or [],
                                                 follow_url(ctx, dossier))
    queue_mail(session, ctx, cause=cause or dossier.cause(entry.seq),
               recipient=dossier.citizen_email, purpose="message_to_citizen", subject=subject,
               body=body, sender_name=sender_name(dossier), dossier=dossier, replies="citizen")
    return entry


def send_citizen_message(ctx: PipelineContext, dossier_id: str, text: str) -> HistoryEntry:
    """The citizen wrote to the commune from the web: MessageRefused when it cannot go."""
    text = text.strip()
    if not text:
        raise MessageRefused("Écrivez votre message avant de l'envoyer.")
    if free_text_error(text, "message"):
        raise MessageRefused(f"Votre message dépasse {MAX_MESSAGE_CHARS} caractères : "
                             "raccourcissez-le.")
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        if dossier.closed_at is not None:
            # The commune's reply addresses are revoked at closure too: the file is finished.
            raise MessageRefused("Ce dossier est clos : pour toute question, contactez "
                                 "directement la mairie.")
        return relay_to_agents(session, ctx, dossier, text, channel="web")
