"""A dossier's data as the agent reads it: sections of labelled values, in French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.domain.clock import PARIS, paris_time
from pipeline.domain.demarches.ile import LATE_REASONS

SECTIONS = {
    "Formalite": "Formalité",
    "Personne": "Demandeur",
    "FiliationPere": "Filiation — père",
    "FiliationMere": "Filiation — mère",
    "Rattachement": "Rattachement à la commune",
    "InscriptionPrecedente": "Inscription précédente",
    "Election": "Élection visée",
}
LABELS = {
    "Identifiant": "Identifiant (numéro national)",
    "FormaliteType": "Type de formalité",
    "DateSoumission": "Date de soumission",
    "FormaliteMotifCode": "Motif de la formalité",
    "FormaliteModeCode": "Mode",
    "Civilite": "Civilité",
    "Sexe": "Sexe",
    "NomFamille": "Nom de famille",
    "NomUsage": "Nom d'usage",
    "PrenomUsuel": "Prénom usuel",
    "Prenom": "Autres prénoms",
    "DateNaissance": "Date de naissance",
    "PaysNaissance": "Pays de naissance",
    "Nationalite": "Nationalité",
    "CodeINSEENaissance": "Code INSEE de la commune de naissance",
    "LieuNaissance": "Lieu de naissance",
    "AdresseDomicile": "Adresse du domicile",
    "AdresseResidence": "Adresse de résidence",
    "SituationFamille": "Situation de famille",
    "SituationMatrimoniale": "Situation matrimoniale",
    "NombreEnfants": "Nombre d'enfants",
    "Pupille": "Pupille de la Nation",
    "NombreFrereSoeur": "Nombre de frères et sœurs",
    "MethodeContact": "Contact",
    "SituationScolaireOuProfessionnelle": "Situation scolaire ou professionnelle",
    "DemandeExemption": "Demande d'exemption (JDC)",
    "Motif": "Motif de rattachement",
    "CodeINSEE": "Code INSEE",
    "Localite": "Localité",
    "Pays": "Pays",
    "Date": "Date du premier tour",
    "Type": "Type d'élection",
    "MotifTardif": "Motif de la demande tardive",
}
CODES = {
    "Civilite": {"M": "Monsieur", "MME": "Madame"},
    "Sexe": {"1": "Masculin", "2": "Féminin"},
    "Motif": {
        "DOMICILE": "Domicile dans la commune",
        "RESIDENCE": "Résidence de 6 mois ou plus",
        "CONTRIBUABLE": "Inscrit au rôle des contributions locales (2e année)",
        "GERANT": "Gérant ou associé majoritaire d'une société contribuable (2e année)",
        "FONCTIONNAIRE": "Fonctionnaire astreint à résidence",
        "PARENT": "Moins de 26 ans, domicile d'un parent",
    },
    "MotifTardif": {code.upper(): text for code, text in LATE_REASONS.items()},
    "CanalCode": {"EMAIL": "Courriel", "TEL": "Téléphone"},
}
ADDRESS_LINES = (("NumeroVoie", "Extension", "TypeVoie", "NomVoie"), ("Complement",),
                 ("PointDeRemise",), ("LieuDit",), ("CodePostal", "Localite"))


@dataclass(frozen=True)
class Section:
    title: str
    #: (label, lines of the value)
    rows: list[tuple[str, list[str]]]


def sections(data: dict[str, Any]) -> list[Section]:
    """The dossier's data, section by section; empty values are left out, never shown as None."""
    found: list[Section] = []
    loose: list[tuple[str, list[str]]] = []
    for key, value in (data or {}).items():
        if isinstance(value, dict):
            rows = _rows(value)
            if rows:
                found.append(Section(SECTIONS.get(key, key), rows))
        else:
            lines = _lines(key, value)
            if lines:
                loose.append((LABELS.get(key, key), lines))
    if loose:
        found.append(Section("Autres renseignements", loose))
    return found


def _rows(section: dict[str, Any]) -> list[tuple[str, list[str]]]:
    rows = []
    for key, value in section.items():
        if key == "SituationFamille" and isinstance(value, dict):
            rows += [(LABELS.get(k, k), lines) for k, v in value.items() if (lines := _lines(k, v))]
            continue
        lines = _lines(key, value)
        if lines:
            rows.append((LABELS.get(key, key), lines))
    return rows


def _lines(key: str, value: Any) -> list[str]:
    """The value of one field as lines of text."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if key in ("AdresseDomicile", "AdresseResidence") and isinstance(value, dict):
        return _address(value)
    if key == "LieuNaissance":
        return [_birthplace(item) for item in _as_list(value) if _birthplace(item)]
    if key == "MethodeContact":
        return [_contact(item) for item in _as_list(value) if _contact(item)]
    if isinstance(value, list):
        return [line for item in value for line in _lines(key, item)]
    if isinstance(value, dict):
        return [f"{LABELS.get(k, k)} : {', '.join(lines)}"
                for k, v in value.items() if (lines := _lines(k, v))]
    text = str(value).strip()
    if key == "DateSoumission":
        text = _instant(text)
    label = CODES.get(key, {}).get(text.upper())
    return [f"{label} ({text})" if label else text] if text else []


def _address(address: dict[str, Any]) -> list[str]:
    lines = [" ".join(str(address[k]) for k in keys if address.get(k)) for keys in ADDRESS_LINES]
    lines = [line for line in lines if line]
    if address.get("CodeINSEE"):
        lines.append(f"Code INSEE : {address['CodeINSEE']}")
    return lines


def _birthplace(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item or "")
    name = str(item.get("Nom") or "")
    code = str(item.get("Code") or "").upper()
    return name if code in ("", "COMMUNE") or not name else f"{name} ({code.lower()})"


def _contact(item: Any) -> str:
    if not isinstance(item, dict) or not item.get("URI"):
        return ""
    channel = str(item.get("CanalCode") or "").upper()
    return f"{CODES['CanalCode'].get(channel, channel or 'Contact')} : {item['URI']}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _instant(text: str) -> str:
    """An ISO instant of the national data as every page writes one; other text as it is."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return text
    return paris_time(found if found.tzinfo else found.replace(tzinfo=PARIS))
