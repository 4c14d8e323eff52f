"""The citizen completes a dossier that is "à compléter": new documents, then validation again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.attachments import CheckedFile, IncomingAttachment, check_attachments
from pipeline.domain.demarches import DEMARCHES, FieldError, InvalidDossier
from pipeline.domain.demarches.limits import free_text_error
from pipeline.domain.lifecycle import Action
from pipeline.store.dossiers import lock_dossier
from pipeline.store.model import Attachment, Dossier, HistoryEntry


def complete_dossier(ctx: PipelineContext, dossier_id: str,
                     attachments: list[IncomingAttachment], *, actor: str, channel: str,
                     comment: str = "") -> HistoryEntry:
    """Add the documents and send the dossier back to validation, in one transaction.

    InvalidDossier names the refused files and a ``comment`` over the free-text limit;
    IllegalTransition when the dossier no longer waits for the citizen (an agent closed it
    meanwhile, or it was completed already).
    """
    if not attachments and not comment.strip():
        raise InvalidDossier([FieldError("attachments", "Ajoutez au moins une pièce ou une "
                                                        "précision pour la mairie.")])
    with ctx.db.transaction() as session:
        demarche = session.scalar(select(Dossier.demarche).where(Dossier.id == dossier_id))
    kinds = DEMARCHES[demarche].attachment_kinds if demarche in DEMARCHES else frozenset()
    # Checked before the transaction: reading a large PDF must not hold the database's lock.
    errors: list[FieldError] = []
    if too_long := free_text_error(comment, "comment"):
        errors.append(too_long)
    checked, refused = check_attachments(attachments, kinds, ctx.settings.max_attachment_bytes)
    errors += refused
    if errors:
        raise InvalidDossier(errors)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, dossier_id)
        # Applied first: nothing is added to a dossier that no longer waits for it.
        entry = dossier.apply(Action.COMPLETE, at=now, actor=actor, channel=channel,
                              comment=comment)
        _add_attachments(session, ctx, dossier.id, checked, now)
    return entry


def _add_attachments(session: Session, ctx: PipelineContext, dossier_id: str,
                     checked: list[tuple[str, CheckedFile]], now: datetime) -> None:
    rows = [{"dossier_id": dossier_id, "kind": kind, "filename": file.filename,
             "media_type": file.media_type, "size": len(file.content),
             "sha256": ctx.blobs.put(session, file.content, now), "created_at": now}
            for kind, file in checked]
    if rows:
        session.execute(insert(Attachment.__table__), rows)
