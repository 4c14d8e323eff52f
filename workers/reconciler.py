"""The reconciler loop: every few seconds, re-send the work of stuck dossiers and mails."""

from __future__ import annotations

import logging
import threading

from pipeline.context import PipelineContext
from pipeline.ops.reconciler import reconcile

log = logging.getLogger(__name__)


class ReconcilerLoop:
    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="reconciler", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.wait(self.ctx.settings.reconcile_every_seconds):
            try:
                report = reconcile(self.ctx)
                if report.dossiers or report.mails:
                    log.info("reconciler: %d dossiers et %d courriels relancés",
                             report.dossiers, report.mails)
            except Exception as error:
                log.warning("reconciler: %s", error)
