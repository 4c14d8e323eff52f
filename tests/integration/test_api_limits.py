"""Input limits through the API: lengths, nesting, dates, namespaces; 400, and nothing stored."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from pipeline.domain.demarches import limits
from pipeline.domain.demarches.dates import OLD_BIRTH
from pipeline.store.model import HistoryEntry
from teledossier.bootstrap import Runtime
from tests.integration.test_api import (
    DOSSIERS,
    PDF,
    RCO_XML,
    Api,
    field_messages,
    make_api,
    png,
    rco_body,
    transmitted_reference,
)

#: A name of a megabyte: drawing it used to jam the pipeline.
HUGE = 1_000_000


@pytest.fixture
def api(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Api:
    return make_api(runtime_factory(sqlite_url))


def post_xml(api: Api, xml: bytes) -> Any:
    return api.client.post(DOSSIERS, headers=api.auth(api.submit_only), data={
        "dossier": (io.BytesIO(xml), "dossier.xml", "application/xml"),
        "justificatif_identite": (io.BytesIO(PDF), "cni.pdf", "application/pdf"),
        "livret_famille": (io.BytesIO(png()), "livret.png", "image/png"),
    })


def with_value(path: str, value: Any) -> dict[str, Any]:
    body = rco_body()
    *parents, last = path.split(".")
    node = body["data"]
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return body


def deep_json(depth: int) -> bytes:
    """An RCO body whose data hold ``depth`` nested objects (written out: no recursion)."""
    body = json.dumps(rco_body())
    branch = '{"x":' * depth + '"fin"' + "}" * depth
    return body.replace('"data": {', f'"data": {{"Extra": {branch}, ', 1).encode()


# --- Lengths --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["Personne.NomFamille", "FiliationPere.NomFamille"])
def test_megabyte_name_in_json_is_refused_with_its_field(api: Api, path: str) -> None:
    started = time.monotonic()

    response = api.submit(with_value(path, "A" * HUGE), token=api.submit_only)

    assert response.status_code == 400
    message = field_messages(response)[path]
    assert "100 caractères au plus" in message and "1\u202f000\u202f000 reçus" in message
    assert time.monotonic() - started < 5
    api.assert_nothing_stored()


def test_name_at_its_limit_is_taken(api: Api) -> None:
    response = api.submit(with_value("Personne.NomFamille", "A" * 100))
    assert response.status_code == 201, response.get_json()


def test_long_texts_of_several_fields_are_reported_together(api: Api) -> None:
    body = with_value("Personne.PrenomUsuel", "B" * 101)
    body["data"]["Personne"]["AdresseDomicile"]["NomVoie"] = "rue " * 100

    response = api.submit(body)

    assert response.status_code == 400
    assert set(field_messages(response)) == {"Personne.PrenomUsuel",
                                             "Personne.AdresseDomicile.NomVoie"}
    api.assert_nothing_stored()


def test_megabyte_name_in_national_xml_is_refused_with_its_field(api: Api) -> None:
    xml = RCO_XML.replace(b"<NomFamille>DURAND</NomFamille>",
                          b"<NomFamille>" + b"A" * HUGE + b"</NomFamille>", 1)

    response = post_xml(api, xml)

    assert response.status_code == 400
    assert "100 caractères au plus" in field_messages(response)["Personne.NomFamille"]
    api.assert_nothing_stored()


def test_too_long_agent_comment_is_a_400_on_the_comment_and_changes_nothing(api: Api) -> None:
    reference = transmitted_reference(api)
    before = api.get(reference).get_json()

    response = api.act(reference, "completer", "x" * (limits.FREE_TEXT_MAX_LENGTH + 1))

    assert response.status_code == 400
    assert "5\u202f000 caractères au plus" in field_messages(response)["comment"]
    assert api.get(reference).get_json() == before
    assert api.count(HistoryEntry) == len(before["history"])


# --- Nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [20, 500, 900])
def test_deeply_nested_data_is_a_400_naming_the_branch(api: Api, depth: int) -> None:
    response = api.client.post(DOSSIERS, data=deep_json(depth), headers=api.auth(),
                               content_type="application/json")

    assert response.status_code == 400
    ((field, message),) = field_messages(response).items()
    assert field.startswith("Extra.x") and message == limits.TOO_DEEP
    api.assert_nothing_stored()


def test_nesting_deeper_than_the_json_parser_goes_is_a_400_on_the_body(api: Api) -> None:
    response = api.client.post(DOSSIERS, data=deep_json(100_000), headers=api.auth(),
                               content_type="application/json")

    assert response.status_code == 400
    assert "trop imbriqué" in field_messages(response)["body"]
    api.assert_nothing_stored()


# --- Dates ----------------------------------------------------------------------------------


def test_birth_date_in_year_1_is_refused_in_json(api: Api) -> None:
    response = api.submit(with_value("Personne.DateNaissance", "01/01/0001"))

    assert response.status_code == 400
    assert field_messages(response) == {"Personne.DateNaissance": OLD_BIRTH}
    api.assert_nothing_stored()


def test_birth_date_in_year_1_is_refused_in_national_xml(api: Api) -> None:
    xml = RCO_XML.replace(b"03/04/2009", b"01/01/0001", 1)

    response = post_xml(api, xml)

    assert response.status_code == 400
    assert field_messages(response) == {"Personne.DateNaissance": OLD_BIRTH}
    api.assert_nothing_stored()


# --- Namespaces -----------------------------------------------------------------------------


@pytest.mark.parametrize("root", [b'<RecensementCitoyen xmlns="urn:rc">',
                                  b'<RecensementCitoyen xmlns="http://www.w3.org/1999/xhtml">'])
def test_national_xml_with_a_default_namespace_is_refused(api: Api, root: bytes) -> None:
    response = post_xml(api, RCO_XML.replace(b"<RecensementCitoyen>", root, 1))

    assert response.status_code == 400
    assert "espace de noms" in field_messages(response)["dossier"]
    api.assert_nothing_stored()


def test_national_xml_with_a_prefixed_namespace_is_refused(api: Api) -> None:
    xml = (RCO_XML.replace(b"<RecensementCitoyen>", b'<rc:RecensementCitoyen xmlns:rc="urn:rc">')
           .replace(b"</RecensementCitoyen>", b"</rc:RecensementCitoyen>"))

    response = post_xml(api, xml)

    assert response.status_code == 400
    assert "espace de noms" in field_messages(response)["dossier"]
    api.assert_nothing_stored()


# --- PostgreSQL: the columns' own limits are never reached ----------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["Personne.NomFamille", "Personne.PrenomUsuel"])
def test_twenty_thousand_character_name_is_a_400_on_postgresql(
        runtime_factory: Callable[..., Runtime], pg_url: str, path: str) -> None:
    api = make_api(runtime_factory(pg_url))

    response = api.submit(with_value(path, "N" * 20_000))

    assert response.status_code == 400  # was a 500: citizen_name is a VARCHAR(400)
    assert "100 caractères au plus" in field_messages(response)[path]
    api.assert_nothing_stored()
