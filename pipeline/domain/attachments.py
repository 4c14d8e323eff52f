"""Check every file before it is stored: known kind, real PDF/JPEG/PNG, sane size and name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.domain.demarches import FieldError
from pipeline.domain.pdf_process import CHECKER, PdfRefused

#: Kinds of attachment, as in the national démarches.
KIND_LABELS = {
    "justificatif_identite": "Justificatif d'identité et de nationalité",
    "livret_famille": "Livret de famille",
    "justificatif_domicile": "Justificatif de domicile",
    "carte_invalidite": "Carte d'invalidité",
    "declaration_ue": "Déclaration écrite (ressortissant de l'Union européenne)",
}
#: The extension a stored file gets for its type, and the others that type may keep.
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
#: What looks like a file extension in a name: replaced by the one of the file's real type.
EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
#: A stored name, in UTF-8 bytes: short enough for any file system once the ZIP is unpacked.
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class IncomingAttachment:
    kind: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, as it is stored and served."""

    #: The sender's name, cleaned, with the extension of the file's real type.
    filename: str
    media_type: str
    #: The bytes to store: a PDF is the rewritten copy, an image the bytes received.
    content: bytes


class FileRefused(ValueError):
    """A file not taken in; ``reason`` says why, in French, for the sender."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Fichier « {filename} » refusé : {reason}")
        self.filename = filename
        self.reason = reason


#: Pieces one filing or completion may carry: each démarche asks for at most five kinds, and a
#: piece scanned page by page may come as several files.
MAX_ATTACHMENTS = 20


def check_attachments(attachments: list[IncomingAttachment], allowed_kinds: frozenset[str],
                      max_bytes: int) -> tuple[list[tuple[str, CheckedFile]], list[FieldError]]:
    """Check every piece of one request: (kind, file) of each acceptable one, and the errors."""
    if len(attachments) > MAX_ATTACHMENTS:
        return [], [FieldError("attachments", f"trop de pièces jointes : {MAX_ATTACHMENTS} au "
                                              f"plus ({len(attachments)} reçues)")]
    checked, errors = [], []
    for index, attachment in enumerate(attachments):
        file, error = check_attachment(attachment, allowed_kinds, max_bytes,
                                       f"attachments[{index}]")
        if file is not None:
            checked.append((attachment.kind, file))
        elif error is not None:
            errors.append(error)
    return checked, errors


def check_attachment(
    attachment: IncomingAttachment, allowed_kinds: frozenset[str], max_bytes: int, field: str
) -> tuple[CheckedFile | None, FieldError | None]:
    """Return (the file to store, None) for an acceptable piece, or (None, the error to show)."""
    if attachment.kind not in allowed_kinds:
        known = ", ".join(sorted(allowed_kinds))
        return None, FieldError(field, f"type de pièce inconnu « {attachment.kind} » "
                                       f"(attendu : {known})")
    try:
        return check_file(attachment.filename, attachment.content, max_bytes,
                          fallback=attachment.kind), None
    except FileRefused as refused:
        return None, FieldError(field, str(refused))


def check_file(filename: str, content: bytes, max_bytes: int, *, fallback: str) -> CheckedFile:
    """The one check of every file that enters, whatever the way; FileRefused if not taken.

    Known type by its bytes (PDF, JPEG, PNG), size, integrity; a PDF is read whole and stored
    rewritten without active content (``pipeline.domain.pdf_cleaning``); the name is cleaned and
    takes the extension of the type found.
    """
    shown = safe_filename(filename, fallback)
    if not content:
        raise FileRefused(shown, "le fichier est vide")
    if len(content) > max_bytes:
        raise FileRefused(shown, f"le fichier dépasse la taille maximale de {max_bytes // 1024} Ko")
    media_type = sniff_media_type(content)
    if media_type is None:
        raise FileRefused(shown, "format non accepté : envoyez un PDF, un JPEG ou un PNG")
    problem = _damage(content, media_type)
    if problem:
        raise FileRefused(shown, problem)
    if media_type == "application/pdf":
        try:
            content = CHECKER.clean(content)
        except PdfRefused as refused:
            raise FileRefused(shown, str(refused)) from refused
    return CheckedFile(stored_name(filename, fallback, media_type), media_type, content)


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
    elif media_type == "image/jpeg":
        if b"\xff\xd9" not in content[-1024:]:
            return "l'image JPEG est incomplète ou endommagée"
    elif media_type == "image/png" and (content[12:16] != b"IHDR" or b"IEND" not in content[-64:]):
        return "l'image PNG est incomplète ou endommagée"
    return None


def stored_name(name: str, fallback: str, media_type: str) -> str:
    """The name a file is stored and served under: cleaned, with its real type's extension.

    ``photo.html`` holding a JPEG becomes ``photo.jpg``, ``scan.exe`` holding a PDF ``scan.pdf``;
    ``scan.PDF`` and ``photo.jpeg`` keep theirs.
    """
    extensions = EXTENSIONS[media_type]
    name = safe_filename(name, fallback)
    if name.lower().endswith(extensions):
        return name
    stem = EXTENSION.sub("", name).rstrip(" .") or fallback
    if stem.lower().endswith(extensions):  # « livret.pdf.exe »: the name said it already
        return stem
    return _bounded(stem, MAX_NAME_BYTES - len(extensions[0])) + extensions[0]


def safe_filename(name: str, fallback: str) -> str:
    """A file name safe to store and to put in a ZIP: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip(" .")
    if len(name.encode()) > MAX_NAME_BYTES:
        # Cut the stem, not the extension, so the name keeps saying what the file is.
        match = EXTENSION.search(name)
        extension = match.group() if match else ""
        name = _bounded(name[:len(name) - len(extension)], MAX_NAME_BYTES - len(extension))
        name = name.rstrip(" .") + extension
    return name or fallback


def _bounded(text: str, limit: int) -> str:
    """The longest start of ``text`` that fits in ``limit`` UTF-8 bytes."""
    return text.encode()[:limit].decode(errors="ignore")


def size_label(size: int) -> str:
    """Return a file size as people read it: 850 octets, 12 Ko, 1,4 Mo."""
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} Ko"
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")
