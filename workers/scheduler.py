"""The scheduler loop: every ``schedule_every_seconds``, the work done by the clock (digests,
REU reminders, queue samples); safe in every worker process at once."""

from __future__ import annotations

import logging

from pipeline.context import PipelineContext
from pipeline.ops.schedule import run_scheduled
from workers.background import BackgroundLoop

log = logging.getLogger(__name__)


class SchedulerLoop(BackgroundLoop):
    def __init__(self, ctx: PipelineContext) -> None:
        super().__init__("scheduler")
        self.ctx = ctx

    def _run(self) -> None:
        # A first pass at start: a worker restarted after a digest's hour sends it now.
        while not self.stopping.is_set():
            try:
                report = run_scheduled(self.ctx)
                if report.digests or report.reminders:
                    log.info("planificateur : %d récapitulatif(s), %d rappel(s) REU",
                             report.digests, report.reminders)
            except Exception as error:
                log.warning("planificateur : %s", error)
            self.stopping.wait(self.ctx.settings.schedule_every_seconds)
