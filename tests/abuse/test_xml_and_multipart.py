"""Hostile national XML and multipart filings: a clear 4xx, nothing stored, flow goes on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.abuse.conftest import Instance
from tests.abuse.hostile import multipart, rco_xml, xml_dossier
from tests.processes import PDF, wait_until

pytestmark = pytest.mark.abuse

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE RecensementCitoyen [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<RecensementCitoyen><Personne><NomFamille>&lol3;</NomFamille></Personne></RecensementCitoyen>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE RecensementCitoyen [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<RecensementCitoyen><Personne><NomFamille>&secret;</NomFamille></Personne></RecensementCitoyen>
"""


def deep_xml(depth: int) -> bytes:
    return (b"<RecensementCitoyen><Personne>" + b"<a>" * depth + b"x" + b"</a>" * depth
            + b"</Personne></RecensementCitoyen>")


@dataclass(frozen=True)
class Filing:
    name: str
    build: Callable[[], tuple[bytes, str]]
    status: int
    says: str


CASES = [
    Filing("espace de noms par défaut", lambda: xml_dossier(rco_xml(
        root_attributes=' xmlns="urn:exemple:recensement"')), 400, "espace de noms"),
    Filing("espace de noms préfixé", lambda: xml_dossier(rco_xml(
        prefix="r:", root_attributes=' xmlns:r="urn:exemple:recensement"')), 400,
        "espace de noms"),
    Filing("milliard de rires", lambda: xml_dossier(BILLION_LAUGHS), 400, "DOCTYPE"),
    Filing("entité externe", lambda: xml_dossier(EXTERNAL_ENTITY), 400, "DOCTYPE"),
    Filing("XML mal formé", lambda: xml_dossier(b"<RecensementCitoyen><Personne>"), 400,
           "dossier"),
    Filing("XML de plus de 2 Mo", lambda: xml_dossier(rco_xml(
        family_name="<!-- " + "x" * (2 * 1024 * 1024) + " -->DURAND")), 400, "dossier"),
    Filing("dix mille niveaux d'éléments", lambda: xml_dossier(deep_xml(10_000)), 400,
           "dossier"),
    Filing("nom d'un mégaoctet dans le XML", lambda: xml_dossier(rco_xml(
        family_name="A" * 1024 * 1024)), 400, "Personne.NomFamille"),
    Filing("date de naissance 01/01/0001 dans le XML", lambda: xml_dossier(rco_xml(
        birth_date="01/01/0001")), 400, "Personne.DateNaissance"),
    Filing("sans partie dossier", lambda: multipart([
        ("justificatif_identite", "cni.pdf", "application/pdf", PDF)]), 400, "dossier"),
    Filing("pièce jointe envoyée comme champ de texte", lambda: xml_dossier(
        rco_xml(), ("justificatif_domicile", None, "text/plain", b"x" * 1000)), 400,
        "justificatif_domicile"),
    Filing("partie au nom inconnu", lambda: xml_dossier(
        rco_xml(), ("virus", "a.pdf", "application/pdf", PDF)), 400, "virus"),
    Filing("fichier vide", lambda: xml_dossier(
        rco_xml(), ("justificatif_domicile", "vide.pdf", "application/pdf", b"")), 400,
        "justificatif_domicile"),
    Filing("deux mille parties", lambda: xml_dossier(rco_xml(), *[
        ("justificatif_domicile", f"p{i}.pdf", "application/pdf", PDF) for i in range(2000)]),
        413, "plus de 200 parties"),
]


def test_an_ordinary_xml_filing_is_taken_in(instance: Instance) -> None:
    body, content_type = xml_dossier(rco_xml())
    answer = instance.api("POST", "/api/v1/dossiers", raw=body, content_type=content_type)
    assert answer.status == 201, answer.text
    reference = answer.json()["reference"]
    wait_until(lambda: instance.waits_for_a_person(reference), 30, "the XML dossier checked")
    assert instance.status_of(reference) == "transmitted"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_xml_or_multipart_filing_is_refused_and_changes_nothing(
        instance: Instance, case: Filing) -> None:
    def send():  # type: ignore[no-untyped-def]
        body, content_type = case.build()
        return instance.api("POST", "/api/v1/dossiers", raw=body, content_type=content_type)

    instance.refuses_and_keeps_nothing(send, case.status, case.says)
