"""What operators ask first: dossiers per state, the outbox backlog, failed work, stuck dossiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from pipeline.context import PipelineContext
from pipeline.store.model import Dossier, FailedWork, InboundMail, Mail, OutboxMessage


@dataclass(frozen=True)
class StuckDossier:
    reference: str
    stage: str
    since: datetime
    failed: bool


@dataclass(frozen=True)
class StatusReport:
    dossiers_by_status: dict[str, int]
    dossiers_by_stage: dict[str, int]
    outbox_backlog: int
    failed_work: int
    mails_by_status: dict[str, int]
    inbound_by_status: dict[str, int]
    oldest_stuck: list[StuckDossier] = field(default_factory=list)


def gather_status(ctx: PipelineContext, *, stuck_limit: int = 10) -> StatusReport:
    stale = ctx.clock.now() - timedelta(seconds=ctx.settings.stuck_after_seconds)
    with ctx.db.transaction() as session:
        by_status = dict(session.execute(
            select(Dossier.status, func.count()).group_by(Dossier.status)).all())
        by_stage = dict(session.execute(
            select(Dossier.stage, func.count()).where(Dossier.stage.is_not(None))
            .group_by(Dossier.stage)).all())
        backlog = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        failed = session.scalar(select(func.count()).select_from(FailedWork)
                                .where(FailedWork.replayed_at.is_(None))) or 0
        mails = dict(session.execute(
            select(Mail.status, func.count()).group_by(Mail.status)).all())
        inbound = dict(session.execute(
            select(InboundMail.status, func.count()).group_by(InboundMail.status)).all())
        stuck = [
            StuckDossier(ref, stage, since, failed_at is not None)
            for ref, stage, since, failed_at in session.execute(
                select(Dossier.reference, Dossier.stage, Dossier.stage_since,
                       Dossier.stage_failed_at)
                .where(Dossier.stage.is_not(None), Dossier.stage_since < stale)
                .order_by(Dossier.stage_since).limit(stuck_limit))
        ]
    return StatusReport(by_status, by_stage, backlog, failed, mails, inbound, stuck)
