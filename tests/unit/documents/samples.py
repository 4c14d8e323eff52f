"""Sample dossiers for the document tests: demo-like, bare national, and extreme."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pipeline.documents import AttachmentFacts, DossierFacts
from pipeline.domain.demarches import ILE, RCO

TODAY = date(2026, 3, 10)
ISSUED_AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
PUBLIC_URL = "https://teledossier.demoville.test"
#: Longer than any line: cut at hyphens and spaces, and the last run with none at all.
LONG_NAME = "DE LA TOUR D'AUVERGNE-LAURAGUAIS-" * 5 + "X" * 120
LONG_FIRST = "Marie-Éléonore-" * 8 + "Anaïs"
PIECES = (
    AttachmentFacts("cni recto.pdf", "justificatif_identite", 120_345, "a" * 64),
    AttachmentFacts("livret.jpg", "livret_famille", 800_123, "b" * 64),
)
#: As the national service sends it: Convention first, ragged indentation, empty elements,
#: repeated LieuNaissance / MethodeContact / FormaliteMotifCode, no parents.
NATIONAL_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<RecensementCitoyen>
<Convention/>
  <Formalite>
        <Identifiant>A-9-NKT2G5KB</Identifiant>
    <FormaliteType>DECL</FormaliteType>
  <DateSoumission>2009-11-06T18:14:28</DateSoumission>
      <FormaliteMotifCode>RECENSEMENT</FormaliteMotifCode>
      <FormaliteMotifCode></FormaliteMotifCode>
    <FormaliteModeCode>AJOUT</FormaliteModeCode>
  </Formalite>
    <Personne>
  <Civilite>M</Civilite>
        <Sexe>1</Sexe>
    <NomFamille>MAMMAR</NomFamille>
    <NomUsage/>
    <PrenomUsuel>Hachemi</PrenomUsuel>
    <Prenom>  </Prenom>
    <DateNaissance>06/11/1993</DateNaissance>
    <PaysNaissance>FRA</PaysNaissance>
    <Nationalite></Nationalite>
    <CodeINSEENaissance>75115</CodeINSEENaissance>
    <LieuNaissance><Code>COMMUNE</Code><Nom>Paris 15e  Arrondissement</Nom></LieuNaissance>
    <LieuNaissance><Code>AUTRE</Code><Nom>75015</Nom></LieuNaissance>
    <LieuNaissance><Code/><Nom/></LieuNaissance>
    <AdresseDomicile>
      <PointDeRemise/><Complement></Complement><NumeroVoie>4</NumeroVoie><Extension/>
      <TypeVoie>RUE</TypeVoie><NomVoie>de l'Église &amp; du Marché</NomVoie><LieuDit/>
      <CodePostal>75015</CodePostal><Localite>PARIS</Localite><CodeINSEE>75115</CodeINSEE>
    </AdresseDomicile>
    <AdresseResidence>
      <PointDeRemise/><Complement/><NumeroVoie/><Extension/><TypeVoie/><NomVoie/><LieuDit/>
      <CodePostal/><Localite/><CodeINSEE/>
    </AdresseResidence>
    <SituationFamille>
      <SituationMatrimoniale>CELIBATAIRE</SituationMatrimoniale>
      <NombreEnfants>0</NombreEnfants><Pupille/><NombreFrereSoeur>2</NombreFrereSoeur>
    </SituationFamille>
    <MethodeContact><URI>01 45 67 89 00</URI><CanalCode>TEL</CanalCode></MethodeContact>
    <MethodeContact>
        <URI>hachemi.mammar@example.com</URI>
        <CanalCode>EMAIL</CanalCode>
    </MethodeContact>
    </Personne>
  <FiliationPere/>
  <FiliationMere>
    <NomFamille/>
  </FiliationMere>
</RecensementCitoyen>
""".encode()


def rco_data(**personne: Any) -> dict[str, Any]:
    """A complete RCO dossier, parents included, normalized as the pipeline stores it."""
    data: dict[str, Any] = {
        "Formalite": {"Identifiant": "A-9-NKT2G5KB", "FormaliteType": "DECL",
                      "DateSoumission": "2026-03-01T10:12:00",
                      "FormaliteMotifCode": ["RECENSEMENT"], "FormaliteModeCode": "AJOUT"},
        "Personne": {
            "Civilite": "M", "Sexe": "1", "NomFamille": "MARTIN-ÉTIENNE",
            "PrenomUsuel": "Lucas", "Prenom": "Pierre Jean", "DateNaissance": "15/01/2010",
            "PaysNaissance": "FRA", "CodeINSEENaissance": "59350",
            "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lille"},
                              {"Code": "AUTRE", "Nom": "59000"}],
            "AdresseDomicile": {"NumeroVoie": "12", "TypeVoie": "RUE", "NomVoie": "des Lilas",
                                "CodePostal": "99999", "Localite": "Démoville",
                                "CodeINSEE": "99999"},
            "SituationFamille": {"SituationMatrimoniale": "CELIBATAIRE", "NombreEnfants": "0",
                                 "Pupille": "NON", "NombreFrereSoeur": "2"},
            "MethodeContact": [{"URI": "lucas.martin@example.fr", "CanalCode": "EMAIL"},
                               {"URI": "06 12 34 56 78", "CanalCode": "TEL"}],
            "SituationScolaireOuProfessionnelle": {"Statut": "LYCEEN",
                                                   "Etablissement": "Lycée Faidherbe"},
        },
        "FiliationPere": {"NomFamille": "MARTIN", "PrenomUsuel": "Paul",
                          "DateNaissance": "02/03/1980",
                          "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Roubaix"}]},
        "FiliationMere": {"NomFamille": "ÉTIENNE", "PrenomUsuel": "Cœur-Anaïs"},
    }
    data["Personne"].update(personne)
    return RCO.normalize(data, today=TODAY)


def bare_rco_data() -> dict[str, Any]:
    """A national file as it often comes: no parents, "null" and empty values."""
    return RCO.normalize({
        "Personne": {"NomFamille": "MAMMAR", "PrenomUsuel": "Hachemi", "Prenom": "null",
                     "DateNaissance": "06/11/2009", "Nationalite": "", "NomUsage": "None",
                     "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville"},
                     "MethodeContact": [{"URI": "h@example.fr", "CanalCode": "EMAIL"}]},
        "FiliationPere": {}, "FiliationMere": {"NomFamille": ""},
    }, today=TODAY)


def ile_data() -> dict[str, Any]:
    return ILE.normalize({
        "Formalite": {"Identifiant": "TD-ILEILEIL2", "FormaliteType": "DECL",
                      "DateSoumission": "2026-03-01T10:12:00",
                      "FormaliteMotifCode": ["INSCRIPTION"], "FormaliteModeCode": "AJOUT"},
        "Personne": {"Civilite": "MME", "Sexe": "2", "NomFamille": "DURAND",
                     "NomUsage": "LEFÈVRE", "PrenomUsuel": "Chloé", "DateNaissance": "04/07/1990",
                     "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Nantes"}],
                     "Nationalite": "FRA",
                     "AdresseDomicile": {"NumeroVoie": "3", "NomVoie": "place de l'Église",
                                         "CodePostal": "99999", "Localite": "Démoville",
                                         "CodeINSEE": "99999"},
                     "MethodeContact": [{"URI": "chloe@example.fr", "CanalCode": "EMAIL"}]},
        "Rattachement": {"Motif": "RESIDENCE"},
        "InscriptionPrecedente": {"Localite": "Nantes", "CodeINSEE": "44109"},
        "Election": {"Date": "15/03/2026", "Type": "municipales"},
        "MotifTardif": "NATURALISATION",
    }, today=TODAY)


def facts(data: dict[str, Any], *, reference: str = "TD-ABCDEFGH7",
          demarche: str = "RecensementCitoyen", commune: str = "Démoville",
          pieces: tuple[AttachmentFacts, ...] = PIECES) -> DossierFacts:
    return DossierFacts(reference=reference, demarche=demarche, commune_name=commune,
                        commune_insee="99999", citizen_email="lucas.martin@example.fr",
                        submitted_at=datetime(2026, 3, 1, 9, 12, tzinfo=UTC), data=data,
                        attachments=pieces)
