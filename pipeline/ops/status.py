"""What operators ask first, read from the database: dossiers per state, each queue's backlog,
failed work, stuck dossiers, mail in and out.

The one read model of ``teledossier status``, the operators' page and ``/metrics``. The broker's
own figures come from ``pipeline.ops.broker``; when it cannot tell, these are the figures shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from pipeline.context import PipelineContext
from pipeline.domain.queues import INBOUND_QUEUE, MAIL_QUEUE, QUEUES, WEBHOOK_QUEUE
from pipeline.store.model import (
    Dossier,
    FailedWork,
    InboundMail,
    Mail,
    OutboxMessage,
    WebhookDelivery,
)

#: Mails still to send: their work waits in the mail queue.
MAIL_WAITING = ("pending", "sending")
#: Received mails not read yet: their work waits in the inbound queue.
INBOUND_WAITING = ("queued",)


@dataclass(frozen=True)
class StuckDossier:
    reference: str
    stage: str
    since: datetime
    failed: bool


@dataclass(frozen=True)
class QueueBacklog:
    """One queue as the database sees it, whatever the broker holds."""

    queue: str
    #: Work waiting: dossiers at this stage, mails to send, replies to read.
    waiting: int
    #: Messages written in the outbox and not published yet.
    outbox: int
    #: Work failed for good and not replayed yet.
    failed: int


@dataclass(frozen=True)
class StatusReport:
    dossiers_by_status: dict[str, int]
    dossiers_by_stage: dict[str, int]
    outbox_backlog: int
    failed_work: int
    mails_by_status: dict[str, int]
    inbound_by_status: dict[str, int]
    oldest_stuck: list[StuckDossier] = field(default_factory=list)
    #: Every queue, in the order of the flow.
    queues: list[QueueBacklog] = field(default_factory=list)


def gather_status(ctx: PipelineContext, *, stuck_limit: int = 10) -> StatusReport:
    stale = ctx.clock.now() - timedelta(seconds=ctx.settings.stuck_after_seconds)
    with ctx.db.transaction() as session:
        by_status = _counts(session.execute(
            select(Dossier.status, func.count()).group_by(Dossier.status)))
        by_stage = _counts(session.execute(
            select(Dossier.stage, func.count()).where(Dossier.stage.is_not(None))
            .group_by(Dossier.stage)))
        outbox = _counts(session.execute(
            select(OutboxMessage.queue, func.count()).group_by(OutboxMessage.queue)))
        failed = _counts(session.execute(
            select(FailedWork.queue, func.count()).where(FailedWork.replayed_at.is_(None))
            .group_by(FailedWork.queue)))
        mails = _counts(session.execute(
            select(Mail.status, func.count()).group_by(Mail.status)))
        inbound = _counts(session.execute(
            select(InboundMail.status, func.count()).group_by(InboundMail.status)))
        calls = session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.status.in_(MAIL_WAITING))) or 0
        stuck = [
            StuckDossier(ref, stage, since, failed_at is not None)
            for ref, stage, since, failed_at in session.execute(
                select(Dossier.reference, Dossier.stage, Dossier.stage_since,
                       Dossier.stage_failed_at)
                .where(Dossier.stage.is_not(None), Dossier.stage_since < stale)
                .order_by(Dossier.stage_since).limit(stuck_limit))
        ]
    waiting = {**by_stage,
               MAIL_QUEUE: sum(mails.get(status, 0) for status in MAIL_WAITING),
               INBOUND_QUEUE: sum(inbound.get(status, 0) for status in INBOUND_WAITING),
               WEBHOOK_QUEUE: calls}
    queues = [QueueBacklog(queue, waiting.get(queue, 0), outbox.get(queue, 0),
                           failed.get(queue, 0)) for queue in QUEUES]
    return StatusReport(by_status, by_stage, sum(outbox.values()), sum(failed.values()), mails,
                        inbound, stuck, queues)


def _counts(rows: Iterable[Any]) -> dict[str, int]:
    return {str(key): int(count) for key, count in rows}
