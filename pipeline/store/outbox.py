"""The outbox relay: publish committed messages to the broker, then forget them.

A process publishes the messages its own transactions wrote right after they commit, from memory
(``publish_committed``), and deletes the published rows in batches (``forget``): the broker's
confirmation comes first, so a row is never forgotten unpublished. The sweep (``relay_once``)
picks up whatever was left behind by a crash or a broker outage; rows are locked with SKIP LOCKED,
so many relays sweep side by side. A crash between publishing and forgetting publishes a row
again later, which every handler tolerates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from pipeline.context import PipelineContext
from pipeline.store.db import OutboxEntry
from pipeline.store.model import OutboxMessage

#: Hands one outbox row (id, queue, actor, args) to the broker and returns once the broker
#: confirmed it; raises otherwise.
Publish = Callable[[Any], None]
OUTBOX = OutboxMessage.__table__


def publish_committed(publish: Publish, entries: Sequence[OutboxEntry]) -> list[str]:
    """Publish rows this process just committed; returns the ids confirmed before any error."""
    published = []
    for entry in entries:
        try:
            publish(entry)
        except Exception:
            if not published:
                raise
            break  # the rest stays in the outbox for the sweep
        published.append(entry.id)
    return published


def forget(ctx: PipelineContext, ids: Sequence[str]) -> None:
    """Delete published rows, in one statement."""
    with ctx.db.connect() as connection:
        connection.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(list(ids))))


def relay_once(ctx: PipelineContext, publish: Publish, *, older_than_seconds: float = 5.0,
               limit: int = 200) -> int:
    """Publish the oldest rows left behind and delete them; returns how many."""
    horizon = ctx.clock.now() - timedelta(seconds=older_than_seconds)
    with ctx.db.connect() as connection:
        rows = connection.execute(
            select(OUTBOX).where(OUTBOX.c.created_at <= horizon)
            .order_by(OUTBOX.c.created_at).limit(limit).with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            publish(row)  # an error rolls back: the rows stay and go again later
        if rows:
            connection.execute(delete(OUTBOX).where(OUTBOX.c.id.in_([row.id for row in rows])))
    return len(rows)
