"""The outbox relay: publish committed messages to the broker, then forget them.

Producers publish their own messages right after commit (``publish_now``) for low latency; the
relay loop (``relay_once``) picks up whatever was left behind by a crash or a broker outage. Rows
are locked with SKIP LOCKED, so many relays run side by side without publishing a row twice at
once; a crash between publishing and deleting may publish a row again, which every handler
tolerates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, Select, delete, func, select

from pipeline.context import PipelineContext
from pipeline.model import OutboxMessage

#: Hands one outbox row (id, queue, actor, args) to the broker and returns once the broker
#: confirmed it; raises otherwise.
Publish = Callable[[Row[Any]], None]
OUTBOX = OutboxMessage.__table__


def publish_now(ctx: PipelineContext, publish: Publish, ids: list[str]) -> int:
    """Publish the given rows (just committed by this process); leave them on any failure."""
    return _publish(ctx, publish, select(OUTBOX).where(OUTBOX.c.id.in_(ids)))


def relay_once(ctx: PipelineContext, publish: Publish, *, older_than_seconds: float = 2.0,
               limit: int = 200) -> int:
    """Publish the oldest rows left behind; returns how many were published."""
    horizon = ctx.clock.now() - timedelta(seconds=older_than_seconds)
    return _publish(ctx, publish, select(OUTBOX).where(OUTBOX.c.created_at <= horizon)
                    .order_by(OUTBOX.c.created_at).limit(limit))


def _publish(ctx: PipelineContext, publish: Publish, query: Select[Any]) -> int:
    # Plain rows, not ORM objects: the relay runs after every commit and must stay cheap.
    with ctx.db.transaction() as session:
        rows = session.execute(query.with_for_update(skip_locked=True)).all()
        for row in rows:
            publish(row)  # an error rolls back: the rows stay and go again later
        if rows:
            session.execute(delete(OUTBOX).where(OUTBOX.c.id.in_([row.id for row in rows])))
    return len(rows)


def backlog(ctx: PipelineContext) -> int:
    """How many messages wait in the outbox."""
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
