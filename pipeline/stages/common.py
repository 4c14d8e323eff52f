"""What the stage handlers share: loading a dossier for change, links, the démarche."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from pipeline.context import PipelineContext
from pipeline.demarches import DEMARCHES, Demarche
from pipeline.model import Dossier


class PermanentError(Exception):
    """Work that will never succeed by trying again; it goes straight to the failed-work table."""


def lock_dossier(session: Session, dossier_id: str, *, with_attachments: bool = False) -> Dossier:
    """Load a dossier and lock its row until commit, so concurrent runs of a stage serialise."""
    query = select(Dossier).where(Dossier.id == dossier_id).options(joinedload(Dossier.commune))
    if with_attachments:
        query = query.options(selectinload(Dossier.attachments))
    dossier = session.scalars(query.with_for_update(of=Dossier)).one_or_none()
    if dossier is None:
        raise PermanentError(f"dossier {dossier_id} introuvable")
    return dossier


def demarche_of(dossier: Dossier) -> Demarche:
    return DEMARCHES[dossier.demarche]


def follow_url(ctx: PipelineContext, dossier: Dossier) -> str:
    """The citizen's page for a dossier (tableau de bord de suivi)."""
    return f"{ctx.settings.public_url}/suivi/{dossier.reference}"


def agent_url(ctx: PipelineContext, dossier: Dossier) -> str:
    """The agents' page for a dossier; it asks for login and never acts on GET."""
    return f"{ctx.settings.public_url}/gestion/dossiers/{dossier.reference}"


def sender_name(dossier: Dossier) -> str:
    return f"Mairie de {dossier.commune.name}"
