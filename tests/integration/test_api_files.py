"""Files through the API: hostile PDFs refused (400, nothing stored), names follow the content."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from pipeline.store.model import Attachment
from teledossier.bootstrap import Runtime
from tests.integration.test_api import (
    DOSSIERS,
    RCO_XML,
    Api,
    attachment,
    field_messages,
    make_api,
    png,
    rco_body,
)
from tests.pdfs import ONE_PAGE, PAGES, pdf, stored, with_catalog

SCRIPT = b"<</S/JavaScript/JS(app.alert(1))>>"
OPENS_SCRIPT = b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>"
HOSTILE = [
    pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT}, ("ASCIIHexDecode",)),
                 "contenu actif", id="javascript-in-asciihex-object-stream"),
    pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT}, ("ASCII85Decode",)),
                 "contenu actif", id="javascript-in-ascii85-object-stream"),
    pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT}, ("ASCIIHexDecode", "FlateDecode")),
                 "contenu actif", id="javascript-in-hex-flate-object-stream"),
    pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT + b" " * 21_000_000}),
                 "n'a pas pu être lu en entier", id="javascript-after-21-mb"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/URI/URI(https://x.example/)"
                         b">>>>", **PAGES}), "action automatique URI", id="openaction-uri"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R/OpenAction<</S/GoToR/F(x.pdf)/D[0/Fit]>>"
                         b">>", **PAGES}), "action automatique GoToR", id="openaction-gotor"),
]


@pytest.fixture
def api(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Api:
    return make_api(runtime_factory(sqlite_url))


@pytest.mark.parametrize(("content", "why"), HOSTILE)
def test_hostile_pdf_in_json_is_refused_naming_the_file_and_nothing_is_stored(
        api: Api, content: bytes, why: str) -> None:
    body = rco_body()
    body["attachments"][0] = attachment("justificatif_identite", content, "cni.pdf")

    response = api.submit(body)

    assert response.status_code == 400
    message = field_messages(response)["attachments[0]"]
    assert message.startswith("Fichier « cni.pdf » refusé : ") and why in message
    api.assert_nothing_stored()


@pytest.mark.parametrize(("content", "why"), HOSTILE[:1] + HOSTILE[-2:])
def test_hostile_pdf_in_multipart_is_refused_naming_the_part(api: Api, content: bytes,
                                                             why: str) -> None:
    response = api.client.post(DOSSIERS, headers=api.auth(), data={
        "dossier": (io.BytesIO(RCO_XML), "dossier.xml"),
        "justificatif_identite": (io.BytesIO(content), "carte.pdf"),
    })

    assert response.status_code == 400
    message = field_messages(response)["justificatif_identite"]
    assert message.startswith("Fichier « carte.pdf » refusé : ") and why in message
    api.assert_nothing_stored()


def test_stored_names_follow_the_content_and_pdfs_are_stored_cleaned(api: Api) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
    body = rco_body()
    body["attachments"] = [attachment("justificatif_identite", ONE_PAGE, "c.exe"),
                           attachment("livret_famille", jpeg, "x.html"),
                           attachment("justificatif_domicile", png(), "../../facture\x07")]

    response = api.submit(body)

    assert response.status_code == 201, response.get_json()
    with api.runtime.ctx.db.transaction() as session:
        pieces = {a.filename: a for a in session.scalars(select(Attachment))}
        assert set(pieces) == {"c.pdf", "x.jpg", "facture.png"}
        assert api.runtime.ctx.blobs.get(session, pieces["c.pdf"].sha256) == stored(ONE_PAGE)
        assert api.runtime.ctx.blobs.get(session, pieces["x.jpg"].sha256) == jpeg
