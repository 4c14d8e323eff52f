"""The files of a citizen's espace confidentiel: kept uploads, listing, reading, deleting."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from pipeline.context import PipelineContext
from pipeline.domain.attachments import FileRefused, IncomingAttachment, check_file
from pipeline.store.model import CitizenDocument

#: The kind of the documents the citizen put in the space (the commune's have their own kinds).
USER_KIND = "usager"
#: What the commune's documents are, for the citizen.
COMMUNE_KINDS = {
    "attestation": "Attestation de recensement",
    "refus": "Décision de refus",
    "depot": "Document déposé par la mairie",
    "recepisse": "Récépissé de dépôt",
}


def uploaded(storage: FileStorage | None) -> bool:
    return storage is not None and bool(storage.filename)


def keep_upload(ctx: PipelineContext, email: str,
                storage: FileStorage) -> tuple[CitizenDocument | None, str | None]:
    """Check an uploaded file and keep it in the citizen's space: (document, None) or (None, why).

    The same file sent again is kept once.
    """
    limit = ctx.settings.max_attachment_bytes
    # One byte past the limit is enough to say it is too large, without reading it all.
    content = storage.stream.read(limit + 1)
    try:
        file = check_file(storage.filename or "", content, limit, fallback="document")
    except FileRefused as refusal:
        return None, f"{refusal}."
    now = ctx.clock.now()
    with ctx.db.transaction() as db:
        # The cleaned copy is the same for the same file: sent again, it is kept once.
        digest = ctx.blobs.put(db, file.content, now)
        known = db.scalar(select(CitizenDocument).where(
            CitizenDocument.owner_email == email, CitizenDocument.kind == USER_KIND,
            CitizenDocument.sha256 == digest, CitizenDocument.filename == file.filename))
        if known is not None:
            return known, None
        document = CitizenDocument(owner_email=email, dossier_id=None, kind=USER_KIND,
                                   filename=file.filename, media_type=file.media_type,
                                   size=len(file.content), sha256=digest, deposited_by=email,
                                   deposited_at=now)
        db.add(document)
        db.flush()
    return document, None


def own_documents(db: Session, email: str) -> list[CitizenDocument]:
    """Every document of the citizen's space, newest first."""
    return list(db.scalars(select(CitizenDocument).where(CitizenDocument.owner_email == email)
                           .order_by(CitizenDocument.deposited_at.desc(),
                                     CitizenDocument.id.desc())))


def own_uploads(db: Session, email: str) -> dict[int, CitizenDocument]:
    """The documents the citizen put in the space, which a new request may reuse."""
    return {document.id: document for document in own_documents(db, email)
            if document.kind == USER_KIND}


def find_own(db: Session, email: str, document_id: int) -> CitizenDocument | None:
    """One of the citizen's documents; None for another's (which answers 404)."""
    return db.scalar(select(CitizenDocument).where(CitizenDocument.id == document_id,
                                                   CitizenDocument.owner_email == email))


def as_attachment(ctx: PipelineContext, db: Session, document: CitizenDocument,
                  kind: str) -> IncomingAttachment:
    """A document of the space, to join to a dossier as a piece of ``kind``."""
    return IncomingAttachment(kind=kind, filename=document.filename,
                              content=ctx.blobs.get(db, document.sha256))
