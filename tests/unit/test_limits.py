"""The limits table: every field of both layouts bounded, the same way for every channel."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.domain.demarches import ILE, RCO, InvalidDossier, limits
from pipeline.domain.demarches.ile import LAYOUT as ILE_LAYOUT
from pipeline.domain.demarches.layout import TEXT
from pipeline.domain.demarches.rco import LAYOUT as RCO_LAYOUT
from pipeline.store.model import Dossier

TODAY = date(2026, 3, 10)
ROOT = Path(__file__).parents[2]
XSD = ROOT / "pipeline" / "documents" / "xsd" / "commun.xsd"


def text_paths(layout: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Every path of the layout that holds a text value."""
    for key, spec in layout.items():
        path = f"{prefix}.{key}" if prefix else key
        if spec == TEXT:
            yield path
        elif isinstance(spec, dict):
            yield from text_paths(spec, path)


def rco() -> dict[str, Any]:
    return {
        "Personne": {
            "NomFamille": "MARTIN", "PrenomUsuel": "Lucas", "DateNaissance": "15/01/2010",
            "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lille"}],
            "AdresseDomicile": {"CodePostal": "59000", "Localite": "Lille"},
            "MethodeContact": [{"URI": "lucas@example.fr", "CanalCode": "EMAIL"}],
        },
        "FiliationPere": {"NomFamille": "MARTIN", "PrenomUsuel": "Paul"},
    }


def put(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
        if isinstance(node, list):
            node = node[0]
    node[last] = value
    return data


def errors_of(data: Any, demarche: Any = RCO) -> dict[str, str]:
    with pytest.raises(InvalidDossier) as caught:
        demarche.normalize(data, today=TODAY)
    return {error.field: error.message for error in caught.value.errors}


# --- The table ------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [RCO_LAYOUT, ILE_LAYOUT], ids=["RCO", "ILE"])
def test_every_text_field_of_the_layouts_has_its_own_limit(layout: dict[str, Any]) -> None:
    unbounded = [path for path in text_paths(layout)
                 if path.rsplit(".", 1)[-1] not in limits.FIELD_MAX_LENGTH]
    assert unbounded == []


def test_limits_stay_within_the_xsd_so_an_accepted_dossier_exports_valid_xml() -> None:
    namespaces = {"xs": "http://www.w3.org/2001/XMLSchema"}
    texte = etree.parse(str(XSD)).find(
        "xs:simpleType[@name='Texte']/xs:restriction/xs:maxLength", namespaces)
    assert texte is not None
    widest = max(*limits.FIELD_MAX_LENGTH.values(), limits.FREE_PART_MAX_LENGTH)
    assert widest <= int(texte.get("value"))


def test_the_readme_gives_every_limit_of_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Limites des données", 1)[1].split("\n---", 1)[0]
    shown: dict[str, int] = {}
    for row in re.findall(r"^\| (.+) \| ([\d ]+) \|$", section, re.MULTILINE):
        for name in re.findall(r"`([\w.]+)`", row[0]):
            shown[name.rsplit(".", 1)[-1]] = int(row[1].replace(" ", ""))

    assert {name: shown.get(name) for name in limits.FIELD_MAX_LENGTH} == limits.FIELD_MAX_LENGTH
    assert shown["comment"] == limits.FREE_TEXT_MAX_LENGTH
    assert shown["DemandeExemption"] == limits.FREE_PART_MAX_LENGTH


def test_limits_fit_the_columns_they_are_stored_in() -> None:
    table = limits.FIELD_MAX_LENGTH
    name_length = table["PrenomUsuel"] + 1 + table["NomFamille"]
    assert name_length <= Dossier.__table__.c.citizen_name.type.length
    assert table["Identifiant"] <= Dossier.__table__.c.national_number.type.length
    assert table["URI"] <= Dossier.__table__.c.citizen_email.type.length


# --- Lengths --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["Personne.NomFamille", "FiliationPere.NomFamille",
                                  "Personne.Prenom", "Personne.AdresseDomicile.NomVoie",
                                  "Personne.LieuNaissance.Nom", "Formalite.Identifiant"])
def test_value_at_the_limit_is_taken_and_one_character_more_is_refused(path: str) -> None:
    limit = limits.max_length(path)
    assert RCO.normalize(put(rco(), path, "A" * limit), today=TODAY)

    errors = errors_of(put(rco(), path, "A" * (limit + 1)))

    assert errors == {path: limits.too_long(limit, limit + 1)}
    assert f"{limit} caractères au plus" in errors[path]


def test_megabyte_name_is_refused_quickly_with_its_field() -> None:
    errors = errors_of(put(rco(), "Personne.NomFamille", "A" * 1_000_000))
    assert errors == {"Personne.NomFamille": "Ce champ est trop long : 100 caractères au plus "
                                             "(1\u202f000\u202f000 reçus)."}


def test_surrounding_blanks_do_not_count() -> None:
    padded = " " * 500 + "MARTIN" + " " * 500
    data = RCO.normalize(put(rco(), "Personne.NomFamille", padded), today=TODAY)
    assert data["Personne"]["NomFamille"] == "MARTIN"


def test_long_number_is_refused_like_a_long_text() -> None:
    errors = errors_of(put(rco(), "Personne.SituationFamille", {"NombreEnfants": 10 ** 30}))
    assert "Personne.SituationFamille.NombreEnfants" in errors


def test_ile_fields_have_their_limits_too() -> None:
    data = put(rco(), "InscriptionPrecedente.Localite", "N" * 101)
    data.pop("FiliationPere")
    assert list(errors_of(data, ILE)) == ["InscriptionPrecedente.Localite"]


def test_texts_of_parts_carried_as_given_and_of_unknown_elements_are_bounded() -> None:
    long = "x" * (limits.FREE_PART_MAX_LENGTH + 1)
    data = put(rco(), "Personne.SituationScolaireOuProfessionnelle", {"Etablissement": long})
    data["Inconnu"] = {"Texte": [long]}

    assert set(errors_of(data)) == {"Personne.SituationScolaireOuProfessionnelle.Etablissement",
                                    "Inconnu.Texte"}


# --- The data as a whole --------------------------------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    """``depth`` objects, one in the other, built without recursion."""
    top: dict[str, Any] = {}
    node = top
    for _ in range(depth - 1):
        node["x"] = {}
        node = node["x"]
    node["x"] = "fin"
    return top


def test_nesting_the_free_parts_allow_is_taken() -> None:
    # data, Personne, DemandeExemption and 7 more levels: the deepest allowed.
    data = put(rco(), "Personne.DemandeExemption", nested(limits.MAX_DEPTH - 2))
    assert RCO.normalize(data, today=TODAY)


@pytest.mark.parametrize("depth", [limits.MAX_DEPTH, 500, 900])
def test_deep_nesting_is_refused_with_the_branch_it_is_in(depth: int) -> None:
    data = put(rco(), "Personne.DemandeExemption", nested(depth))

    errors = errors_of(data)

    ((field, message),) = errors.items()
    assert field.startswith("Personne.DemandeExemption.x")
    assert message == limits.TOO_DEEP


def test_too_many_values_are_refused_before_being_read() -> None:
    data = rco()
    data["Personne"]["MethodeContact"] = [{"URI": "0600000000", "CanalCode": "TEL"}] * 10**6

    assert errors_of(data) == {"dossier": limits.TOO_MANY_VALUES}


def test_element_with_a_huge_name_is_refused() -> None:
    data = rco()
    data["Personne"]["N" * 10_000] = "x"
    assert errors_of(data) == {"Personne": limits.NAME_TOO_LONG}


# --- Free texts -----------------------------------------------------------------------------


def test_free_text_is_bounded_and_new_lines_count_once() -> None:
    limit = limits.FREE_TEXT_MAX_LENGTH
    assert limits.free_text_error("a\r\n" * (limit // 2), "comment") is None
    error = limits.free_text_error("a" * (limit + 1), "comment")
    assert error is not None and error.field == "comment"
    assert f"{limit:,}".replace(",", "\u202f") in error.message
