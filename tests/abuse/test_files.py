"""Hostile files in a filing: the abuse campaign's PDFs refused, names after their content."""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

import pytest

from tests.abuse.conftest import Instance
from tests.abuse.hostile import rco_xml, xml_dossier
from tests.pdfs import with_catalog
from tests.processes import rco_dossier
from tests.unit.test_pdf_check import HOSTILE, catalog

pytestmark = pytest.mark.abuse

#: The campaign's files, then every other class the unit tests know, by their test id.
CAMPAIGN = ["openaction-javascript-in-object-stream-ASCIIHexDecode",
            "openaction-javascript-in-object-stream-ASCII85Decode",
            "openaction-javascript-in-object-stream-ASCIIHexDecode-FlateDecode",
            "openaction-javascript-after-21-mb-FlateDecode", "openaction-uri",
            "openaction-gotor", "javascript-name-tree", "embedded-file",
            "javascript-added-by-an-incremental-update", "no-page"]
FILES = {param.id: param.values[0] for param in HOSTILE if param.id in CAMPAIGN}
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xd9")


def with_identity(content: bytes, filename: str = "cni.pdf") -> dict[str, Any]:
    dossier = rco_dossier(1)
    dossier["attachments"][0] = {"kind": "justificatif_identite", "filename": filename,
                                 "content_base64": base64.b64encode(content).decode()}
    return dossier


def test_the_campaign_files_are_all_here() -> None:
    assert sorted(FILES) == sorted(CAMPAIGN)


@pytest.mark.parametrize("name", CAMPAIGN)
def test_hostile_pdf_in_a_json_filing_is_refused(instance: Instance, name: str) -> None:
    instance.refuses_and_keeps_nothing(
        lambda: instance.api("POST", "/api/v1/dossiers", with_identity(FILES[name])),
        400, "Fichier « cni.pdf » refusé")


@pytest.mark.parametrize("name", ["openaction-javascript-in-object-stream-ASCII85Decode",
                                  "openaction-uri"])
def test_hostile_pdf_in_a_multipart_filing_is_refused(instance: Instance, name: str) -> None:
    def send():  # type: ignore[no-untyped-def]
        body, content_type = xml_dossier(rco_xml(), ("justificatif_identite", "piece.pdf",
                                                     "application/pdf", FILES[name]))
        return instance.api("POST", "/api/v1/dossiers", raw=body, content_type=content_type)

    instance.refuses_and_keeps_nothing(send, 400, "Fichier « piece.pdf » refusé")


def test_a_file_named_for_another_type_is_stored_and_served_under_its_own(
        instance: Instance) -> None:
    benign = with_catalog(b"<</Type/Catalog/Pages 2 0 R>>")
    dossier = with_identity(benign, "c.exe")
    dossier["attachments"][1] = {"kind": "livret_famille", "filename": "x.html",
                                 "content_base64": base64.b64encode(JPEG).decode()}
    answer = instance.api("POST", "/api/v1/dossiers", dossier)
    assert answer.status == 201, answer.text
    reference = answer.json()["reference"]
    package = instance.api("GET", f"/api/v1/dossiers/{reference}/package.zip")
    assert package.status == 200, package.text[:300]
    names = {name.rsplit("/", 1)[-1] for name in zipfile.ZipFile(io.BytesIO(package.body))
             .namelist()}
    assert {"c.pdf", "x.jpg"} <= names, names
    assert not any(name.endswith((".exe", ".html")) for name in names)
    instance.keeps_moving()


def test_a_benign_pdf_with_a_harmless_open_action_is_taken_in(instance: Instance) -> None:
    opens_at_page = catalog(b"/OpenAction[3 0 R/Fit]")
    answer = instance.api("POST", "/api/v1/dossiers", with_identity(opens_at_page))
    assert answer.status == 201, answer.text
    instance.keeps_moving()
