"""Submit a dossier: check it, store it with its attachments, give it its reference.

The one intake of every channel (web form, API, national XML); the intake stage acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.domain.attachments import CheckedFile, IncomingAttachment, check_attachments
from pipeline.domain.clock import paris_today
from pipeline.domain.demarches import DEMARCHES, FieldError, InvalidDossier
from pipeline.domain.references import NATIONAL_PATTERN, new_reference
from pipeline.store.db import insert_rows
from pipeline.store.model import Attachment, Dossier, new_id

#: A fresh reference collides once in about a trillion; a few tries are plenty.
REFERENCE_TRIES = 5


@dataclass(frozen=True)
class Submission:
    """A request as it arrives from the web form, the API or the national flux."""

    demarche: str
    data: dict[str, Any]
    attachments: list[IncomingAttachment] = field(default_factory=list)
    channel: str = "api"
    actor: str = "citizen"


@dataclass(frozen=True)
class Receipt:
    dossier_id: str
    reference: str
    #: False when the same national dossier had already been taken in (a partner's retry).
    created: bool


def submit_dossier(ctx: PipelineContext, commune_id: int, submission: Submission) -> Receipt:
    """Check and store a new dossier with its attachments; raise InvalidDossier on bad input."""
    demarche = DEMARCHES.get(submission.demarche)
    if demarche is None:
        raise InvalidDossier([FieldError(
            "demarche", f"démarche inconnue « {submission.demarche} » (attendu : "
                        f"{' ou '.join(DEMARCHES)})")])
    errors: list[FieldError] = []
    try:
        data = demarche.normalize(submission.data, today=paris_today(ctx.clock))
    except InvalidDossier as invalid:
        errors += invalid.errors
    checked, refused = check_attachments(submission.attachments, demarche.attachment_kinds,
                                         ctx.settings.max_attachment_bytes)
    errors += refused
    if errors:
        raise InvalidDossier(errors)  # every problem at once, so one correction is enough
    national = str(data.get("Formalite", {}).get("Identifiant", "")).strip().upper()
    national_number = national if NATIONAL_PATTERN.match(national) else None
    for _ in range(REFERENCE_TRIES):
        try:
            return _store(ctx, commune_id, submission, demarche.id, data, checked,
                          national_number)
        except IntegrityError:
            if national_number and (known := _known(ctx, commune_id, national_number)):
                return known
            continue  # the reference was taken: draw another
    raise RuntimeError("no free reference after several draws")


def _known(ctx: PipelineContext, commune_id: int, national_number: str) -> Receipt | None:
    with ctx.db.transaction() as session:
        return _find_national(session, commune_id, national_number)


def _find_national(session: Session, commune_id: int, national_number: str) -> Receipt | None:
    found = session.execute(select(Dossier.id, Dossier.reference).where(
        Dossier.commune_id == commune_id, Dossier.national_number == national_number)).first()
    return Receipt(found.id, found.reference, created=False) if found else None


def _store(ctx: PipelineContext, commune_id: int, submission: Submission, demarche_id: str,
           data: dict[str, Any], checked: list[tuple[str, CheckedFile]],
           national_number: str | None) -> Receipt:
    demarche = DEMARCHES[demarche_id]
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        if national_number and (known := _find_national(session, commune_id, national_number)):
            return known
        # The commune comes from the caller's token or account: it exists (communes are never
        # deleted), and the foreign key would refuse it otherwise.
        dossier = Dossier(
            id=new_id(), reference=new_reference(), national_number=national_number,
            commune_id=commune_id, demarche=demarche_id, data=data, channel=submission.channel,
            citizen_email=demarche.citizen_email(data), citizen_name=demarche.citizen_name(data),
            updated_at=now,
        )
        # Starting it notes the intake stage: its message is written when the rows are.
        dossier.start(at=now, actor=submission.actor, channel=submission.channel)
        attachments = [
            Attachment(dossier_id=dossier.id, kind=kind, media_type=file.media_type,
                       size=len(file.content), filename=file.filename,
                       sha256=ctx.blobs.put(session, file.content, now), created_at=now)
            for kind, file in checked]
        # Written as plain rows, parents first: on the busiest path of the web, the ORM's unit
        # of work would cost more than all the inserts together.
        insert_rows(session, [dossier], dossier.history, attachments)
    return Receipt(dossier.id, dossier.reference, created=True)
