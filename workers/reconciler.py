"""The reconciler loop: every few seconds, re-send the work of stuck dossiers and mails."""

from __future__ import annotations

import logging

from pipeline.context import PipelineContext
from pipeline.ops.reconciler import reconcile
from workers.background import BackgroundLoop

log = logging.getLogger(__name__)


class ReconcilerLoop(BackgroundLoop):
    def __init__(self, ctx: PipelineContext) -> None:
        super().__init__("reconciler")
        self.ctx = ctx

    def _run(self) -> None:
        while not self.stopping.wait(self.ctx.settings.reconcile_every_seconds):
            try:
                report = reconcile(self.ctx)
                if report.dossiers or report.mails:
                    log.info("reconciler: %d dossiers et %d courriels relancés",
                             report.dossiers, report.mails)
            except Exception as error:
                log.warning("reconciler: %s", error)
