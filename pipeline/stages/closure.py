"""Closure stage: close the dossier, tell the citizen the outcome, start the retention clock."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.commands.deposit import deposit_document
from pipeline.context import PipelineContext
from pipeline.documents import render_refus
from pipeline.documents.stored import dossier_facts, signing_identity, store_document
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import ILE
from pipeline.domain.lifecycle import AGENT_ACTIONS, REGISTER_ENTRY, Action, Outcome, Stage
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.pages import follow_url
from pipeline.mail.replies.tokens import revoke_dossier_tokens
from pipeline.mail.wording import sender_name
from pipeline.store.dossiers import lock_stage
from pipeline.store.model import Dossier, DossierDocument, HistoryEntry

#: What the closing mail reports: the agents' decision, or the request's entry in the register.
DECIDING = [action.value for action in (*AGENT_ACTIONS, REGISTER_ENTRY)]


def close_dossier(dossier_id: str, ctx: PipelineContext) -> None:
    """Close once; the agent's decision comment goes to the citizen in the same e-mail."""
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.CLOSURE)
        if dossier is None:
            return  # done by an earlier run, or parked
        decision = session.scalars(
            select(HistoryEntry).where(HistoryEntry.dossier_id == dossier.id,
                                       HistoryEntry.action.in_(DECIDING))
            .order_by(HistoryEntry.seq.desc()).limit(1)).one()
        entry = dossier.apply(Action.CLOSE, at=ctx.clock.now(), actor="system",
                              channel="pipeline")
        revoke_dossier_tokens(session, dossier.id, ctx.clock.now())
        notice = None
        if dossier.outcome_enum is Outcome.REFUSED and dossier.demarche == ILE.id:
            notice = _refusal_notice(session, ctx, dossier, decision)
        subject, body = wording.closed(dossier, decision.comment, follow_url(ctx, dossier),
                                       registered=decision.action == REGISTER_ENTRY.value)
        queue_mail(session, ctx, cause=dossier.cause(entry.seq), recipient=dossier.citizen_email,
                   purpose="closed", subject=subject, body=body,
                   sender_name=sender_name(dossier), dossier=dossier, attachment=notice)


def _refusal_notice(session: Session, ctx: PipelineContext, dossier: Dossier,
                    decision: HistoryEntry) -> DossierDocument:
    """The ILE refusal notice (motive, and the prior appeal to the commission de contrôle),
    sent with the closing mail and deposited in the confidential space."""
    identity = signing_identity(session, ctx, dossier.commune)
    pdf = render_refus(dossier_facts(dossier), motive=decision.comment,
                       decided_on=decision.at.astimezone(PARIS).date(),
                       mayor_name=identity.mayor_name)
    notice = store_document(session, ctx, dossier, "refus", pdf)
    deposit_document(session, ctx, dossier, notice)
    return notice
