"""The pages a mail links to: the citizen's follow-up page and the agents' dossier page."""

from __future__ import annotations

from pipeline.context import PipelineContext
from pipeline.store.model import Dossier


def follow_url(ctx: PipelineContext, dossier: Dossier) -> str:
    """The citizen's page for a dossier (tableau de bord de suivi)."""
    return f"{ctx.settings.public_url}/suivi/{dossier.reference}"


def agent_url(ctx: PipelineContext, dossier: Dossier) -> str:
    """The agents' page for a dossier; it asks for login and never acts on GET."""
    return f"{ctx.settings.public_url}/gestion/dossiers/{dossier.reference}"
