"""Set up communes and their API tokens (the CLI's and the admin pages' one way to do it)."""

from __future__ import annotations

import re

from sqlalchemy import select

from pipeline.context import PipelineContext
from pipeline.model import Commune, CommuneAlias
from pipeline.tokens import SCOPES, create_token

INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CommuneError(ValueError):
    """The commune cannot be created or found as asked; the message says why, in French."""


def create_commune(ctx: PipelineContext, *, insee: str, name: str, agents_email: str,
                   aliases: tuple[str, ...] = ()) -> Commune:
    insee = insee.strip().upper()
    if not INSEE.match(insee):
        raise CommuneError(f"code INSEE invalide : « {insee} » (5 caractères, ex. 06088)")
    if not name.strip():
        raise CommuneError("le nom de la commune est obligatoire")
    if not EMAIL.match(agents_email.strip()):
        raise CommuneError(f"adresse de la boîte du service invalide : « {agents_email} »")
    with ctx.db.transaction() as session:
        if session.scalar(select(Commune.id).where(Commune.insee == insee)) is not None:
            raise CommuneError(f"la commune {insee} existe déjà")
        commune = Commune(insee=insee, name=name.strip(), agents_email=agents_email.strip(),
                          created_at=ctx.clock.now())
        session.add(commune)
        session.flush()
        for alias in aliases:
            session.add(CommuneAlias(insee=alias, commune_id=commune.id))
    return commune


def find_commune(ctx: PipelineContext, insee: str) -> Commune:
    with ctx.db.transaction() as session:
        commune = session.scalars(select(Commune).where(Commune.insee == insee)).one_or_none()
    if commune is None:
        raise CommuneError(f"aucune commune {insee} ; créez-la avec « teledossier commune create »")
    return commune


def issue_token(ctx: PipelineContext, insee: str, scopes: tuple[str, ...] = SCOPES,
                label: str = "") -> str:
    """Create an API token for a commune and return it (shown once)."""
    commune = find_commune(ctx, insee)
    with ctx.db.transaction() as session:
        return create_token(session, commune.id, scopes, ctx.clock.now(), label)
