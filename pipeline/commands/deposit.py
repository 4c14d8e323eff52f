"""The citizen's confidential space: documents the commune deposits, keyed by e-mail address.

The same for every channel: the agents' page (« Ajouter un exemplaire »), a reply by mail with
files attached, and the pipeline's own documents (the attestation, a refusal notice).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.attachments import FileRefused, check_file
from pipeline.mail import wording
from pipeline.mail.outbox import queue_mail
from pipeline.mail.wording import sender_name
from pipeline.store.model import CitizenDocument, Dossier, DossierDocument


@dataclass(frozen=True)
class Deposited:
    #: The names the deposited files got, in the order given.
    names: list[str] = field(default_factory=list)
    #: The files not taken, each with its reason (nothing of them is stored).
    refused: list[FileRefused] = field(default_factory=list)


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


def deposit_files(session: Session, ctx: PipelineContext, dossier: Dossier,
                  files: Sequence[tuple[str, bytes]], *, kind: str, by: str) -> Deposited:
    """Deposit each (name, content) that passes the checks; the others are listed, not stored."""
    deposited = Deposited()
    for filename, content in files:
        try:
            deposited.names.append(deposit_file(session, ctx, dossier, filename=filename,
                                                content=content, kind=kind, by=by))
        except FileRefused as refusal:
            deposited.refused.append(refusal)
    return deposited


def deposit_for_citizen(session: Session, ctx: PipelineContext, dossier: Dossier,
                        files: Sequence[tuple[str, bytes]], *, kind: str, by: str,
                        cause: str | None = None) -> Deposited:
    """Deposit files for the citizen and tell them a document awaits, once per cause.

    ``cause`` names the event for the mail; by default the dossier and the files' contents, so a
    request sent again (a double click, a browser retrying) cannot mail the citizen twice.
    """
    deposited = deposit_files(session, ctx, dossier, files, kind=kind, by=by)
    if deposited.names:
        subject, body = wording.documents_await(dossier, deposited.names, space_url(ctx))
        queue_mail(session, ctx, cause=cause or _files_cause(dossier, files),
                   recipient=dossier.citizen_email, purpose="documents_await", subject=subject,
                   body=body, sender_name=sender_name(dossier), dossier=dossier,
                   replies="citizen")
    return deposited


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


def _files_cause(dossier: Dossier, files: Sequence[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for _, content in files:
        digest.update(hashlib.sha256(content).digest())
    # 128 bits of the digest: the cause column holds 80 characters.
    return f"depot:{dossier.id}:{digest.hexdigest()[:32]}"
