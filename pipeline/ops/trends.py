"""Figures over time, for the charts: the pipeline's for operators (throughput, queue backlog,
failed work, mail latency, by hour or by day), the commune's for its administrator (dossiers
per week by démarche and outcome, median time to a decision).

Series of plain numbers by period, read from the database; drawing them is the web's job.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import DEMARCHES
from pipeline.domain.lifecycle import AGENT_ACTIONS, Action, Outcome, Status
from pipeline.domain.queues import MAIL_QUEUE, STAGE_QUEUES
from pipeline.store.model import Dossier, FailedWork, HistoryEntry, Mail, QueueSample

#: Rows read for one series at most: a chart is a summary, not a census.
MAX_ROWS = 500_000


class Period(StrEnum):
    HOURS = "heures"
    DAYS = "jours"


#: How many buckets each period shows, and how long each is.
SPANS = {Period.HOURS: (48, timedelta(hours=1)), Period.DAYS: (30, timedelta(days=1))}


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    """A chart's data: a title, the unit, a label per bucket, the series; ``stacked`` bars or
    lines."""

    id: str
    title: str
    unit: str
    labels: list[str]
    series: list[Series]
    stacked: bool = True


def _buckets(now: datetime, period: Period) -> list[datetime]:
    """The start of each bucket (Paris wall clock, aware), oldest first, the current one last."""
    count, step = SPANS[period]
    local = now.astimezone(PARIS)
    current = local.replace(minute=0, second=0, microsecond=0)
    if period is Period.DAYS:
        current = current.replace(hour=0)
    # Counted in Paris days and hours (a day of 23 or 25 hours at a clock change is one day).
    starts = []
    for back in range(count - 1, -1, -1):
        if period is Period.DAYS:
            day = current.date() - timedelta(days=back)
            starts.append(datetime(day.year, day.month, day.day, tzinfo=PARIS))
        else:
            starts.append((current.astimezone(PARIS) - back * step).astimezone(PARIS))
    return starts


def _label(start: datetime, period: Period) -> str:
    return f"{start:%d/%m}" if period is Period.DAYS else f"{start:%d/%m %Hh}"


def _index(starts: list[datetime], instant: datetime) -> int | None:
    """The bucket ``instant`` falls in, None before the first."""
    if instant < starts[0]:
        return None
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= instant:
            low = middle
        else:
            high = middle - 1
    return low


def _count(starts: list[datetime], instants: Iterable[datetime]) -> list[float | None]:
    counts: list[float | None] = [0.0] * len(starts)
    for instant in instants:
        index = _index(starts, instant)
        if index is not None:
            counts[index] = (counts[index] or 0) + 1
    return counts


def pipeline_charts(ctx: PipelineContext, period: Period) -> list[Chart]:
    """The operators' charts over the last 48 hours or 30 days."""
    starts = _buckets(ctx.clock.now(), period)
    since = starts[0]
    labels = [_label(start, period) for start in starts]
    with ctx.db.transaction() as session:
        filed = _instants(session, select(HistoryEntry.at).where(
            HistoryEntry.action == Action.SUBMIT.value, HistoryEntry.at >= since))
        closed = _instants(session, select(HistoryEntry.at).where(
            HistoryEntry.action == Action.CLOSE.value, HistoryEntry.at >= since))
        failed = _instants(session, select(FailedWork.failed_at).where(
            FailedWork.failed_at >= since))
        sent = session.execute(select(Mail.sent_at, Mail.created_at).where(
            Mail.sent_at >= since).limit(MAX_ROWS)).all()
        samples = session.execute(select(QueueSample.slot, QueueSample.queue,
                                         QueueSample.waiting + QueueSample.outbox)
                                  .where(QueueSample.slot >= since).limit(MAX_ROWS)).all()
    latency: dict[int, list[float]] = defaultdict(list)
    for sent_at, created_at in sent:
        index = _index(starts, sent_at)
        if index is not None:
            latency[index].append((sent_at - created_at).total_seconds())
    backlog: dict[str, list[float | None]] = {
        queue: [None] * len(starts) for queue in (*STAGE_QUEUES, MAIL_QUEUE)}
    for slot, queue, waiting in samples:
        index = _index(starts, slot)
        if index is not None and queue in backlog:
            backlog[queue][index] = max(backlog[queue][index] or 0, float(waiting))
    return [
        Chart("debit", "Débit : dossiers déposés et clos", "dossiers", labels,
              [Series("déposés", _count(starts, filed)), Series("clos", _count(starts, closed))],
              stacked=False),
        Chart("files", "Files : travail en attente (le plus haut relevé de la période)",
              "messages", labels,
              [Series(queue, values) for queue, values in backlog.items()
               if any(values)], stacked=False),
        Chart("echecs", "Travail en échec", "travaux", labels,
              [Series("en échec", _count(starts, failed))]),
        Chart("latence", "Courriels : délai médian entre l'écriture et l'envoi", "secondes",
              labels, [Series("délai médian", [
                  round(statistics.median(latency[i]), 1) if latency.get(i) else None
                  for i in range(len(starts))])], stacked=False),
    ]


def _instants(session: Session, statement: object) -> list[datetime]:
    return list(session.scalars(statement.limit(MAX_ROWS)))  # type: ignore[attr-defined]


# --- The commune's figures --------------------------------------------------------------------

#: Weeks the administrator's charts cover.
WEEKS = 12
OUTCOMES = {Outcome.ACCEPTED.value: "acceptées", Outcome.REFUSED.value: "refusées",
            "": "closes sans décision", None: "en cours"}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def commune_charts(ctx: PipelineContext, commune_id: int) -> list[Chart]:
    """Dossiers filed per week by démarche and outcome, and the median days to a decision."""
    this_week = _monday(ctx.clock.now().astimezone(PARIS).date())
    weeks = [this_week - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
    since = datetime(weeks[0].year, weeks[0].month, weeks[0].day, tzinfo=PARIS)
    labels = [f"{week:%d/%m}" for week in weeks]
    decision = aliased(HistoryEntry)
    first_decision = (select(func.min(decision.at))
                      .where(decision.dossier_id == Dossier.id,
                             decision.action.in_([a.value for a in AGENT_ACTIONS
                                                  if a not in (Action.RECU, Action.COMPLETER)]))
                      .scalar_subquery())
    with ctx.db.transaction() as session:
        rows = session.execute(select(Dossier.demarche, Dossier.submitted_at, Dossier.status,
                                      Dossier.outcome, first_decision)
                               .where(Dossier.commune_id == commune_id,
                                      Dossier.submitted_at >= since).limit(MAX_ROWS)).all()
    counts: dict[tuple[str, str], list[float | None]] = {}
    delays: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for demarche, submitted_at, status, outcome, decided_at in rows:
        week = weeks.index(_monday(submitted_at.astimezone(PARIS).date()))
        short = DEMARCHES[demarche].short if demarche in DEMARCHES else demarche
        closed = status in (Status.CLOSED.value, Status.PURGED.value)
        kind = OUTCOMES[outcome] if outcome else OUTCOMES["" if closed else None]
        series = counts.setdefault((short, kind), [0.0] * WEEKS)
        series[week] = (series[week] or 0) + 1
        if decided_at is not None:
            delays[short][week].append((decided_at - submitted_at).total_seconds() / 86400)
    order = list(OUTCOMES.values())
    per_week = Chart("semaines", "Dossiers déposés par semaine, par démarche et par issue",
                     "dossiers", labels,
                     [Series(f"{short} {kind}", values) for (short, kind), values in
                      sorted(counts.items(), key=lambda item: (item[0][0],
                                                               order.index(item[0][1])))])
    median = Chart("delai", "Délai médian entre le dépôt et la décision (dossiers déposés dans "
                   "la semaine)", "jours", labels,
                   [Series(short, [round(statistics.median(found[i]), 1) if found.get(i)
                                   else None for i in range(WEEKS)])
                    for short, found in sorted(delays.items())], stacked=False)
    return [per_week, median]
