"""Read a person, an address and a birthplace out of normalized data, as printable text."""

from __future__ import annotations

from typing import Any

from pipeline.documents.text import printable
from pipeline.domain.demarches.dates import parse_date
from pipeline.domain.demarches.layout import as_list, text

#: Country codes (ISO 3166 alpha-3) spelled out; any other code is printed as given.
COUNTRIES = {"FRA": "France"}
NATIONALITIES = {"FRA": "Française"}
CIVILITIES = {"M": "Monsieur", "MME": "Madame"}
SEXES = {"1": "Masculin", "2": "Féminin"}
MARITAL = {
    "CELIBATAIRE": "Célibataire", "MARIE": "Marié(e)", "PACSE": "Pacsé(e)",
    "DIVORCE": "Divorcé(e)", "VEUF": "Veuf, veuve", "SEPARE": "Séparé(e)",
    "CONCUBINAGE": "En concubinage", "UNION_LIBRE": "En union libre",
}
YES = frozenset({"oui", "o", "1", "true", "vrai", "yes", "y"})
NO = frozenset({"non", "n", "0", "false", "faux", "no"})


def field(obj: dict[str, Any], *path: str) -> str:
    """Return the printable text at ``path`` ("" when absent)."""
    return printable(text(obj, *path))


def family_name(person: dict[str, Any]) -> str:
    return field(person, "NomFamille")


def first_names(person: dict[str, Any]) -> str:
    """Return the usual first name followed by the others: "Lucas, Pierre Jean"."""
    names = (field(person, "PrenomUsuel"), field(person, "Prenom"))
    return ", ".join(name for name in names if name)


def display_name(person: dict[str, Any]) -> str:
    """Return "Lucas MARTIN": the usual first name and the family name."""
    names = (field(person, "PrenomUsuel"), family_name(person))
    return " ".join(name for name in names if name)


def birth_date(person: dict[str, Any]) -> str:
    """Return the birth date as dd/mm/yyyy when it is one, else the text given."""
    value = text(person, "DateNaissance")
    born = parse_date(value)
    return born.strftime("%d/%m/%Y") if born else printable(value)


def birth_place(person: dict[str, Any]) -> str:
    """Return "Lille (59000)", "Paris 15e Arrondissement, 75115" or "Casablanca, MAR"."""
    towns, others = [], []
    for lieu in as_list(person.get("LieuNaissance")):
        if not isinstance(lieu, dict) or not field(lieu, "Nom"):
            continue
        (others if field(lieu, "Code") == "AUTRE" else towns).append(field(lieu, "Nom"))
    place = ", ".join(towns) or field(person, "CodeINSEENaissance")
    if others:
        place = f"{place} ({', '.join(others)})" if place else ", ".join(others)
    country = field(person, "PaysNaissance")
    if country and country != "FRA":
        place = f"{place}, {country_label(country)}" if place else country_label(country)
    return place


def country_label(code: str) -> str:
    return COUNTRIES.get(code.upper(), code)


def nationality_label(code: str) -> str:
    return NATIONALITIES.get(code.upper(), code)


def address_lines(address: dict[str, Any]) -> list[str]:
    """Return an address as its printed lines, blanks left out."""
    street = " ".join(
        part for part in (field(address, key) for key in
                          ("NumeroVoie", "Extension", "TypeVoie", "NomVoie")) if part
    )
    town = " ".join(part for part in (field(address, "CodePostal"),
                                      field(address, "Localite")) if part)
    lines = [field(address, "PointDeRemise"), field(address, "Complement"), street,
             field(address, "LieuDit"), town]
    return [line for line in lines if line]


def contacts(person: dict[str, Any], channel: str) -> list[str]:
    """Return the contact URIs of one channel (``EMAIL``, ``TEL``)."""
    found = []
    for contact in as_list(person.get("MethodeContact")):
        if isinstance(contact, dict) and field(contact, "CanalCode").upper() == channel:
            uri = field(contact, "URI")
            if uri.lower().startswith(("mailto:", "tel:")):
                uri = uri.split(":", 1)[1].strip()
            if uri:
                found.append(uri)
    return found


def coded(value: str, labels: dict[str, str]) -> str:
    """Return the label of a code, or the code itself when it has none."""
    return labels.get(value.upper(), value) if value else ""


def yes_no(value: str) -> str:
    folded = value.casefold()
    return "Oui" if folded in YES else "Non" if folded in NO else value


def describe(value: Any) -> list[str]:
    """Return free-shaped data (a text, an object, a list) as printable lines."""
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            parts = describe(item)
            if parts:
                lines.append(f"{_humanize(key)} : {'; '.join(parts)}")
        return lines
    if isinstance(value, list):
        return [line for item in value for line in describe(item)]
    shown = printable(value)
    return [yes_no(shown)] if shown else []


def _humanize(key: str) -> str:
    """Turn "NiveauEtudes" or "niveau_etudes" into "Niveau etudes"."""
    spaced = "".join(f" {c}" if c.isupper() else c for c in str(key)).replace("_", " ")
    words = spaced.split()
    return printable(" ".join(words).capitalize()) if words else ""
