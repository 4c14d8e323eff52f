"""Attestation stage (RCO, accepted): issue the signed attestation de recensement, once.

The PDF carries a QR code signed with the commune's key and the commune's PDF signature. It is
dated by the agent's acceptance, not by this run: a retried or replayed stage draws the same
bytes, and a dossier that already has its attestation keeps it.
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline.context import PipelineContext
from pipeline.documents import issue_attestation as sign_attestation
from pipeline.documents.stored import (
    dossier_facts,
    find_document,
    signing_identity,
    store_document,
)
from pipeline.domain.lifecycle import Action, Stage
from pipeline.store.dossiers import finish_stage, lock_stage
from pipeline.store.model import HistoryEntry


def issue_attestation(dossier_id: str, ctx: PipelineContext) -> None:
    with ctx.db.transaction() as session:
        dossier = lock_stage(session, dossier_id, Stage.ATTESTATION)
        if dossier is None:
            return  # done by an earlier run, or parked
        if find_document(session, dossier.id, "attestation") is None:
            accepted_at = session.scalar(
                select(HistoryEntry.at).where(HistoryEntry.dossier_id == dossier.id,
                                              HistoryEntry.action == Action.ACCEPTER.value)
                .order_by(HistoryEntry.seq.desc()).limit(1)) or ctx.clock.now()
            pdf = sign_attestation(dossier_facts(dossier),
                                   signing_identity(session, ctx, dossier.commune),
                                   issued_at=accepted_at, public_url=ctx.settings.public_url)
            store_document(session, ctx, dossier, "attestation", pdf)
        finish_stage(dossier, Stage.ATTESTATION, ctx.clock.now())
