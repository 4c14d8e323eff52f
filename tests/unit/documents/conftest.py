"""Fixtures of the document tests: dossiers (see ``samples``) and commune identities."""

from __future__ import annotations

import pytest

from pipeline.documents import CommuneIdentity, DossierFacts, generate_identity
from tests.unit.documents.samples import (
    LONG_FIRST,
    LONG_NAME,
    PIECES,
    bare_rco_data,
    facts,
    ile_data,
    rco_data,
)


@pytest.fixture
def rco() -> DossierFacts:
    return facts(rco_data())


@pytest.fixture
def bare_rco() -> DossierFacts:
    return facts(bare_rco_data(), reference="TD-BAREBARE1", pieces=())


@pytest.fixture
def long_rco() -> DossierFacts:
    # Longer than intake takes now (pipeline/domain/demarches/limits.py), as a dossier stored before
    # the limits may be: the documents still draw every letter.
    data = rco_data(Prenom="Żaneta Łucja Őrs",
                    AdresseDomicile={"CodePostal": "99999", "Localite": "Démoville"})
    data["Personne"].update(NomFamille=LONG_NAME, PrenomUsuel=LONG_FIRST)
    data["Personne"]["AdresseDomicile"]["NomVoie"] = "chemin " + "très long " * 30
    return facts(data, reference="TD-LONGLONG1",
                 commune="Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson")


@pytest.fixture
def ile() -> DossierFacts:
    return facts(ile_data(), reference="TD-ILEILEIL2", demarche="InscriptionListesElectorales",
                 pieces=PIECES[:1])


@pytest.fixture(scope="session")
def identity() -> CommuneIdentity:
    return generate_identity("99999", "Démoville", "Jeanne Dupré-Lefèvre")


@pytest.fixture(scope="session")
def impostor() -> CommuneIdentity:
    """Another key pair under the very same names: what a forger would make."""
    return generate_identity("99999", "Démoville", "Jeanne Dupré-Lefèvre")
