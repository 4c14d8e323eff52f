"""One Dramatiq actor per route of ``pipeline.flow``, each on its own queue."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import dramatiq
from dramatiq.middleware.time_limit import TimeLimitExceeded

from pipeline.context import PipelineContext
from pipeline.errors import PermanentError
from pipeline.flow import ROUTES, Route
from pipeline.ops.failed_work import note_failed_run

log = logging.getLogger(__name__)

#: First retry after one second, then doubling up to five minutes.
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000
#: A run cut by its time limit is tried this many times more, then parked as failed work:
#: work that outlasted its limit twice will outlast it again, and each try holds a thread.
TIMEOUT_RETRIES = 2


def declare_actors(broker: dramatiq.Broker, ctx: PipelineContext) -> dict[str, dramatiq.Actor]:
    """Bind every route's handler to the broker; messages carry ids, the context is bound here."""
    actors = {}
    for route in ROUTES:
        limit = route.time_limit_seconds or ctx.settings.stage_time_limit_seconds
        actors[route.actor] = dramatiq.actor(
            _bind(route, ctx),
            broker=broker,
            actor_name=route.actor,
            queue_name=route.queue,
            retry_when=retry_policy(route),
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            time_limit=limit * 1000,
            throws=(PermanentError,),
        )
    return actors


def retry_policy(route: Route) -> Callable[[int, BaseException], bool]:
    """Whether a run that raised is tried again, given the retries already made."""

    def should_retry(retries: int, error: BaseException) -> bool:
        if isinstance(error, TimeLimitExceeded):
            return retries < TIMEOUT_RETRIES
        return retries < route.max_retries

    return should_retry


def _bind(route: Route, ctx: PipelineContext):  # type: ignore[no-untyped-def]
    handler = route.handler
    counted = route.stage is not None  # a dossier's stage: its failed runs are counted

    def run(target_id: str) -> None:
        try:
            handler(target_id, ctx)
        except PermanentError:
            raise
        except BaseException as error:
            if counted and _parked(ctx, route.queue, target_id, error):
                raise PermanentError(f"étape {route.queue} mise de côté après trop d'échecs"
                                     ) from error
            raise

    run.__name__ = handler.__name__
    return run


def _parked(ctx: PipelineContext, stage: str, dossier_id: str, error: BaseException) -> bool:
    """Count the failed run; an error while counting (database down) leaves it to retries."""
    try:
        return note_failed_run(ctx, stage=stage, dossier_id=dossier_id,
                               reason="".join(traceback.format_exception(error, limit=20)))
    except Exception:
        log.warning("could not count the failed run of %s for %s", stage, dossier_id,
                    exc_info=True)
        return False
