"""The agents' daily digest: sent once per day and agent, at the hour the agent chose.

Its mail's cause is the agent and the day (``digest:<user>:<day>``): the mails table keeps one
row per cause, recipient and purpose, so two workers passing at once, a worker restarted
after the hour, or the same pass run twice all send the day's digest once. What it lists is
fixed by the day and the hour (the 24 hours before it), whoever writes it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from pipeline.commands.reu import count_awaiting
from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import ILE
from pipeline.domain.lifecycle import Action
from pipeline.mail.agent_digest import Listed, digest
from pipeline.mail.outbox import queue_mail
from pipeline.ops.search import ILE_DECISION_DAYS, TO_PROCESS, paris_midnight
from pipeline.store.model import Commune, Dossier, HistoryEntry, Mail, User

PURPOSE = "agent_digest"
#: Dossiers listed per section at most; the counts say the rest.
LISTED = 50


def digest_cause(user_id: int, day: object) -> str:
    return f"digest:{user_id}:{day}"


def send_due_digests(ctx: PipelineContext) -> int:
    """Queue every digest whose hour has come today and that is not written yet; the count."""
    local = ctx.clock.now().astimezone(PARIS)
    today = local.date()
    sent = 0
    with ctx.db.transaction() as session:
        due = session.execute(
            select(User.id, User.email, User.commune_id, User.digest_hour)
            .where(User.active, User.digest_hour.is_not(None), User.digest_hour <= local.hour,
                   User.commune_id.is_not(None), User.role.in_(("agent", "admin")),
                   ~exists().where(Mail.cause == literal("digest:") + cast(User.id, String)
                                   + f":{today.isoformat()}", Mail.purpose == PURPOSE))).all()
    for user_id, email, commune_id, hour in due:
        at = datetime.combine(today, time(hour), tzinfo=PARIS)
        with ctx.db.transaction() as session:
            if _queue_digest(session, ctx, user_id, email, commune_id, at):
                sent += 1
    return sent


def _queue_digest(session: Session, ctx: PipelineContext, user_id: int, email: str,
                  commune_id: int, at: datetime) -> bool:
    commune = session.get(Commune, commune_id)
    if commune is None:
        return False
    since = at - timedelta(days=1)
    public = ctx.settings.public_url
    new = _listed(session, ctx, commune_id, Action.VALIDATED, since, at, first_only=True)
    completed = _listed(session, ctx, commune_id, Action.COMPLETE, since, at)
    overdue = _overdue(session, ctx, commune_id, at)
    to_process = session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.commune_id == commune_id, Dossier.status.in_(TO_PROCESS))) or 0
    to_register = count_awaiting(session, commune_id)
    if not (new or completed or overdue or to_register):
        return False  # nothing to tell: no mail that day
    subject, body = digest(commune.name, at.date(), new=new, completed=completed,
                           overdue=overdue, to_process=to_process, to_register=to_register,
                           list_url=f"{public}/gestion", preferences_url=f"{public}/gestion/"
                                                                         "notifications")
    return queue_mail(session, ctx, cause=digest_cause(user_id, at.date().isoformat()),
                      recipient=email, purpose=PURPOSE, subject=subject, body=body,
                      sender_name="Suivi des démarches en ligne")


def _listed(session: Session, ctx: PipelineContext, commune_id: int, action: Action,
            since: datetime, until: datetime, *, first_only: bool = False) -> list[Listed]:
    """Dossiers with ``action`` in the window; ``first_only``: their first such step (a
    dossier validated again after a completion is no new dossier)."""
    step = aliased(HistoryEntry)
    query = (select(Dossier.reference, Dossier.demarche, Dossier.citizen_name)
             .join(step, step.dossier_id == Dossier.id)
             .where(Dossier.commune_id == commune_id, step.action == action.value,
                    step.at >= since, step.at < until))
    if first_only:
        earlier = aliased(HistoryEntry)
        query = query.where(~exists().where(earlier.dossier_id == Dossier.id,
                                            earlier.action == action.value,
                                            earlier.seq < step.seq))
    rows = session.execute(query.distinct().order_by(Dossier.reference).limit(LISTED)).all()
    return [_row(ctx, *row) for row in rows]


def _overdue(session: Session, ctx: PipelineContext, commune_id: int,
             at: datetime) -> list[Listed]:
    cutoff = paris_midnight(at.date() - timedelta(days=ILE_DECISION_DAYS))
    rows = session.execute(
        select(Dossier.reference, Dossier.demarche, Dossier.citizen_name)
        .where(Dossier.commune_id == commune_id, Dossier.demarche == ILE.id,
               Dossier.outcome.is_(None), Dossier.status.in_(TO_PROCESS),
               Dossier.submitted_at < cutoff)
        .order_by(Dossier.submitted_at).limit(LISTED)).all()
    return [_row(ctx, *row) for row in rows]


def _row(ctx: PipelineContext, reference: str, demarche: str, name: str) -> Listed:
    return Listed(reference, demarche, name,
                  f"{ctx.settings.public_url}/gestion/dossiers/{reference}")
