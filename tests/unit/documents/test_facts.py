"""Facts read from the model: the citizen's pieces only, and a copy of the data."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.documents import DossierFacts
from pipeline.store.model import Attachment, Commune, Dossier


def test_facts_from_a_model_dossier_keep_the_citizen_pieces_only() -> None:
    commune = Commune(insee="99999", name="Démoville", agents_email="ec@demoville.test")
    dossier = Dossier(reference="TD-ABCDEFGH7", demarche="RecensementCitoyen", commune=commune,
                      citizen_email="a@example.fr", data={"Personne": {"NomFamille": "MARTIN"}},
                      submitted_at=datetime(2026, 3, 1, 9, 12, tzinfo=UTC))
    dossier.attachments = [
        Attachment(kind="justificatif_identite", filename="cni.pdf", media_type="application/pdf",
                   size=10, sha256="a" * 64),
        Attachment(kind="attestation", filename="attestation.pdf", media_type="application/pdf",
                   size=20, sha256="b" * 64),
    ]

    facts = DossierFacts.from_dossier(dossier)

    assert (facts.reference, facts.commune_name, facts.commune_insee) == (
        "TD-ABCDEFGH7", "Démoville", "99999")
    assert [a.filename for a in facts.attachments] == ["cni.pdf"]
    facts.data["Personne"]["NomFamille"] = "CHANGÉ"
    assert dossier.data["Personne"]["NomFamille"] == "MARTIN"
