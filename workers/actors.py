"""One Dramatiq actor per route of ``pipeline.flow``, each on its own queue."""

from __future__ import annotations

import dramatiq

from pipeline.context import PipelineContext
from pipeline.flow import ROUTES, Handler
from pipeline.stages.common import PermanentError

#: First retry after one second, then doubling up to five minutes.
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000


def declare_actors(broker: dramatiq.Broker, ctx: PipelineContext) -> dict[str, dramatiq.Actor]:
    """Bind every stage handler to the broker; messages carry ids, the context is bound here."""
    actors = {}
    for route in ROUTES:
        actors[route.actor] = dramatiq.actor(
            _bind(route.handler, ctx),
            broker=broker,
            actor_name=route.actor,
            queue_name=route.queue,
            max_retries=route.max_retries,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            throws=(PermanentError,),
        )
    return actors


def _bind(handler: Handler, ctx: PipelineContext):  # type: ignore[no-untyped-def]
    def run(target_id: str) -> None:
        handler(target_id, ctx)

    run.__name__ = handler.__name__
    return run
