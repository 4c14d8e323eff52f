"""Loading a dossier for change: its row locked until commit, what its attachments are; handing
it on to the stage that follows once a stage's work is done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from pipeline.domain.demarches import DEMARCHES, AttachmentInfo, Demarche
from pipeline.domain.lifecycle import NEXT_STAGE, Stage
from pipeline.errors import PermanentError
from pipeline.store.model import Attachment, Dossier

#: Built once: every stage runs this, and building the statement costs as much as running it.
LOCK = (select(Dossier).where(Dossier.id == bindparam("dossier_id"))
        .options(joinedload(Dossier.commune)).with_for_update(of=Dossier))
ATTACHMENTS = (select(Attachment.kind, Attachment.filename, Attachment.media_type,
                      Attachment.size)
               .where(Attachment.dossier_id == bindparam("dossier_id")).order_by(Attachment.id))


def lock_dossier(session: Session, dossier_id: str) -> Dossier:
    """Load a dossier and lock its row until commit, so concurrent runs of a stage serialise."""
    dossier = session.scalars(LOCK, {"dossier_id": dossier_id}).one_or_none()
    if dossier is None:
        raise PermanentError(f"dossier {dossier_id} introuvable")
    return dossier


def lock_stage(session: Session, dossier_id: str, stage: Stage) -> Dossier | None:
    """Lock a dossier whose work ``stage`` is due; None when it is done or parked.

    Done: an earlier run moved the dossier on (this is how a handler run twice does nothing).
    Parked: the stage was put in failed work; only an operator's replay runs it again, not
    the other messages still in flight for it.
    """
    dossier = lock_dossier(session, dossier_id)
    if dossier.stage != stage.value or dossier.stage_failed_at is not None:
        return None
    return dossier


def finish_stage(dossier: Dossier, stage: Stage, at: datetime) -> bool:
    """Hand the dossier on to what follows ``stage`` (``NEXT_STAGE``); False when it was not there.

    The one way a stage moves a dossier on without a change of status; its message follows.
    """
    return dossier.advance(stage, NEXT_STAGE[stage], at)


def attachment_infos(session: Session, dossier_id: str) -> list[AttachmentInfo]:
    """What the rules and the agents' mail need of a dossier's attachments (no file bytes)."""
    return [AttachmentInfo(*row) for row in session.execute(ATTACHMENTS,
                                                             {"dossier_id": dossier_id})]


def demarche_of(dossier: Dossier) -> Demarche:
    return DEMARCHES[dossier.demarche]
