"""The citizen's confidential space: documents the commune deposits, keyed by e-mail address."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.attachments import check_file
from pipeline.store.model import CitizenDocument, Dossier, DossierDocument


def deposit_file(session: Session, ctx: PipelineContext, dossier: Dossier, *, filename: str,
                 content: bytes, kind: str, by: str) -> str:
    """Deposit a file for the dossier's citizen after the upload checks; the name it got.

    FileRefused (nothing stored) when the file is not taken.
    """
    file = check_file(filename, content, ctx.settings.max_deposit_bytes, fallback=kind)
    now = ctx.clock.now()
    session.execute(insert(CitizenDocument.__table__).values(
        owner_email=dossier.citizen_email.lower(), dossier_id=dossier.id, kind=kind,
        filename=file.filename, media_type=file.media_type, size=len(file.content),
        sha256=ctx.blobs.put(session, file.content, now), deposited_by=by, deposited_at=now))
    return file.filename


def deposit_document(session: Session, ctx: PipelineContext, dossier: Dossier,
                     document: DossierDocument) -> None:
    """Deposit one of the commune's own documents (already checked: the commune drew it)."""
    session.execute(insert(CitizenDocument.__table__).values(
        owner_email=dossier.citizen_email.lower(), dossier_id=dossier.id, kind=document.kind,
        filename=document.filename, media_type=document.media_type, size=document.size,
        sha256=document.sha256, deposited_by=f"Mairie de {dossier.commune.name}",
        deposited_at=ctx.clock.now()))


def space_url(ctx: PipelineContext) -> str:
    """Where the citizen finds deposited documents (after confirming the address)."""
    return f"{ctx.settings.public_url}/espace"
