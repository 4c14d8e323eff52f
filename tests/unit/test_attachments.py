"""Attachment checks: type by bytes, sane size and name, damaged files refused in French.

Hostile PDFs have their own table: ``test_pdf_check.py``.
"""

from __future__ import annotations

import struct
import zlib

import pytest

from pipeline.domain.attachments import (
    KIND_LABELS,
    IncomingAttachment,
    check_attachment,
    safe_filename,
    sniff_media_type,
    stored_name,
)
from tests.pdfs import ONE_PAGE as PDF

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + \
    b"\xff\xd9"
KINDS = frozenset(KIND_LABELS)
MAX = 64 * 1024
FIELD = "attachments[0]"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


PNG = png()


def check(content: bytes, filename: str = "scan.pdf", kind: str = "justificatif_identite",
          max_bytes: int = MAX) -> tuple[str, str | None]:
    """(media type, None) for a file taken, ("", why) for one refused."""
    checked, error = check_attachment(IncomingAttachment(kind, filename, content), KINDS,
                                      max_bytes, FIELD)
    if error is not None:
        assert error.field == FIELD
        assert checked is None
        prefix = f"Fichier « {safe_filename(filename, kind)} » refusé : "
        assert error.message.startswith(prefix), error.message
        return "", error.message.removeprefix(prefix)
    assert checked is not None
    return checked.media_type, None


@pytest.mark.parametrize(("content", "media_type"), [
    (PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png"),
])
@pytest.mark.parametrize("filename", ["scan.pdf", "photo.jpg", "image.png", "document.exe",
                                      "sans-extension"])
def test_type_is_sniffed_from_the_bytes_not_the_name(
    content: bytes, media_type: str, filename: str
) -> None:
    assert sniff_media_type(content) == media_type
    assert check(content, filename) == (media_type, None)


@pytest.mark.parametrize("content", [
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"PK\x03\x04 this is a zip",
    b"<html><script>alert(1)</script></html>",
    b"MZ\x90\x00 windows executable",
    b"  %PDF-1.4 with leading spaces %%EOF",
])
def test_other_formats_are_refused_even_when_named_pdf(content: bytes) -> None:
    _, reason = check(content, "scan.pdf")
    assert reason == "format non accepté : envoyez un PDF, un JPEG ou un PNG"


def test_unknown_kind_is_refused_naming_the_expected_kinds() -> None:
    checked, error = check_attachment(IncomingAttachment("photo_de_vacances", "a.pdf", PDF),
                                      KINDS, MAX, FIELD)
    assert checked is None and error is not None
    assert "type de pièce inconnu « photo_de_vacances »" in error.message
    assert "livret_famille" in error.message


def test_empty_file_is_refused() -> None:
    assert check(b"")[1] == "le fichier est vide"


def test_oversize_file_is_refused_with_the_limit() -> None:
    big = PDF[:-6] + b" " * (MAX + 1) + b"%%EOF\n"
    assert check(big)[1] == "le fichier dépasse la taille maximale de 64 Ko"


def test_file_exactly_at_the_limit_is_accepted() -> None:
    exact = PDF[:-6] + b" " * (MAX - len(PDF)) + b"%%EOF\n"
    assert len(exact) == MAX
    assert check(exact) == ("application/pdf", None)


@pytest.mark.parametrize("content", [
    PDF[: PDF.index(b"%%EOF")],
    b"%PDF-1.4\n1 0 obj<<>>endobj\n",
    PDF[:-6] + b"x" * 4096 + b"\n",  # end-of-file marker far from the end: cut and padded
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no catalog: nothing to show
])
def test_truncated_pdf_is_refused(content: bytes) -> None:
    assert check(content)[1] == "le PDF est incomplet ou endommagé"


def test_truncated_jpeg_is_refused() -> None:
    assert check(JPEG[:-2] + b"\x00" * 2048, "photo.jpg")[1] == \
        "l'image JPEG est incomplète ou endommagée"


@pytest.mark.parametrize("content", [
    PNG[: PNG.index(b"IEND") - 4],
    PNG[:8] + b"\x00\x00\x00\x0dXXXX" + PNG[16:],  # first chunk is not IHDR
    PNG[:8],
])
def test_truncated_or_damaged_png_is_refused(content: bytes) -> None:
    assert check(content, "image.png")[1] == "l'image PNG est incomplète ou endommagée"


@pytest.mark.parametrize(("given", "expected"), [
    ("scan.pdf", "scan.pdf"),
    ("../../etc/passwd", "passwd"),
    ("/etc/shadow", "shadow"),
    ("C:\\Users\\lea\\Documents\\livret.pdf", "livret.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("a\x00b\nc\r\td.pdf", "abcd.pdf"),
    ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override removed
    ('<script>"x"|y?*:.pdf', "scriptxy.pdf"),
    ("  .hidden.pdf.  ", "hidden.pdf"),
    ("Acte de naissance – Léa.pdf", "Acte de naissance – Léa.pdf"),
    ("e\u0301te\u0301.pdf", "été.pdf"),  # NFC
])
def test_safe_filename_strips_paths_and_control_characters(given: str, expected: str) -> None:
    assert safe_filename(given, "piece") == expected


@pytest.mark.parametrize("given", ["", "..", "/", "dir/", "\x00\x01", " . ", "\\"])
def test_safe_filename_falls_back_when_nothing_is_left(given: str) -> None:
    assert safe_filename(given, "livret_famille") == "livret_famille"


def test_safe_filename_is_bounded_and_keeps_its_extension() -> None:
    assert safe_filename("a" * 1000 + ".pdf", "piece") == "a" * 196 + ".pdf"
    accented = safe_filename("é" * 1000 + ".pdf", "piece")
    assert len(accented.encode()) <= 200 and accented.endswith(".pdf")


@pytest.mark.parametrize(("given", "media_type", "expected"), [
    ("x.html", "image/jpeg", "x.jpg"),
    ("c.exe", "application/pdf", "c.pdf"),
    ("scan.pdf", "application/pdf", "scan.pdf"),
    ("Carte d'identité.PDF", "application/pdf", "Carte d'identité.PDF"),
    ("photo.jpeg", "image/jpeg", "photo.jpeg"),
    ("photo.JPG", "image/jpeg", "photo.JPG"),
    ("photo.jpg", "image/png", "photo.png"),
    ("livret.pdf.exe", "application/pdf", "livret.pdf"),
    ("sans-extension", "image/png", "sans-extension.png"),
    ("scan 12.05.2024", "application/pdf", "scan 12.05.2024.pdf"),  # a date, not a type
    ("../../etc/passwd.sh", "application/pdf", "passwd.pdf"),
    ("facture\u202efdp.exe", "application/pdf", "facturefdp.pdf"),
    (".html", "image/jpeg", "html.jpg"),  # a hidden file's dot is dropped first
    ("", "application/pdf", "piece.pdf"),
    pytest.param("b" * 500 + ".html", "image/png", "b" * 195 + ".png", id="overlong"),
])
def test_stored_name_takes_the_extension_of_the_type_found(
        given: str, media_type: str, expected: str) -> None:
    assert stored_name(given, "piece", media_type) == expected


@pytest.mark.parametrize(("content", "given", "expected"), [
    (JPEG, "x.html", "x.jpg"), (PDF, "c.exe", "c.pdf"), (PNG, "image", "image.png"),
])
def test_a_checked_file_is_named_after_its_content(content: bytes, given: str,
                                                   expected: str) -> None:
    checked, error = check_attachment(IncomingAttachment("livret_famille", given, content),
                                      KINDS, MAX, FIELD)
    assert error is None and checked is not None
    assert checked.filename == expected
