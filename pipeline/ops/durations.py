"""How long the pipeline's steps took lately, measured from the dossiers' history and the mails."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from pipeline.context import PipelineContext
from pipeline.domain.lifecycle import Action
from pipeline.store.model import HistoryEntry, Mail

#: Steps timed from the history: the actions that start one, and those that end it.
HISTORY_STEPS = {
    # Intake and validation: from filing (or completing) to the verdict the agent or citizen sees.
    "verification": ((Action.SUBMIT, Action.COMPLETE), (Action.VALIDATED, Action.FOUND_INCOMPLETE)),
    # Attestation, deposit and closure: from the agent's decision to the dossier closed.
    "cloture": ((Action.ACCEPTER, Action.REFUSER, Action.CLORE), (Action.CLOSE,)),
}
#: Durations are measured over the steps that ended in this window...
DURATION_WINDOW = timedelta(hours=24)
#: ...the most recent ones only, so a busy day costs a bounded query.
DURATION_SAMPLE = 5000


def step_durations(ctx: PipelineContext) -> dict[str, list[float]]:
    """Seconds each step ended in the window took, sorted, per step (and mail sending)."""
    since = ctx.clock.now() - DURATION_WINDOW
    found: dict[str, list[float]] = {}
    with ctx.db.transaction() as session:
        for step, (starts, ends) in HISTORY_STEPS.items():
            start = aliased(HistoryEntry)
            # The latest start before each end: a dossier completed twice is timed from the
            # last completion, not from its first filing.
            started = (select(func.max(start.at))
                       .where(start.dossier_id == HistoryEntry.dossier_id,
                              start.seq < HistoryEntry.seq,
                              start.action.in_([a.value for a in starts]))
                       .scalar_subquery())
            pairs = session.execute(
                select(started, HistoryEntry.at)
                .where(HistoryEntry.action.in_([a.value for a in ends]),
                       HistoryEntry.at >= since)
                .order_by(HistoryEntry.at.desc()).limit(DURATION_SAMPLE)).all()
            found[step] = _seconds(pairs)
        found["courriel"] = _seconds(session.execute(
            select(Mail.created_at, Mail.sent_at)
            .where(Mail.status.in_(("sent", "bounced")), Mail.updated_at >= since,
                   Mail.sent_at.is_not(None))
            .order_by(Mail.updated_at.desc()).limit(DURATION_SAMPLE)).all())
    return found


def _seconds(pairs: list[tuple[datetime | None, datetime | None]]) -> list[float]:
    return sorted(max(0.0, (end - start).total_seconds())
                  for start, end in pairs if start is not None and end is not None)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values (NaN when there are none)."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]
