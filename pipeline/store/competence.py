"""Competence: which commune an INSEE code belongs to (former codes, arrondissements)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.model import Commune, CommuneAlias

#: Arrondissement codes of Paris, Lyon and Marseille, and the commune they belong to.
ARRONDISSEMENTS: dict[str, str] = {
    **{str(code): "75056" for code in range(75101, 75121)},
    **{str(code): "69123" for code in range(69381, 69390)},
    **{str(code): "13055" for code in range(13201, 13217)},
}


def commune_codes(session: Session, commune: Commune) -> frozenset[str]:
    codes = {commune.insee}
    codes |= set(session.scalars(
        select(CommuneAlias.insee).where(CommuneAlias.commune_id == commune.id)))
    # An arrondissement belongs to its commune unless it has a mairie of its own here.
    own = set(session.scalars(select(Commune.insee).where(
        Commune.insee.in_([a for a, parent in ARRONDISSEMENTS.items()
                           if parent == commune.insee]))))
    codes |= {a for a, parent in ARRONDISSEMENTS.items()
              if parent == commune.insee and a not in own}
    return frozenset(codes)
