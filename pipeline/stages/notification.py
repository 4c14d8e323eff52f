"""Agent notification stage: tell the commune's service that a dossier awaits them."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pipeline import mail_templates
from pipeline.context import PipelineContext
from pipeline.lifecycle import Stage
from pipeline.mail_outbox import queue_mail
from pipeline.model import Dossier, User
from pipeline.stages.common import agent_url, attachment_infos, demarche_of, lock_stage

KEEN_AGENTS = (select(User.email, User.id)
               .where(User.commune_id == bindparam("commune_id"), User.active,
                      User.wants_notifications).order_by(User.id))


def agent_recipients(session: Session, ctx: PipelineContext,
                     dossier: Dossier) -> list[tuple[str, int | None]]:
    """The commune's service mailbox (no account), then each agent who asked for notifications."""
    # Who asked for notifications changes rarely: a minute's delay is fine.
    keen = ctx.cache.get(("keen agents", dossier.commune_id),
                         lambda: [tuple(row) for row in session.execute(
                             KEEN_AGENTS, {"commune_id": dossier.commune_id})])
    recipients: dict[str, int | None] = {dossier.commune.agents_email.lower(): None}
    for email, user_id in keen:
        recipients.setdefault(email.lower(), user_id)
    return list(recipients.items())


def notify_agents(dossier_id: str, ctx: PipelineContext) -> None:
    """Queue the notification to the service mailbox and to each agent who asked for it."""
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.NOTIFICATION)
        if dossier is None:
            return  # done by an earlier run, or parked
        subject, body = mail_templates.agent_notification(
            dossier, demarche_of(dossier), agent_url(ctx, dossier),
            attachment_infos(session, dossier.id))
        # Who asked for notifications changes rarely: a minute's delay is fine.
        for recipient, user_id in agent_recipients(session, ctx, dossier):
            # The stage runs once per transmission (``advance`` below): its step names the cause.
            queue_mail(session, ctx, cause=dossier.cause(), recipient=recipient,
                       purpose="agent_notification", subject=subject, body=body,
                       sender_name="Suivi des démarches en ligne", dossier=dossier,
                       replies="agent", user_id=user_id)
        dossier.advance(Stage.NOTIFICATION, None, ctx.clock.now())
