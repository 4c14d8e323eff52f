"""Read a PDF as a viewer does, refuse active content, and rewrite the rest without it.

The document is read with pikepdf, which wraps qpdf: every standard filter (Flate, LZW,
ASCIIHex, ASCII85, RunLength, filter arrays, predictors), object and cross-reference streams,
incremental updates, ``#xx`` escapes in names, and the repair of a damaged cross-reference table,
all as maintained and fuzzed by qpdf. Extending the in-house scanner was the other way: it
searched the raw bytes for names and inflated Flate streams only, so every filter it did not
know, and every difference between its reading and a viewer's, hid content from it. A reader of
our own would chase viewers forever; qpdf is what many of them are tested against.

Checking is not enough on its own: the file stored is the one qpdf writes back from what it
read (:func:`clean_pdf`), so whatever it did not see is not in the stored file either (bytes
after ``%%EOF``, earlier revisions, objects no page reaches) and a viewer reads what was checked.
This module runs in a child process (see ``pipeline.domain.pdf_process``), bounded in memory and
time.
"""

from __future__ import annotations

import io
import struct
import sys
import traceback
from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream

from pipeline.domain.pdf_process import UNREADABLE, PdfRefused

#: Decoded bytes of object and cross-reference streams read at most, all streams together.
MAX_INFLATED_BYTES = 20 * 1024 * 1024
ENCRYPTED = "le PDF est chiffré ou protégé par un mot de passe : envoyez-le sans protection"
DAMAGED = "le PDF est incomplet ou endommagé"
#: Actions refused wherever they stand: they run code, reach files, or post the form.
REFUSED_ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": "lancement d'un programme (Launch)",
    "/SubmitForm": "envoi de formulaire (SubmitForm)",
    "/ImportData": "import de données (ImportData)",
    "/GoToE": "ouverture d'un fichier joint (GoToE)",
    "/RichMediaExecute": "contenu multimédia (RichMedia)", "/Rendition": "contenu multimédia",
    "/Movie": "contenu multimédia", "/Sound": "contenu multimédia",
    "/GoTo3DView": "contenu 3D",
}
#: Annotations that hold a file, media or a 3D scene (which may script).
REFUSED_ANNOTATIONS = {
    "/FileAttachment": "fichier joint", "/RichMedia": "contenu multimédia (RichMedia)",
    "/Movie": "contenu multimédia", "/Sound": "contenu multimédia",
    "/Screen": "contenu multimédia", "/3D": "contenu 3D",
}
#: Keys whose mere presence means a script, a file inside the file, or an XFA form.
REFUSED_KEYS = {
    "/JS": "JavaScript", "/JavaScript": "JavaScript", "/EmbeddedFiles": "fichier joint",
    "/EF": "fichier joint", "/XFA": "formulaire XFA",
    "/RichMediaContent": "contenu multimédia (RichMedia)",
}


def clean_pdf(content: bytes) -> bytes:
    """The PDF rewritten without actions that leave the document; PdfRefused when it can't be.

    Refused: a file qpdf cannot read whole within the budget, an encrypted one, one without
    pages, and any active content (see the README, « Pièces jointes »). Removed from the stored
    copy: every ``/AA`` (once checked harmless), click actions that leave the document (a link's
    URI, GoToR, named actions...), the catalog's base ``/URI``.
    """
    # Written twice: the stored bytes are checked as they are stored, and qpdf settles on its
    # second pass (key order, /ID), so a cleaned file cleans to itself and the same upload
    # always gives the same SHA-256, wherever it comes from.
    return _rewrite(_rewrite(content))


def _rewrite(content: bytes) -> bytes:
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError as error:
        raise PdfRefused(ENCRYPTED) from error
    except (pikepdf.PdfError, ValueError, RuntimeError) as error:
        raise PdfRefused(DAMAGED) from error
    with pdf:
        if pdf.is_encrypted:
            raise PdfRefused(ENCRYPTED)
        _read_object_streams(pdf)
        problem = _active_content(pdf)
        if problem:
            raise PdfRefused(f"le PDF contient du contenu actif ({problem})")
        try:
            if len(pdf.pages) == 0:
                raise PdfRefused("le PDF ne contient aucune page")
        except (pikepdf.PdfError, RuntimeError) as error:
            raise PdfRefused(DAMAGED) from error
        _strip_actions(pdf)
        out = io.BytesIO()
        # Streams are copied as they are (never decoded): only object streams are read.
        pdf.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 compress_streams=True, fix_metadata_version=False)
        return out.getvalue()


def _read_object_streams(pdf: Pdf) -> None:
    """Decode every object and cross-reference stream within the budget, or refuse the file.

    qpdf leaves an object it cannot decode as null and only warns: a viewer without our limits
    might read it, so the whole file is refused instead.
    """
    numbers = {entry.obj_stream_number for entry in pdf.get_xref_table().values()
               if entry.type == 2}
    budget = MAX_INFLATED_BYTES
    for obj in pdf.objects:
        if isinstance(obj, Stream) and obj.stream_dict.get("/Type") in (Name.ObjStm, Name.XRef):
            numbers.add(obj.objgen[0])
    for number in sorted(numbers):
        stream = pdf.get_object(number, 0)
        if not isinstance(stream, Stream):
            raise PdfRefused(DAMAGED)
        try:
            budget -= len(stream.read_bytes(pikepdf.StreamDecodeLevel.specialized))
        except (pikepdf.PdfError, ValueError, RuntimeError) as error:
            raise PdfRefused(UNREADABLE) from error
        if budget < 0:
            raise PdfRefused(UNREADABLE)


def _active_content(pdf: Pdf) -> str | None:
    """What makes the document active, in French, or None."""
    for dictionary in _dictionaries(pdf):
        for key, what in REFUSED_KEYS.items():
            if key in dictionary:
                return what
        kind = dictionary.get("/S")
        if isinstance(kind, Name) and str(kind) in REFUSED_ACTIONS:
            return REFUSED_ACTIONS[str(kind)]
        if dictionary.get("/Type") == Name.EmbeddedFile:
            return "fichier joint"
        subtype = dictionary.get("/Subtype")
        if isinstance(subtype, Name) and str(subtype) in REFUSED_ANNOTATIONS and (
                dictionary.get("/Type") == Name.Annot or "/Rect" in dictionary):
            return REFUSED_ANNOTATIONS[str(subtype)]
        automatic = _automatic_action(dictionary)
        if automatic:
            return automatic
    return None


def _automatic_action(dictionary: Dictionary) -> str | None:
    """An action run without a click (``/OpenAction``, ``/AA``) that leaves the document."""
    actions: list[object] = []
    opening = dictionary.get("/OpenAction")
    if isinstance(opening, Dictionary):
        actions.append(opening)  # an array is a plain destination: where the viewer opens
    triggers = dictionary.get("/AA")
    if isinstance(triggers, Dictionary):
        actions += list(triggers.values())
    for action in actions:
        for step in _chain(action):
            kind = step.get("/S") if isinstance(step, Dictionary) else None
            if kind != Name.GoTo:
                return f"action automatique {_label(kind)}"
    return None


def _chain(action: object) -> Iterator[object]:
    """An action and the ones its ``/Next`` runs after it, depth first, each once."""
    seen: set[tuple[int, int]] = set()
    pending = [action]
    while pending:
        step = pending.pop()
        if isinstance(step, Dictionary | Stream) and step.is_indirect:
            if step.objgen in seen:
                continue
            seen.add(step.objgen)
        yield step
        following = step.get("/Next") if isinstance(step, Dictionary) else None
        if isinstance(following, Array):
            pending += list(following)
        elif following is not None:
            pending.append(following)


def _label(kind: object) -> str:
    return str(kind)[1:] if isinstance(kind, Name) else "inconnue"


def _strip_actions(pdf: Pdf) -> None:
    """Remove what a click or an event could still do outside the document."""
    if "/URI" in pdf.Root:
        del pdf.Root["/URI"]
    for dictionary in _dictionaries(pdf):
        if "/AA" in dictionary:
            del dictionary["/AA"]
        action = dictionary.get("/A")
        if isinstance(action, Dictionary) and action.get("/S") != Name.GoTo:
            del dictionary["/A"]  # a link to a web page or another file: kept as a rectangle
        elif isinstance(action, Dictionary) and "/Next" in action:
            del action["/Next"]
        opening = dictionary.get("/OpenAction")
        if isinstance(opening, Dictionary) and "/Next" in opening:
            del opening["/Next"]


def _dictionaries(pdf: Pdf) -> Iterator[Dictionary]:
    """Every dictionary of the file (stream dictionaries too), direct ones inside others too."""
    for obj in pdf.objects:
        yield from _nested(obj.stream_dict if isinstance(obj, Stream) else obj)


def _nested(root: object) -> Iterator[Dictionary]:
    pending = [root]
    while pending:
        obj = pending.pop()
        if isinstance(obj, Stream):
            obj = obj.stream_dict
        if isinstance(obj, Dictionary):
            yield obj
            children = list(obj.values())
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        # An indirect child is an object of the file: reached on its own, once.
        pending += [child for child in children if isinstance(child, Dictionary | Array | Stream)
                    and not child.is_indirect]


def main() -> None:
    """Serve clean_pdf on standard input and output, one framed request after another."""
    # qpdf gives up on a stream that decodes past this (the address space is bounded too,
    # by the parent: LZW has no limit of its own).
    pikepdf.settings.set_qpdf_limits(
        flate_max_memory=MAX_INFLATED_BYTES, run_length_max_memory=MAX_INFLATED_BYTES,
        png_max_memory=MAX_INFLATED_BYTES, tiff_max_memory=MAX_INFLATED_BYTES,
        dct_max_memory=MAX_INFLATED_BYTES)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while header := stdin.read(8):
        (size,) = struct.unpack(">Q", header)
        content = stdin.read(size)
        try:
            status, payload = b"+", clean_pdf(content)
        except PdfRefused as refusal:
            status, payload = b"-", str(refusal).encode()
        except MemoryError:
            status, payload = b"-", UNREADABLE.encode()
        except Exception:  # a file qpdf reads in a way we did not foresee: logged, refused
            traceback.print_exc()
            status, payload = b"-", DAMAGED.encode()
        stdout.write(status + struct.pack(">Q", len(payload)) + payload)
        stdout.flush()


if __name__ == "__main__":
    main()
