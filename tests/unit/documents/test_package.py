"""« Télécharger les éléments du dossier »: the ZIP and its manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from pipeline.documents import DossierFacts, build_package


def build(facts: DossierFacts) -> bytes:
    attachments = [("cni.pdf", b"%PDF-1 a"), ("CNI.pdf", b"%PDF-1 b"),
                   ("../../etc/passwd", b"x"), ("scan<1>.png", b"png"), ("", b"empty name")]
    return build_package(facts, b"%PDF- form", attachments, b"<RecensementCitoyen/>")


def test_zip_holds_the_form_the_pieces_the_xml_and_a_manifest(rco: DossierFacts) -> None:
    archive = zipfile.ZipFile(io.BytesIO(build(rco)))

    assert archive.namelist() == [
        "TD-ABCDEFGH7-notice-individuelle.pdf", "TD-ABCDEFGH7.xml",
        "pieces-justificatives/cni.pdf", "pieces-justificatives/CNI (2).pdf",
        "pieces-justificatives/passwd", "pieces-justificatives/scan1.png",
        "pieces-justificatives/piece-5", "manifest.json"]
    assert archive.read("pieces-justificatives/CNI (2).pdf") == b"%PDF-1 b"


def test_manifest_lists_every_file_with_its_sha256(rco: DossierFacts) -> None:
    archive = zipfile.ZipFile(io.BytesIO(build(rco)))
    manifest = json.loads(archive.read("manifest.json"))

    assert manifest["reference"] == "TD-ABCDEFGH7"
    assert manifest["commune"] == {"nom": "Démoville", "code_insee": "99999"}
    listed = {entry["nom"]: entry for entry in manifest["fichiers"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in listed.items():
        content = archive.read(name)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["taille"] == len(content)


def test_same_dossier_gives_the_same_zip_with_its_filing_time(rco: DossierFacts) -> None:
    first = build(rco)

    assert build(rco) == first
    info = zipfile.ZipFile(io.BytesIO(first)).infolist()[0]
    assert info.date_time == (2026, 3, 1, 10, 12, 0)  # Paris time of the filing
