"""What the workers do by the clock rather than by message: the agents' daily digests, the
reminders to enter accepted ILE in the REU, the queues' backlog sampled for the charts.

Every worker process runs ``run_scheduled`` every ``schedule_every_seconds``; each task is safe
with many workers at once and after a restart: a mail is one row per cause (the agent and the
day, the commune and the reminder), a sample one row per slot and queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from pipeline.commands.reu import count_awaiting
from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.reu import reminder_due
from pipeline.mail.agent_digest import reu_reminder
from pipeline.mail.outbox import queue_mail
from pipeline.ops.digest import send_due_digests
from pipeline.ops.status import gather_status
from pipeline.store.db import upsert_ignore
from pipeline.store.model import Commune, QueueSample

#: The queues' backlog is sampled once per slot of this length...
SAMPLE_EVERY = timedelta(minutes=5)
#: ...and kept this long.
SAMPLES_KEPT = timedelta(days=35)
#: The hour (Paris) from which the day's REU reminders go out.
REMINDER_HOUR = 8


@dataclass(frozen=True)
class ScheduleReport:
    digests: int
    reminders: int
    sampled: bool


def run_scheduled(ctx: PipelineContext) -> ScheduleReport:
    """One pass of every task due now."""
    return ScheduleReport(digests=send_due_digests(ctx), reminders=send_reu_reminders(ctx),
                          sampled=sample_queues(ctx))


def send_reu_reminders(ctx: PipelineContext) -> int:
    """On a reminder day of the next registration deadline, tell each commune's service of the
    accepted ILE still to enter in the REU; once per commune, election and reminder day."""
    local = ctx.clock.now().astimezone(PARIS)
    due = reminder_due(ctx.elections, local.date())
    if due is None or local.hour < REMINDER_HOUR:
        return 0
    election, deadline, left = due
    label = election.label or f"scrutin du {election.first_round:%d/%m/%Y}"
    sent = 0
    with ctx.db.transaction() as session:
        communes = session.execute(select(Commune.id, Commune.name, Commune.agents_email)).all()
    for commune_id, name, mailbox in communes:
        with ctx.db.transaction() as session:
            count = count_awaiting(session, commune_id)
            if not count:
                continue
            subject, body = reu_reminder(name, label, deadline, left, count,
                                         f"{ctx.settings.public_url}/gestion/reu")
            sent += queue_mail(session, ctx, recipient=mailbox, purpose="reu_reminder",
                               cause=f"reu:{commune_id}:{election.first_round}:{left}",
                               subject=subject, body=body,
                               sender_name="Suivi des démarches en ligne")
    return sent


def sample_slot(instant: datetime) -> datetime:
    """The start of the sampling slot ``instant`` falls in (UTC)."""
    step = int(SAMPLE_EVERY.total_seconds())
    return datetime.fromtimestamp(int(instant.timestamp()) // step * step, UTC)


def sample_queues(ctx: PipelineContext) -> bool:
    """Keep each queue's backlog once per slot (whichever worker comes first); False when this
    slot was sampled already."""
    slot = sample_slot(ctx.clock.now())
    with ctx.db.transaction() as session:
        if session.scalar(select(QueueSample.queue).where(QueueSample.slot == slot).limit(1)):
            return False
    report = gather_status(ctx, stuck_limit=0)
    with ctx.db.transaction() as session:
        for queue in report.queues:
            upsert_ignore(session, QueueSample, slot=slot, queue=queue.queue,
                          waiting=queue.waiting, outbox=queue.outbox, failed=queue.failed)
        session.execute(delete(QueueSample).where(QueueSample.slot < slot - SAMPLES_KEPT))
    return True
