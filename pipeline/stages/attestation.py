"""Attestation stage (RCO, accepted): issue the attestation de recensement.

The signed PDF is not produced yet; until it is, the stage only hands the dossier to deposit, so
the accepted dossier still travels the same path and the stage's queue already exists.
"""

from __future__ import annotations

from pipeline.context import PipelineContext
from pipeline.lifecycle import Stage
from pipeline.stages.common import lock_dossier


def issue_attestation(dossier_id: str, ctx: PipelineContext) -> None:
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        dossier.advance(Stage.ATTESTATION, Stage.DEPOSIT, ctx.clock.now())
