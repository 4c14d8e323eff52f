"""Hostile PDFs are refused however they hide their content; benign ones are stored cleaned."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pikepdf
import pytest
from reportlab.pdfgen import canvas

from pipeline.documents import generate_identity, issue_attestation, render_form, render_recepisse
from pipeline.domain.attachments import CheckedFile, FileRefused, check_file
from pipeline.domain.pdf_process import TOO_LONG, UNREADABLE, PdfChecker, PdfRefused
from tests.pdfs import ONE_PAGE, PAGES, lzw_bomb, pdf, update, with_catalog
from tests.unit.documents.samples import ISSUED_AT, PUBLIC_URL, facts, rco_data

MAX = 30 * 1024 * 1024
SCRIPT = b"<</S/JavaScript/JS(app.alert(1))>>"
OPENS_SCRIPT = b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>"
#: Past the 20 MB the check decodes: a viewer would read on, the check refuses.
PADDING = b" " * 21_000_000
FILTER_CHAINS = [("FlateDecode",), ("ASCIIHexDecode",), ("ASCII85Decode",), ("LZWDecode",),
                 ("RunLengthDecode",), ("ASCIIHexDecode", "FlateDecode"),
                 ("ASCII85Decode", "FlateDecode"), ("ASCII85Decode", "LZWDecode"),
                 ("ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode")]


def check(content: bytes, name: str = "scan.pdf") -> CheckedFile:
    return check_file(name, content, MAX, fallback="piece")


def refusal(content: bytes) -> str:
    with pytest.raises(FileRefused) as refused:
        check(content)
    return refused.value.reason


def page_with(entries: bytes) -> dict[int, bytes]:
    """The one page with more entries (an annotation, an /AA)."""
    return {2: PAGES[2], 3: PAGES[3][:-2] + entries + b">>"}


def annotated(annotation: bytes, *more: tuple[int, bytes]) -> bytes:
    return pdf({1: b"<</Type/Catalog/Pages 2 0 R>>", **page_with(b"/Annots[4 0 R]"),
                4: annotation, **dict(more)})


def catalog(entries: bytes, *more: tuple[int, bytes]) -> bytes:
    return pdf({1: b"<</Type/Catalog/Pages 2 0 R" + entries + b">>", **PAGES, **dict(more)})


ACTIVE = "le PDF contient du contenu actif"
HOSTILE = [
    *[pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT}, chain), f"{ACTIVE} (action",
                   id="openaction-javascript-in-object-stream-" + "-".join(chain))
      for chain in FILTER_CHAINS],
    pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT}, ("ASCIIHexDecode", "FlateDecode"),
                              predictor=True), f"{ACTIVE} (action",
                 id="openaction-javascript-in-object-stream-flate-predictor"),
    *[pytest.param(with_catalog(OPENS_SCRIPT, {4: SCRIPT + PADDING}, chain), UNREADABLE,
                   id="openaction-javascript-after-21-mb-" + "-".join(chain))
      for chain in [("FlateDecode",), ("ASCIIHexDecode", "FlateDecode"),
                    ("ASCII85Decode", "FlateDecode")]],
    pytest.param(pdf({1: OPENS_SCRIPT, **PAGES, 4: b"<</Length 0>>stream\n\nendstream"},
                     {5: SCRIPT + PADDING}), UNREADABLE, id="flate-bomb-beside-the-document"),
    pytest.param(catalog(b"/OpenAction<</S/URI/URI(https://phishing.example/)>>"),
                 f"{ACTIVE} (action automatique URI)", id="openaction-uri"),
    pytest.param(catalog(b"/OpenAction<</S/GoToR/F(\\\\\\\\attacker\\\\share\\\\x.pdf)/D[0/Fit]>>"),
                 f"{ACTIVE} (action automatique GoToR)", id="openaction-gotor"),
    pytest.param(catalog(b"/OpenAction<</S/Launch/F(cmd.exe)>>"), ACTIVE, id="openaction-launch"),
    pytest.param(catalog(b"/OpenAction<</S/GoToE/T<</R/C/N(x)>>>>"), ACTIVE,
                 id="openaction-gotoe"),
    pytest.param(catalog(b"/OpenAction<</S/SubmitForm/F(https://x.example/)>>"), ACTIVE,
                 id="openaction-submitform"),
    pytest.param(catalog(b"/OpenAction<</S/ImportData/F(data.fdf)>>"), ACTIVE,
                 id="openaction-importdata"),
    pytest.param(catalog(b"/OpenAction<</S/Named/N/Print>>"),
                 f"{ACTIVE} (action automatique Named)", id="openaction-named-print"),
    pytest.param(catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next " + SCRIPT + b">>"), ACTIVE,
                 id="openaction-goto-then-javascript"),
    pytest.param(catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]/Next[<</S/URI/URI(x)>>]>>"),
                 f"{ACTIVE} (action automatique URI)", id="openaction-goto-then-uri"),
    pytest.param(catalog(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"), ACTIVE,
                 id="hex-escaped-names"),
    pytest.param(catalog(b"/AA<</WC " + SCRIPT + b">>"), ACTIVE, id="catalog-aa-javascript"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R>>",
                      **page_with(b"/AA<</O<</S/URI/URI(https://x.example/)>>>>")}),
                 f"{ACTIVE} (action automatique URI)", id="page-aa-uri"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R>>", **page_with(b"/AA<</O 4 0 R>>"),
                      4: SCRIPT}), ACTIVE, id="page-aa-javascript"),
    pytest.param(catalog(b"/Names<</JavaScript<</Names[(a) 4 0 R]>>>>", (4, SCRIPT)),
                 f"{ACTIVE} (JavaScript)", id="javascript-name-tree"),
    pytest.param(catalog(b"/Names<</EmbeddedFiles<</Names[(x.exe) 4 0 R]>>>>",
                         (4, b"<</Type/Filespec/F(x.exe)/EF<</F 5 0 R>>>>"),
                         (5, b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream")),
                 f"{ACTIVE} (fichier joint)", id="embedded-file"),
    pytest.param(annotated(b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS 5 0 R>>",
                           (5, b"<</Type/Filespec/F(x.exe)/EF<</F 6 0 R>>>>"),
                           (6, b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream")),
                 ACTIVE, id="file-attachment-annotation"),
    pytest.param(annotated(b"<</Type/Annot/Subtype/RichMedia/Rect[0 0 9 9]>>"),
                 f"{ACTIVE} (contenu multimédia (RichMedia))", id="richmedia-annotation"),
    pytest.param(annotated(b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A " + SCRIPT + b">>"),
                 f"{ACTIVE} (JavaScript)", id="link-running-javascript"),
    pytest.param(annotated(b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/Launch/F(x)>>>>"),
                 ACTIVE, id="link-launching-a-program"),
    pytest.param(catalog(b"/AcroForm<</Fields[]/XFA 4 0 R>>",
                         (4, b"<</Length 7>>stream\n<xdp/>\nendstream")),
                 f"{ACTIVE} (formulaire XFA)", id="xfa-form"),
    pytest.param(update(with_catalog(b"<</Type/Catalog/Pages 2 0 R>>"),
                        {1: OPENS_SCRIPT, 4: SCRIPT}),
                 ACTIVE, id="javascript-added-by-an-incremental-update"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R>>", 2: b"<</Type/Pages/Kids[]/Count 0>>"}),
                 "le PDF ne contient aucune page", id="no-page"),
]


@pytest.mark.parametrize(("content", "reason"), HOSTILE)
def test_hostile_pdf_is_refused_saying_why(content: bytes, reason: str) -> None:
    assert refusal(content).startswith(reason)


def test_javascript_in_an_lzw_bomb_is_refused() -> None:
    hidden = pdf({1: OPENS_SCRIPT, **PAGES}, {4: SCRIPT}, ("LZWDecode",),
                 encoded=lzw_bomb(25_000_000, prefix=b"4 0\n" + SCRIPT))
    assert refusal(hidden) == UNREADABLE


def test_javascript_in_a_small_lzw_stream_is_found() -> None:
    hidden = pdf({1: OPENS_SCRIPT, **PAGES}, {4: SCRIPT}, ("LZWDecode",),
                 encoded=lzw_bomb(1_000_000, prefix=b"4 0\n" + SCRIPT))
    assert refusal(hidden).startswith(ACTIVE)


@pytest.mark.parametrize("password", ["", "secret"])
def test_encrypted_pdf_is_refused(password: str) -> None:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(ONE_PAGE)) as document:
        document.save(out, encryption=pikepdf.Encryption(user=password, owner="owner"))
    assert refusal(out.getvalue()).startswith("le PDF est chiffré ou protégé par un mot de passe")


def test_refused_reason_names_the_file() -> None:
    with pytest.raises(FileRefused) as refused:
        check_file("../rapport\x00.pdf", catalog(b"/OpenAction " + SCRIPT), MAX, fallback="x")
    assert str(refused.value).startswith("Fichier « rapport.pdf » refusé : le PDF contient")


def reportlab_pdf() -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(72, 720, "Facture d'électricité — Léa Martin")
    sheet.linkURL("https://www.example.fr/espace-client", (72, 700, 300, 712))
    sheet.bookmarkPage("debut")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def attestation() -> bytes:
    identity = generate_identity("99999", "Démoville", "Jeanne Dupré-Lefèvre")
    return issue_attestation(facts(rco_data()), identity, issued_at=ISSUED_AT,
                             public_url=PUBLIC_URL)


BENIGN = [
    pytest.param(ONE_PAGE, id="smallest-one-page"),
    pytest.param(with_catalog(b"<</Type/Catalog/Pages 2 0 R>>", {9: b"<</Producer(scan)>>"},
                              ("ASCIIHexDecode", "FlateDecode"), predictor=True),
                 id="object-stream-hex-flate-predictor"),
    pytest.param(catalog(b"/OpenAction[3 0 R/FitH 842]"), id="openaction-destination"),
    pytest.param(catalog(b"/OpenAction<</S/GoTo/D[3 0 R/Fit]>>"), id="openaction-goto"),
    pytest.param(catalog(b"/JSONData 1/Launcher 2"), id="names-that-only-start-like-active"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R>>", **page_with(b"/Annots[4 0 R]"),
                      4: b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/Dest[3 0 R/Fit]>>"}),
                 id="link-within-the-document"),
    pytest.param(reportlab_pdf(), id="reportlab"),
    pytest.param(render_recepisse(facts(rco_data())), id="recepisse"),
    pytest.param(render_form(facts(rco_data())), id="notice"),
    pytest.param(attestation(), id="signed-attestation"),
]


@pytest.mark.parametrize("content", BENIGN)
def test_benign_pdf_is_stored_rewritten_and_stable(content: bytes) -> None:
    checked = check(content)

    assert checked.media_type == "application/pdf"
    with pikepdf.open(io.BytesIO(checked.content)) as stored:
        assert len(stored.pages) >= 1
    assert check(content).content == checked.content  # the same file, the same SHA-256
    assert check(checked.content).content == checked.content  # reused from the space


@pytest.mark.parametrize(("content", "gone"), [
    pytest.param(annotated(b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]"
                           b"/A<</S/URI/URI(https://phishing.example/)>>>>"),
                 b"phishing.example", id="link-to-a-web-page"),
    pytest.param(annotated(b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]"
                           b"/A<</S/GoToR/F(other.pdf)/D[0/Fit]>>>>"),
                 b"other.pdf", id="link-to-another-file"),
    pytest.param(pdf({1: b"<</Type/Catalog/Pages 2 0 R>>",
                      **page_with(b"/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>")}), b"/AA",
                 id="page-aa-goto"),
    pytest.param(catalog(b"/URI<</Base(https://base.example/)>>"), b"base.example",
                 id="catalog-base-uri"),
    pytest.param(reportlab_pdf(), b"espace-client", id="reportlab-link"),
    pytest.param(ONE_PAGE + b"<html><script>alert(1)</script></html>\n%%EOF\n", b"<script>",
                 id="html-after-the-end"),
    pytest.param(update(catalog(b"", (4, b"(secret of the first revision)")),
                        {1: b"<</Type/Catalog/Pages 2 0 R>>"}),
                 b"secret of the first revision", id="earlier-revision"),
])
def test_what_a_click_could_still_do_is_removed(content: bytes, gone: bytes) -> None:
    assert gone in content
    stored = check(content).content

    assert gone not in written_out(stored)


def written_out(content: bytes) -> bytes:
    """The PDF with its object streams written out plain, to search its text."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(content)) as document:
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                      stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
                      compress_streams=False)
    return out.getvalue()


def test_a_pdf_read_too_slowly_is_refused_and_the_next_is_read() -> None:
    checker = PdfChecker(timeout=0)
    with pytest.raises(PdfRefused) as refused:
        checker.clean(ONE_PAGE)
    assert str(refused.value) == TOO_LONG
    checker.timeout = 30
    assert checker.clean(ONE_PAGE).startswith(b"%PDF-")
    checker.stop()


def test_a_large_scan_is_checked_within_seconds() -> None:
    started = datetime.now(UTC)
    checked = check(large_scan(10 * 1024 * 1024))
    assert (datetime.now(UTC) - started).total_seconds() < 10
    assert len(checked.content) > 10 * 1000 * 1000


def large_scan(size: int) -> bytes:
    """A PDF of about ``size`` bytes, as a scanner makes it: a JPEG image on each page."""
    pages, objects, number = 10, {}, 4
    kids = []
    noise = random.Random(1)
    for _ in range(pages):
        image = noise.randbytes(size // pages)
        objects[number] = (b"<</Type/XObject/Subtype/Image/Width 1000/Height 1000"
                           b"/BitsPerComponent 8/ColorSpace/DeviceGray/Filter/DCTDecode"
                           b"/Length %d>>stream\n" % len(image) + image + b"\nendstream")
        objects[number + 1] = (b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
                               b"/Resources<</XObject<</I %d 0 R>>>>>>" % number)
        kids.append(b"%d 0 R" % (number + 1))
        number += 2
    objects[2] = b"<</Type/Pages/Kids[%s]/Count %d>>" % (b" ".join(kids), pages)
    return pdf({1: b"<</Type/Catalog/Pages 2 0 R>>", **objects})
