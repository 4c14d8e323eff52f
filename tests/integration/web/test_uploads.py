"""Files sent through the web pages: a hostile PDF is refused with its name and why, and nothing
is stored; a kept file is named after its content and served as a sandboxed download."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from pipeline.store.model import CitizenDocument
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import JPEG, Desk, make_desk
from tests.integration.web.test_agents_dossier import CITIZEN, deposit
from tests.integration.web.test_citizens import (
    csrf_of,
    make_runtime,
    row_counts,
    shown,
    text_of,
    token_for,
    verified_citizen,
)
from tests.integration.web.test_citizens_filing import (
    dossier_of,
    incomplete_dossier,
    post_form,
    rco_values,
    with_files,
)
from tests.pdfs import ONE_PAGE, PAGES, pdf, with_catalog
from web_minimal import create_app

EMAIL = "lucas@example.org"
#: JavaScript run at opening, hidden in an object stream under ASCIIHexDecode.
HIDDEN_SCRIPT = with_catalog(b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
                             {4: b"<</S/JavaScript/JS(app.alert(1))>>"}, ("ASCIIHexDecode",))
OPENS_A_SITE = pdf({1: b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/URI"
                       b"/URI(https://phishing.example/)>>>>", **PAGES})
WHY = "refusé : le PDF contient du contenu actif"


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return make_runtime(runtime_factory, sqlite_url)


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, EMAIL)
    return client


def add_to_space(client: FlaskClient, content: bytes, name: str) -> object:
    return client.post("/espace/documents", data={
        "csrf_token": token_for(client, "/espace"), "fichier": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("hostile", [HIDDEN_SCRIPT, OPENS_A_SITE])
def test_hostile_pdf_added_to_the_space_is_refused_and_nothing_stored(
        client: FlaskClient, runtime: Runtime, hostile: bytes) -> None:
    before = row_counts(runtime)

    refused = add_to_space(client, hostile, "facture.pdf")

    assert refused.status_code == 400
    assert f"Fichier « facture.pdf » {WHY}" in shown(refused)
    assert row_counts(runtime) == before


@pytest.mark.parametrize("hostile", [HIDDEN_SCRIPT, OPENS_A_SITE])
def test_hostile_pdf_joined_to_a_request_is_refused_and_nothing_stored(
        client: FlaskClient, runtime: Runtime, hostile: bytes) -> None:
    before = row_counts(runtime)

    refused = post_form(client, with_files(rco_values(runtime),
                                           justificatif_identite=(hostile, "cni.pdf")))

    assert refused.status_code == 400
    assert f"Fichier « cni.pdf » {WHY}" in shown(refused)
    assert row_counts(runtime) == before


def test_hostile_pdf_sent_to_complete_a_dossier_is_refused_and_nothing_stored(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime)
    page = text_of(client.get(f"/suivi/{reference}"))
    before = row_counts(runtime)

    refused = client.post(f"/suivi/{reference}/completer", data={
        "csrf_token": csrf_of(page), "precisions": "Voici le livret.",
        "fichier-livret_famille": (io.BytesIO(HIDDEN_SCRIPT), "livret.pdf")},
        content_type="multipart/form-data")

    assert refused.status_code == 400
    assert f"Fichier « livret.pdf » {WHY}" in shown(refused)
    assert row_counts(runtime) == before
    assert dossier_of(runtime, reference).status == "incomplete"


def test_a_file_kept_in_the_space_is_named_after_its_content_and_downloaded_sandboxed(
        client: FlaskClient, runtime: Runtime) -> None:
    added = add_to_space(client, JPEG, "photo.html")

    assert added.status_code == 303
    with runtime.ctx.db.transaction() as db:
        document = db.scalars(select(CitizenDocument)).one()
    assert (document.filename, document.media_type) == ("photo.jpg", "image/jpeg")
    download = client.get(f"/espace/documents/{document.id}")
    assert download.data == JPEG
    assert download.headers["Content-Disposition"] == "attachment; filename=photo.jpg"
    assert download.headers["Content-Security-Policy"].startswith("sandbox;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def test_hostile_pdf_deposited_by_an_agent_is_refused_and_nothing_stored(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    before = row_counts(desk.runtime)

    refused = deposit(desk, reference, OPENS_A_SITE, "attestation.pdf")

    assert refused.status_code == 422
    assert f"Fichier « attestation.pdf » {WHY} (action automatique URI)" in text_of(refused)
    assert row_counts(desk.runtime) == before
    assert desk.mails(CITIZEN, "documents_await") == []


def test_a_deposit_is_named_after_its_content(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    response = deposit(desk, reference, ONE_PAGE, "attestation.exe")

    assert response.status_code == 303
    with desk.ctx.db.transaction() as session:
        assert session.scalars(select(CitizenDocument.filename)).all() == ["attestation.pdf"]
    [mail] = desk.mails(CITIZEN, "documents_await")
    assert "attestation.pdf" in mail.body_text and "attestation.exe" not in mail.body_text
