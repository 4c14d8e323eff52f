"""The reconciler: re-send the work of dossiers, mails and webhook calls that have not moved for
too long.

The database is the truth and the broker only a courier: a message lost to a crash, a broker
restart or an in-process queue that died with its process leaves a dossier with a ``stage`` whose
time is long past. The reconciler writes that stage's message again; handlers are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from pipeline.context import PipelineContext
from pipeline.domain.queues import DELIVER_ACTOR, MAIL_QUEUE, SEND_ACTOR, WEBHOOK_QUEUE
from pipeline.store.db import add_message, add_stage_message
from pipeline.store.model import Dossier, Mail, WebhookDelivery

#: At most this many dossiers or mails are nudged per pass, to keep transactions short.
BATCH = 500


@dataclass(frozen=True)
class ReconcileReport:
    dossiers: int
    mails: int
    webhooks: int = 0


def reconcile(ctx: PipelineContext) -> ReconcileReport:
    """One pass: nudge stuck dossiers and mails; safe with many reconcilers at once."""
    now = ctx.clock.now()
    stale = now - timedelta(seconds=ctx.settings.stuck_after_seconds)
    claim_stale = now - timedelta(seconds=ctx.settings.mail_claim_timeout_seconds)
    with ctx.db.transaction() as session:
        stuck = session.execute(
            select(Dossier.id, Dossier.stage)
            .where(Dossier.stage.is_not(None), Dossier.stage_failed_at.is_(None),
                   Dossier.stage_since < stale,
                   or_(Dossier.stage_nudged_at.is_(None), Dossier.stage_nudged_at < stale))
            .limit(BATCH).with_for_update(skip_locked=True, of=Dossier)
        ).all()
        for dossier_id, stage in stuck:
            add_stage_message(session, dossier_id, stage, now)
        if stuck:
            session.execute(update(Dossier).where(Dossier.id.in_([d for d, _ in stuck]))
                            .values(stage_nudged_at=now))
        mails = session.scalars(
            select(Mail.id)
            .where(or_(and_(Mail.status == "pending", Mail.updated_at < stale),
                       and_(Mail.status == "sending", Mail.updated_at < claim_stale)))
            .limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        for mail_id in mails:
            add_message(session, MAIL_QUEUE, SEND_ACTOR, [mail_id], now)
        if mails:
            # Touch pending rows so the next pass waits again; a stale claim stays stale so
            # that send_mail may take it over.
            session.execute(update(Mail).where(Mail.id.in_(mails), Mail.status == "pending")
                            .values(updated_at=now))
        calls = session.scalars(
            select(WebhookDelivery.id)
            .where(or_(and_(WebhookDelivery.status == "pending",
                            WebhookDelivery.updated_at < stale),
                       and_(WebhookDelivery.status == "sending",
                            WebhookDelivery.updated_at < claim_stale)))
            .limit(BATCH).with_for_update(skip_locked=True)).all()
        for call_id in calls:
            add_message(session, WEBHOOK_QUEUE, DELIVER_ACTOR, [call_id], now)
        if calls:
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(calls),
                                                          WebhookDelivery.status == "pending")
                            .values(updated_at=now))
    return ReconcileReport(dossiers=len(stuck), mails=len(mails), webhooks=len(calls))
