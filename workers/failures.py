"""Record work that failed for good in the database, whichever broker carried it."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from pipeline.context import PipelineContext
from pipeline.ops.failed_work import record_failure

log = logging.getLogger(__name__)


class RecordFailedWork(dramatiq.Middleware):
    """Runs after Retries: a message it marked failed is written to ``failed_work``."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy,
                              *, result: Any = None, exception: BaseException | None = None
                              ) -> None:
        if exception is None or not message.failed:
            return
        try:
            record_failure(
                self.ctx, queue=message.queue_name, actor=message.actor_name,
                args=list(message.args), message_id=message.message_id,
                reason=message.options.get("traceback") or repr(exception),
                attempts=message.options.get("retries", 0))
        except Exception:
            # The database is down too: the dossier keeps its stage and the reconciler will
            # send the work again once it is back.
            log.exception("could not record failed message %s", message.message_id)
