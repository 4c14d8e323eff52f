"""A filing sent to the API, read: JSON with base64 pieces, or the national XML in multipart."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request

from pipeline.context import PipelineContext
from pipeline.domain.attachments import IncomingAttachment, check_attachments
from pipeline.domain.clock import paris_today
from pipeline.domain.demarches import DEMARCHES, FieldError, InvalidDossier, limits
from pipeline.domain.demarches.xml_input import parse_dossier_xml
from web_minimal.api_access import INVALID_REQUEST, ApiError
from web_minimal.runtime import runtime_of

#: The multipart part that holds the dossier's XML; every other file part is an attachment.
XML_PART = "dossier"
#: A core error about the n-th attachment, to rename after the request's own field.
ATTACHMENT_FIELD = re.compile(r"^attachments\[(\d+)\](.*)$")


@dataclass
class Draft:
    """A submission as read from the request, with what was wrong in its envelope."""

    demarche: str = ""
    data: dict[str, Any] | None = None
    attachments: list[IncomingAttachment] = field(default_factory=list)
    #: How the request named each attachment, to name it the same way in errors.
    labels: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def read_draft() -> Draft:
    """The submission in the request, whichever of the two forms it takes."""
    if request.mimetype == "multipart/form-data":
        return _draft_from_multipart()
    if request.is_json:
        return _draft_from_json()
    raise ApiError(415, "type de contenu non pris en charge : envoyez application/json ou "
                        "multipart/form-data")


def json_body() -> Any:
    """The request's JSON body; 400 or 415 saying why it cannot be read."""
    if not request.is_json:
        raise ApiError(415, "type de contenu non pris en charge : envoyez application/json")
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw)
    except UnicodeDecodeError as error:
        message = "le corps de la requête n'est pas encodé en UTF-8"
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", message)]) from error
    except json.JSONDecodeError as error:
        message = f"JSON illisible (ligne {error.lineno}, colonne {error.colno})"
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", message)]) from error
    except RecursionError as error:  # hundreds of levels: more than the parser goes down
        message = f"JSON trop imbriqué ({limits.MAX_DEPTH} niveaux au plus dans « data »)"
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", message)]) from error
    except ValueError as error:  # numbers of thousands of digits
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", "JSON illisible")]) from error


def _draft_from_json() -> Draft:
    body = json_body()
    if not isinstance(body, dict):
        message = "le corps doit être un objet JSON {demarche, data, attachments}"
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", message)])
    draft = Draft()
    _read_demarche(body.get("demarche"), draft)
    _read_data(body.get("data"), draft)
    attachments = body.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        draft.errors.append(FieldError("attachments", "« attachments » doit être une liste"))
        return draft
    for index, item in enumerate(attachments or []):
        _read_json_attachment(index, item, draft)
    return draft


def _read_demarche(value: Any, draft: Draft) -> None:
    known = " ou ".join(DEMARCHES)
    if not isinstance(value, str) or not value.strip():
        draft.errors.append(FieldError("demarche", f"la démarche est obligatoire ({known})"))
    elif value.strip() not in DEMARCHES:
        draft.errors.append(FieldError(
            "demarche", f"démarche inconnue « {value.strip()} » (attendu : {known})"))
    else:
        draft.demarche = value.strip()


def _read_data(value: Any, draft: Draft) -> None:
    if value is None:
        draft.errors.append(FieldError("data", "les données du dossier sont obligatoires"))
    elif not isinstance(value, dict):
        draft.errors.append(FieldError("data", "« data » doit être un objet (rubriques nommées)"))
    else:
        draft.data = value


def _read_json_attachment(index: int, item: Any, draft: Draft) -> None:
    where = f"attachments[{index}]"
    if not isinstance(item, dict):
        draft.errors.append(FieldError(
            where, "chaque pièce jointe est un objet {kind, filename, content_base64}"))
        return
    kind, filename, encoded = item.get("kind"), item.get("filename"), item.get("content_base64")
    errors = []
    if not isinstance(kind, str) or not kind.strip():
        errors.append(FieldError(f"{where}.kind", "le type de pièce est obligatoire"))
    if filename is not None and not isinstance(filename, str):
        errors.append(FieldError(f"{where}.filename", "le nom de fichier doit être un texte"))
    content = _decode_base64(encoded, f"{where}.content_base64", errors)
    draft.errors.extend(errors)
    if not errors:
        draft.attachments.append(IncomingAttachment(kind.strip(), filename or "", content))
        draft.labels.append(where)


def _decode_base64(encoded: Any, where: str, errors: list[FieldError]) -> bytes:
    if not isinstance(encoded, str) or not encoded.strip():
        errors.append(FieldError(where, "le contenu du fichier (base64) est obligatoire"))
        return b""
    try:
        # Encoders often wrap lines; anything else outside the alphabet is an error.
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        errors.append(FieldError(where, "le contenu n'est pas du base64 valide"))
        return b""


def _draft_from_multipart() -> Draft:
    draft = Draft()
    for name, upload in request.files.items(multi=True):
        if name != XML_PART:
            draft.attachments.append(IncomingAttachment(name, upload.filename or "",
                                                        upload.read()))
            draft.labels.append(name)
    for name in request.form:
        if name != XML_PART:
            draft.errors.append(FieldError(name, "une pièce jointe s'envoie comme fichier"))
    xml = _xml_part()
    if xml is None:
        draft.errors.append(FieldError(
            XML_PART, f"la partie « {XML_PART} » (le XML du dossier) est obligatoire"))
        return draft
    try:
        draft.demarche, draft.data = parse_dossier_xml(xml)
    except InvalidDossier as error:
        draft.errors.extend(error.errors)
    return draft


def _xml_part() -> bytes | None:
    upload = request.files.get(XML_PART)
    if upload is not None:
        return upload.read()
    text = request.form.get(XML_PART)
    return text.encode() if text is not None else None


def refusal(draft: Draft, errors: list[FieldError]) -> ApiError:
    """Every problem of a refused submission at once, named as the request named its fields."""
    found = [*errors, *_content_errors(draft)]
    unique = dict.fromkeys(_renamed(error, draft.labels) for error in found)
    return ApiError(400, INVALID_REQUEST, list(unique))


def _content_errors(draft: Draft) -> list[FieldError]:
    # When the envelope itself is refused the core never sees the content: check it here too,
    # so one answer lists every problem.
    demarche = DEMARCHES.get(draft.demarche)
    if demarche is None:
        return []
    errors: list[FieldError] = []
    if draft.data is not None:
        try:
            demarche.normalize(draft.data, today=paris_today(_ctx().clock))
        except InvalidDossier as error:
            errors.extend(error.errors)
    _, refused = check_attachments(draft.attachments, demarche.attachment_kinds,
                                   _ctx().settings.max_attachment_bytes)
    return errors + refused


def _renamed(error: FieldError, labels: list[str]) -> FieldError:
    match = ATTACHMENT_FIELD.match(error.field)
    if match is None or int(match.group(1)) >= len(labels):
        return error
    return FieldError(labels[int(match.group(1))] + match.group(2), error.message)


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
