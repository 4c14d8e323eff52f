"""An agent marks a dossier's messages read: the citizen's messages and completions up to now
leave the top of its page and the lists' signals."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.context import PipelineContext
from pipeline.store.dossiers import lock_dossier
from pipeline.store.model import Dossier, DossierRead


def mark_read(ctx: PipelineContext, commune_id: int, reference: str, *, actor: str) -> bool:
    """Mark everything the dossier holds now as read; False when no such dossier."""
    with ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(
            Dossier.commune_id == commune_id, Dossier.reference == reference))
        if dossier_id is None:
            return False
        # Locked: a message arriving meanwhile is either counted here or after, never lost.
        dossier = lock_dossier(session, dossier_id)
        read = session.get(DossierRead, dossier.id)
        if read is None:
            session.add(DossierRead(dossier_id=dossier.id, read_seq=dossier.history_count,
                                    read_by=actor, read_at=ctx.clock.now()))
        else:
            read.read_seq = max(read.read_seq, dossier.history_count)
            read.read_by, read.read_at = actor, ctx.clock.now()
        return True
