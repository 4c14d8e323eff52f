"""Closure stage: close the dossier, tell the citizen the outcome, start the retention clock."""

from __future__ import annotations

from sqlalchemy import select

from pipeline import mail_templates
from pipeline.context import PipelineContext
from pipeline.lifecycle import AGENT_ACTIONS, Action, Stage
from pipeline.mail_outbox import queue_mail
from pipeline.model import HistoryEntry
from pipeline.replies.tokens import revoke_dossier_tokens
from pipeline.stages.common import follow_url, lock_dossier, sender_name


def close_dossier(dossier_id: str, ctx: PipelineContext) -> None:
    """Close once; the agent's decision comment goes to the citizen in the same e-mail."""
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        if dossier.stage != Stage.CLOSURE:
            return
        decision = session.scalars(
            select(HistoryEntry).where(HistoryEntry.dossier_id == dossier.id,
                                       HistoryEntry.action.in_([a.value for a in AGENT_ACTIONS]))
            .order_by(HistoryEntry.seq.desc()).limit(1)).one()
        entry = dossier.apply(Action.CLOSE, at=ctx.clock.now(), actor="system",
                              channel="pipeline")
        revoke_dossier_tokens(session, dossier.id, ctx.clock.now())
        subject, body = mail_templates.closed(dossier, decision.comment, follow_url(ctx, dossier))
        queue_mail(session, ctx, cause=dossier.cause(entry.seq), recipient=dossier.citizen_email,
                   purpose="closed", subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier)
