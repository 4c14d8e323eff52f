"""Deposit stage: put the commune's documents into the citizen's confidential space.

No document is produced yet (the attestation comes with the documents work); the stage hands the
dossier on to closure.
"""

from __future__ import annotations

from pipeline.context import PipelineContext
from pipeline.lifecycle import Stage
from pipeline.stages.common import lock_dossier


def deposit_documents(dossier_id: str, ctx: PipelineContext) -> None:
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        dossier.advance(Stage.DEPOSIT, Stage.CLOSURE, ctx.clock.now())
