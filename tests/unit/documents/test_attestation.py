"""The attestation: genuine ones verify; altered, re-signed or mixed-up ones say why not."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from pipeline.documents import (
    CommuneIdentity,
    DossierFacts,
    attestation_qr,
    issue_attestation,
    render_attestation,
    render_notice,
    sign_pdf,
    verify_attestation,
    verify_file,
)
from pipeline.documents.pdftext import page_text
from pipeline.documents.signing import loaded_signer
from tests.unit.documents.samples import ISSUED_AT, PUBLIC_URL

MODIFIED = "Le contenu du document a été modifié après sa signature"
COMPLETED = "Le document a été complété après sa signature"


@pytest.fixture
def genuine(rco: DossierFacts, identity: CommuneIdentity) -> bytes:
    return issue_attestation(rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)


def verdict_of(pdf: bytes, identity: CommuneIdentity):
    return verify_attestation(pdf, [identity.trusted()])


def test_genuine_attestation_verifies_with_its_facts(genuine: bytes,
                                                     identity: CommuneIdentity) -> None:
    verdict = verdict_of(genuine, identity)

    assert verdict.genuine, verdict.reason
    assert verdict.facts["reference"] == "TD-ABCDEFGH7"
    assert verdict.facts["nom"] == "MARTIN-ÉTIENNE"
    assert verdict.facts["prenoms"] == "Lucas, Pierre Jean"
    assert verdict.facts["date_naissance"] == "15/01/2010"
    assert verdict.facts["code_insee"] == "99999"
    assert verdict.facts["delivree_le"] == "12/03/2026"
    assert verdict.facts["certificat"] == "généré par Télédossier (autosigné)"


def test_attestation_shows_what_the_law_asks(genuine: bytes) -> None:
    text = page_text(genuine)

    for value in ("ATTESTATION DE RECENSEMENT", "Commune de Démoville", "MARTIN-ÉTIENNE",
                  "Lucas, Pierre Jean", "15/01/2010", "Lille (59000)", "12 RUE des Lilas",
                  "Date du recensement", "01/03/2026", "Jeanne Dupré-Lefèvre",
                  "Fait à Démoville, le 12 mars 2026.", "TD-ABCDEFGH7",
                  f"{PUBLIC_URL}/verifier"):
        assert value in text
    assert not re.search(r"\b(None|null|nan)\b", text)


def test_attestation_carries_stamp_signature_qr_and_a_certification_signature(
        genuine: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(genuine))
    page = reader.root["/Pages"]["/Kids"][0]
    images = page["/Resources"]["/XObject"]
    signature = reader.embedded_signatures[0]

    assert len(images) >= 2  # stamp and signature, with their transparency masks apart
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/DocMDP" in reader.root["/Perms"]
    assert str(reader.trailer["/Info"]["/Keywords"]).startswith(f"{PUBLIC_URL}/verifier/")
    # The QR code is one path: a run of rectangles in module units, then a single fill.
    content = page["/Contents"].data.decode("latin-1")
    qr_path = re.search(r"cm\n((?:\d+ -\d+ \d+ 1 re\n)+)f\n", content)
    assert qr_path is not None
    assert qr_path[1].count(" re\n") > 100


def test_same_inputs_give_the_same_signed_bytes(rco: DossierFacts,
                                                identity: CommuneIdentity) -> None:
    first = issue_attestation(rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)
    again = issue_attestation(rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)

    assert first == again


def test_signer_is_loaded_once_per_identity(rco: DossierFacts, identity: CommuneIdentity) -> None:
    issue_attestation(rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)
    before = loaded_signer.cache_info()

    issue_attestation(rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)

    after = loaded_signer.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 1


def test_long_names_attestation_verifies(long_rco: DossierFacts,
                                         identity: CommuneIdentity) -> None:
    pdf = issue_attestation(long_rco, identity, issued_at=ISSUED_AT, public_url=PUBLIC_URL)

    assert verdict_of(pdf, identity).genuine


def test_one_changed_byte_is_detected(genuine: bytes, identity: CommuneIdentity) -> None:
    altered = bytearray(genuine)
    altered[len(genuine) // 3] ^= 0x01

    verdict = verdict_of(bytes(altered), identity)

    assert not verdict.genuine
    assert verdict.reason.startswith(MODIFIED)


def test_a_page_added_by_incremental_update_is_detected(genuine: bytes,
                                                        identity: CommuneIdentity) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(genuine))
    content = writer.add_object(generic.StreamObject(stream_data=b"BT 100 700 Td (X) Tj ET"))
    writer.insert_page(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.pdf_name("/Contents"): content,
    }))

    verdict = verdict_of(_written(writer), identity)

    assert not verdict.genuine
    assert verdict.reason.startswith(COMPLETED)


def test_text_edited_by_incremental_update_is_detected(genuine: bytes,
                                                       identity: CommuneIdentity) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(genuine))
    page = writer.root["/Pages"]["/Kids"][0]
    edited = page["/Contents"].data.replace(b"(MARTIN-\\311TIENNE)", b"(DURAND)")
    assert edited != page["/Contents"].data
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=edited))
    writer.update_container(page)

    verdict = verdict_of(_written(writer), identity)

    assert not verdict.genuine
    assert verdict.reason.startswith(COMPLETED)


def test_text_edited_and_the_file_saved_anew_is_detected(genuine: bytes,
                                                         identity: CommuneIdentity) -> None:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(genuine)))
    page = writer.root["/Pages"]["/Kids"][0]
    edited = page["/Contents"].data.replace(b"(MARTIN-\\311TIENNE)", b"(DURAND)")
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=edited))

    verdict = verdict_of(_written(writer), identity)

    assert not verdict.genuine
    assert verdict.reason.startswith((MODIFIED, "La signature électronique est endommagée"))


def test_attestation_re_signed_with_another_key_is_refused(rco: DossierFacts,
                                                           identity: CommuneIdentity,
                                                           impostor: CommuneIdentity) -> None:
    forged = issue_attestation(rco, impostor, issued_at=ISSUED_AT, public_url=PUBLIC_URL)

    verdict = verdict_of(forged, identity)

    assert not verdict.genuine
    assert verdict.reason == ("Le document n'est pas signé par une commune connue "
                              "(signataire : Mairie de Démoville).")


def test_qr_payload_swapped_from_another_attestation_is_detected(
        rco: DossierFacts, ile: DossierFacts, identity: CommuneIdentity) -> None:
    # Even a document the commune's own key signed must say what its QR code says.
    _, other_url = attestation_qr(ile, identity, issued_on=ISSUED_AT.date(),
                                  public_url=PUBLIC_URL)
    mixed = render_attestation(rco, identity, issued_on=ISSUED_AT.date(), qr_url=other_url)
    signed = sign_pdf(mixed, identity, signed_at=ISSUED_AT, reason="essai")

    verdict = verdict_of(signed, identity)

    assert not verdict.genuine
    assert verdict.reason == ("Le code de vérification ne correspond pas au texte de "
                              "l'attestation (le nom) : il vient d'un autre document.")


def test_qr_payload_signed_by_another_key_is_detected(rco: DossierFacts,
                                                      identity: CommuneIdentity,
                                                      impostor: CommuneIdentity) -> None:
    _, url = attestation_qr(rco, impostor, issued_on=ISSUED_AT.date(), public_url=PUBLIC_URL)
    pdf = sign_pdf(render_attestation(rco, identity, issued_on=ISSUED_AT.date(), qr_url=url),
                   identity, signed_at=ISSUED_AT, reason="essai")

    verdict = verdict_of(pdf, identity)

    assert not verdict.genuine
    assert "code de vérification" in verdict.reason


def test_unsigned_or_foreign_files_are_refused(rco: DossierFacts,
                                               identity: CommuneIdentity) -> None:
    _, url = attestation_qr(rco, identity, issued_on=ISSUED_AT.date(), public_url=PUBLIC_URL)
    unsigned = render_attestation(rco, identity, issued_on=ISSUED_AT.date(), qr_url=url)

    assert verdict_of(unsigned, identity).reason.startswith(
        "Le document ne porte pas de signature électronique")
    assert verdict_of(b"not a pdf", identity).reason.startswith("Le fichier n'est pas un PDF")


def test_another_document_signed_by_the_commune_is_no_attestation(
        rco: DossierFacts, identity: CommuneIdentity) -> None:
    signed_notice = sign_pdf(render_notice(rco), identity, signed_at=ISSUED_AT, reason="essai")

    verdict = verdict_of(signed_notice, identity)

    assert not verdict.genuine
    assert verdict.reason == "Le document ne contient pas de code de vérification."


def test_verify_file_exit_codes(tmp_path: Path, genuine: bytes,
                                identity: CommuneIdentity) -> None:
    good, bad = tmp_path / "bonne.pdf", tmp_path / "mauvaise.pdf"
    good.write_bytes(genuine)
    bad.write_bytes(genuine.replace(b"/Producer", b"/Producex", 1))

    code, text = verify_file(good, [identity.trusted()])
    bad_code, bad_text = verify_file(bad, [identity.trusted()])
    missing_code, missing_text = verify_file(tmp_path / "absent.pdf", [identity.trusted()])

    assert code == 0
    assert text.startswith("AUTHENTIQUE")
    assert "Référence : TD-ABCDEFGH7" in text
    assert "Nom : MARTIN-ÉTIENNE" in text
    assert bad_code == 1
    assert bad_text.startswith("NON AUTHENTIQUE")
    assert missing_code == 1
    assert "Impossible de lire" in missing_text


def _written(writer: object) -> bytes:
    out = io.BytesIO()
    writer.write(out)  # type: ignore[attr-defined]
    return out.getvalue()
