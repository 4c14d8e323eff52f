"""Agent notification stage: tell the commune's service that a dossier awaits them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import Action, Stage
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import agent_url
from pipeline.mail.recipients import agent_recipients
from pipeline.store.dossiers import attachment_infos, demarche_of, finish_stage, lock_stage
from pipeline.store.model import Dossier, HistoryEntry


def notify_agents(dossier_id: str, ctx: PipelineContext) -> None:
    """Queue the notification to the service mailbox and to each agent who asked for it."""
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.NOTIFICATION)
        if dossier is None:
            return  # done by an earlier run, or parked
        subject, body = wording.agent_notification(
            dossier, demarche_of(dossier), agent_url(ctx, dossier),
            attachment_infos(session, dossier.id), completion=completion_note(session, dossier))
        # Who asked for notifications changes rarely: a minute's delay is fine.
        for recipient, user_id in agent_recipients(session, ctx, dossier):
            # The stage runs once per transmission (``finish_stage`` below): its step names
            # the cause.
            queue_mail(session, ctx, cause=dossier.cause(), recipient=recipient,
                       purpose="agent_notification", subject=subject, body=body,
                       sender_name="Suivi des démarches en ligne", dossier=dossier,
                       replies="agent", user_id=user_id)
        finish_stage(dossier, Stage.NOTIFICATION, ctx.clock.now())


def completion_note(session: Session, dossier: Dossier) -> str | None:
    """The citizen's note when this transmission follows a completion, else None (a filing)."""
    last = session.execute(
        select(HistoryEntry.action, HistoryEntry.comment)
        .where(HistoryEntry.dossier_id == dossier.id,
               HistoryEntry.action.in_((Action.SUBMIT.value, Action.COMPLETE.value)))
        .order_by(HistoryEntry.seq.desc()).limit(1)).first()
    if last is None or last.action != Action.COMPLETE.value:
        return None
    return last.comment
