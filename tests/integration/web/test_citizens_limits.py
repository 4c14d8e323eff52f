"""Input limits in the citizens' pages: each refusal beside its field, and nothing filed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pipeline.domain.demarches import limits
from pipeline.domain.demarches.dates import OLD_BIRTH
from teledossier.bootstrap import Runtime
from tests.integration.web.test_citizens import (
    csrf_of,
    element,
    make_runtime,
    row_counts,
    text_of,
    verified_citizen,
)
from tests.integration.web.test_citizens_filing import (
    CITIZEN,
    TWO_PDFS,
    dossier_of,
    hidden_fields,
    incomplete_dossier,
    post_form,
    rco_values,
    with_files,
)
from web_minimal import create_app

TOO_LONG_TEXT = "x" * (limits.FREE_TEXT_MAX_LENGTH + 1)


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return make_runtime(runtime_factory, sqlite_url)


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, CITIZEN)
    return client


def error_beside(page: str, name: str) -> str:
    return element(page, f"champ-{name.replace('.', '-')}-erreur").text_content()


@pytest.mark.parametrize("name", ["Personne.NomFamille", "FiliationPere.NomFamille",
                                  "Personne.LieuNaissance.Nom"])
def test_a_too_long_name_is_refused_beside_its_field_and_nothing_is_stored(
        client: FlaskClient, runtime: Runtime, name: str) -> None:
    before = row_counts(runtime)

    answer = post_form(client, rco_values(runtime, **{name: "A" * 20_000}))

    assert answer.status_code == 400
    assert "100 caractères au plus (20\u202f000 reçus)" in error_beside(text_of(answer), name)
    assert row_counts(runtime) == before


def test_text_fields_carry_their_limit_for_the_browser(client: FlaskClient) -> None:
    page = text_of(client.get("/demarches/recensement"))

    assert element(page, "champ-Personne-NomFamille").get("maxlength") == "100"
    assert element(page, "champ-Personne-Prenom").get("maxlength") == "200"
    assert element(page, "champ-Personne-Telephone").get("maxlength") == "320"


def test_a_too_long_phone_number_is_refused_beside_the_phone_field(
        client: FlaskClient, runtime: Runtime) -> None:
    answer = post_form(client, rco_values(runtime, **{"Personne.Telephone": "0" * 400}))

    assert answer.status_code == 400
    assert "320 caractères au plus" in error_beside(text_of(answer), "Personne.Telephone")


def test_a_birth_date_in_year_1_is_refused_saying_why(client: FlaskClient,
                                                      runtime: Runtime) -> None:
    answer = post_form(client, rco_values(runtime, **{"Personne.DateNaissance": "01/01/0001"}))

    assert answer.status_code == 400
    assert error_beside(text_of(answer), "Personne.DateNaissance") == OLD_BIRTH


def test_a_recap_altered_to_carry_a_long_name_is_refused_when_sent(
        client: FlaskClient, runtime: Runtime) -> None:
    recap = post_form(client, with_files(rco_values(runtime), **TWO_PDFS))
    assert recap.status_code == 200, text_of(recap)
    before = row_counts(runtime)
    fields = {**hidden_fields(text_of(recap)), "Personne.NomFamille": "A" * 20_000}

    sent = client.post("/demarches/recensement/envoyer", data=fields)

    assert sent.status_code == 400
    assert "100 caractères au plus" in error_beside(text_of(sent), "Personne.NomFamille")
    assert row_counts(runtime) == before


def test_a_too_long_message_to_the_commune_is_refused(client: FlaskClient,
                                                      runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime)
    page = text_of(client.get(f"/suivi/{reference}"))
    assert element(page, "champ-message").get("maxlength") == str(limits.FREE_TEXT_MAX_LENGTH)
    before = row_counts(runtime)

    answer = client.post(f"/suivi/{reference}/message",
                         data={"csrf_token": csrf_of(page), "message": TOO_LONG_TEXT})

    assert answer.status_code == 400
    assert "5000 caractères" in element(text_of(answer), "champ-message-erreur").text_content()
    assert row_counts(runtime) == before


def test_too_long_precisions_are_refused_beside_them_and_the_dossier_still_waits(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime)
    page = text_of(client.get(f"/suivi/{reference}"))
    before = row_counts(runtime)

    answer = client.post(f"/suivi/{reference}/completer", data={
        "csrf_token": csrf_of(page), "precisions": TOO_LONG_TEXT},
        content_type="multipart/form-data")

    assert answer.status_code == 400
    assert "5\u202f000 caractères au plus" in error_beside(text_of(answer), "precisions")
    assert dossier_of(runtime, reference).status == "incomplete"
    assert row_counts(runtime) == before
