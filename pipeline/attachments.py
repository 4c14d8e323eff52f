"""Check a citizen's file before it is stored: known kind, real PDF/JPEG/PNG, sane size."""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

from pipeline.demarches import FieldError

#: Kinds of attachment, as in the national démarches.
KIND_LABELS = {
    "justificatif_identite": "Justificatif d'identité et de nationalité",
    "livret_famille": "Livret de famille",
    "justificatif_domicile": "Justificatif de domicile",
    "carte_invalidite": "Carte d'invalidité",
    "declaration_ue": "Déclaration écrite (ressortissant de l'Union européenne)",
}
#: PDF names that make a document active or hidden: refused, a scan never needs them.
ACTIVE_PDF_NAMES = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/RichMedia",
                              "/XFA", "/SubmitForm", "/AA"})
PDF_NAME = re.compile(rb"/(?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
#: At most this many bytes are inflated from a PDF's compressed streams.
MAX_INFLATED_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class IncomingAttachment:
    kind: str
    filename: str
    content: bytes


def check_attachment(
    attachment: IncomingAttachment, allowed_kinds: frozenset[str], max_bytes: int, field: str
) -> tuple[str, FieldError | None]:
    """Return (media type, None) for an acceptable file, or ("", the error to show)."""
    if attachment.kind not in allowed_kinds:
        known = ", ".join(sorted(allowed_kinds))
        return "", FieldError(field, f"type de pièce inconnu « {attachment.kind} » "
                                     f"(attendu : {known})")
    media_type, problem = check_file(attachment.content, max_bytes)
    if problem:
        return "", FieldError(field, problem)
    return media_type, None


def check_file(content: bytes, max_bytes: int) -> tuple[str, str | None]:
    """Return (media type, None) for an acceptable file, or ("", why not, in French)."""
    if not content:
        return "", "le fichier est vide"
    if len(content) > max_bytes:
        return "", f"le fichier dépasse la taille maximale de {max_bytes // 1024} Ko"
    media_type = sniff_media_type(content)
    if media_type is None:
        return "", "format non accepté : envoyez un PDF, un JPEG ou un PNG"
    problem = _damage(content, media_type)
    if problem:
        return "", problem
    return media_type, None


def sniff_media_type(content: bytes) -> str | None:
    """Identify PDF, JPEG and PNG by their bytes, never by the file name."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _damage(content: bytes, media_type: str) -> str | None:
    if media_type == "application/pdf":
        if b"%%EOF" not in content[-2048:]:
            return "le PDF est incomplet ou endommagé"
        names = _pdf_names(content)
        if "/Encrypt" in names:
            return "le PDF est chiffré ou protégé par un mot de passe : envoyez-le sans protection"
        if names & ACTIVE_PDF_NAMES:
            return "le PDF contient du contenu actif (script, fichier joint) : refusé"
    elif media_type == "image/jpeg":
        if b"\xff\xd9" not in content[-1024:]:
            return "l'image JPEG est incomplète ou endommagée"
    elif media_type == "image/png" and (content[12:16] != b"IHDR" or b"IEND" not in content[-64:]):
        return "l'image PNG est incomplète ou endommagée"
    return None


def _pdf_names(content: bytes) -> set[str]:
    """Every PDF name in the file and in its compressed streams, with ``#xx`` escapes decoded.

    A name may spell any character as ``#xx`` (``/J#61vaScript``) and may hide inside a
    compressed object stream: both are looked at. Inflation is bounded against zip bombs.
    """
    found = {_decode_name(raw) for raw in PDF_NAME.findall(content)}
    budget = MAX_INFLATED_BYTES
    for match in PDF_STREAM.finditer(content):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue  # not Flate-compressed (an image, say)
        budget -= len(inflated)
        found |= {_decode_name(raw) for raw in PDF_NAME.findall(inflated)}
        if budget <= 0:
            break
    return found


def _decode_name(raw: bytes) -> str:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1")


def safe_filename(name: str, fallback: str) -> str:
    """A file name safe to store and to put in a ZIP: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip(" .")[:200]
    return name or fallback
