"""Work that failed for good: recorded with its reason, listed and replayed by operators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from pipeline.context import PipelineContext
from pipeline.domain.queues import MAIL_QUEUE, STAGE_QUEUES, WEBHOOK_QUEUE
from pipeline.store.db import add_message
from pipeline.store.model import Dossier, FailedWork, Mail, WebhookDelivery, new_id

#: Failed runs of one stage of one dossier, all carriers together, before it is parked. The
#: broker's own retries park it sooner (``workers.actors``); this bounds the runs when the
#: reconciler sent the same work again meanwhile.
MAX_FAILED_RUNS = 10


def record_failure(ctx: PipelineContext, *, queue: str, actor: str, args: list[Any],
                   message_id: str, reason: str, attempts: int) -> int | None:
    """Keep a failed message; a failed stage also marks its dossier so the reconciler waits.

    None when the dossier's stage was already parked: two runs of the same stage that fail
    (the broker's retries and a re-send) make one line for operators, not two.
    """
    now = ctx.clock.now()
    dossier_id = str(args[0]) if queue in STAGE_QUEUES and args else None
    with ctx.db.transaction() as session:
        if dossier_id:
            dossier = session.get(Dossier, dossier_id, with_for_update=True)
            if dossier is None:
                dossier_id = None
            elif dossier.stage == queue and dossier.stage_failed_at is not None:
                return None
        row = FailedWork(queue=queue, actor=actor, args=list(args), message_id=message_id,
                         dossier_id=dossier_id, reason=reason[-4000:], attempts=attempts,
                         failed_at=now)
        session.add(row)
        if dossier_id:
            session.execute(update(Dossier).where(Dossier.id == dossier_id,
                                                  Dossier.stage == queue)
                            .values(stage_failed_at=now))
        session.flush()
        return row.id


def note_failed_run(ctx: PipelineContext, *, stage: str, dossier_id: str,
                    reason: str) -> bool:
    """Count a run of a dossier's stage that raised; True when the stage is now parked.

    Every carrier of the same work counts together (the broker's retries, the reconciler's
    re-sends, an operator's replay), so a dossier whose stage keeps failing or outlasting its
    time limit ends in failed work after ``MAX_FAILED_RUNS`` runs instead of holding workers.
    """
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        dossier = session.get(Dossier, dossier_id, with_for_update=True)
        if dossier is None or dossier.stage != stage:
            return False
        if dossier.stage_failed_at is not None:
            return True
        dossier.stage_failures += 1
        if dossier.stage_failures < MAX_FAILED_RUNS:
            return False
        dossier.stage_failed_at = now
        session.add(FailedWork(
            queue=stage, actor=stage, args=[dossier_id], message_id=new_id(),
            dossier_id=dossier_id, attempts=dossier.stage_failures, failed_at=now,
            reason=(f"l'étape « {stage} » a échoué {dossier.stage_failures} fois "
                    f"(erreur ou délai dépassé) ; dernière erreur :\n{reason}")[-4000:]))
        return True


def list_failed(ctx: PipelineContext, *, include_replayed: bool = False) -> list[FailedWork]:
    with ctx.db.transaction() as session:
        query = select(FailedWork).order_by(FailedWork.failed_at.desc())
        if not include_replayed:
            query = query.where(FailedWork.replayed_at.is_(None))
        return list(session.scalars(query))


def replay(ctx: PipelineContext, failed_id: int) -> bool:
    """Send a failed message again; False when it does not exist or was already replayed."""
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        row = session.get(FailedWork, failed_id, with_for_update=True)
        if row is None or row.replayed_at is not None:
            return False
        row.replayed_at = now
        if row.queue == MAIL_QUEUE:
            # A mail given up on goes back in line with a fresh count of attempts.
            session.execute(update(Mail).where(Mail.id == row.args[0], Mail.status == "failed")
                            .values(status="pending", attempts=0, updated_at=now))
        elif row.queue == WEBHOOK_QUEUE:
            # A partner's call given up on: tried again, as many times as at first.
            session.execute(update(WebhookDelivery).where(WebhookDelivery.id == row.args[0],
                                                          WebhookDelivery.status == "failed")
                            .values(status="pending", attempts=0, updated_at=now))
        elif row.dossier_id:
            session.execute(update(Dossier).where(Dossier.id == row.dossier_id)
                            .values(stage_failed_at=None, stage_nudged_at=now,
                                    stage_failures=0))
        add_message(session, row.queue, row.actor, list(row.args), now)
        return True
