"""Closure stage: close the dossier, tell the citizen the outcome, start the retention clock."""

from __future__ import annotations

from pipeline import mail_templates
from pipeline.context import PipelineContext
from pipeline.lifecycle import AGENT_ACTIONS, Action, Stage
from pipeline.mail_outbox import queue_mail
from pipeline.stages.common import follow_url, lock_dossier, sender_name


def close_dossier(dossier_id: str, ctx: PipelineContext) -> None:
    """Close once; the agent's decision comment goes to the citizen in the same e-mail."""
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        if dossier.stage != Stage.CLOSURE:
            return
        decision = next(e for e in reversed(dossier.history) if e.action in AGENT_ACTIONS)
        entry = dossier.apply(Action.CLOSE, at=ctx.clock.now(), actor="system",
                              channel="pipeline")
        subject, body = mail_templates.closed(dossier, decision.comment, follow_url(ctx, dossier))
        queue_mail(session, ctx, cause=entry.id, recipient=dossier.citizen_email,
                   purpose="closed", subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier_id=dossier.id,
                   commune_id=dossier.commune_id)
