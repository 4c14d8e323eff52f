"""Dossier XML: the national RCO layout and ours for ILE, checked by the shipped XSDs, and read
back by intake into the very same data."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from pipeline.documents import DossierFacts, XmlExportError, export_xml, validate_xml
from pipeline.domain.demarches import ILE, RCO
from pipeline.domain.demarches.xml_input import parse_dossier_xml
from tests.unit.documents.samples import NATIONAL_FILE, TODAY


def read_back(content: bytes) -> tuple[str, dict]:
    demarche, data = parse_dossier_xml(content)
    return demarche, (RCO if demarche == RCO.id else ILE).normalize(data, today=TODAY)


@pytest.mark.parametrize("dossier", ["rco", "ile"])
def test_export_reads_back_as_the_same_data(dossier: str,
                                            request: pytest.FixtureRequest) -> None:
    facts: DossierFacts = request.getfixturevalue(dossier)

    demarche, data = read_back(export_xml(facts))

    assert demarche == facts.demarche
    assert data == facts.data


def test_missing_formalite_is_completed_from_the_dossier(bare_rco: DossierFacts) -> None:
    _, data = read_back(export_xml(bare_rco))

    assert data.pop("Formalite") == {
        "Identifiant": "TD-BAREBARE1", "FormaliteType": "DECL",
        "DateSoumission": "2026-03-01T10:12:00", "FormaliteMotifCode": ["RECENSEMENT"],
        "FormaliteModeCode": "AJOUT"}
    assert data == bare_rco.data


def test_rco_export_is_in_the_national_layout(bare_rco: DossierFacts) -> None:
    root = etree.fromstring(export_xml(bare_rco))

    assert root.tag == "RecensementCitoyen"
    assert [child.tag for child in root] == [
        "Convention", "Formalite", "Personne", "FiliationPere", "FiliationMere"]
    personne = root.find("Personne")
    assert [child.tag for child in personne][:11] == [
        "Civilite", "Sexe", "NomFamille", "NomUsage", "PrenomUsuel", "Prenom",
        "DateNaissance", "PaysNaissance", "Nationalite", "CodeINSEENaissance", "LieuNaissance"]
    # Absent parents are there, empty, as in the national files.
    assert root.find("FiliationPere/NomFamille").text is None
    assert root.find("Personne/DateNaissance").text == "06/11/2009"


def test_a_real_national_file_matches_the_shipped_schema() -> None:
    validate_xml(NATIONAL_FILE)

    demarche, data = read_back(NATIONAL_FILE)
    assert demarche == "RecensementCitoyen"
    assert data["Personne"]["NomFamille"] == "MAMMAR"


def test_export_declares_utf8_and_keeps_accents(rco: DossierFacts) -> None:
    content = export_xml(rco)

    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<RecensementCitoyen>')
    assert "MARTIN-ÉTIENNE" in content.decode("utf-8")
    assert "Cœur-Anaïs" in content.decode("utf-8")


def test_data_outside_the_layout_fails_validation_loudly(rco: DossierFacts) -> None:
    broken = dataclasses.replace(rco, data={**rco.data, "Personne": {
        **rco.data["Personne"], "Sexe": "3"}})

    with pytest.raises(XmlExportError, match=r"recensement-citoyen\.xsd"):
        export_xml(broken)


def test_unknown_root_is_refused() -> None:
    with pytest.raises(XmlExportError, match="racine inconnu"):
        validate_xml(b"<Autre/>")
