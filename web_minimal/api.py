"""The JSON API for partner portals and scripts: submit dossiers, follow them, act on them."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pipeline.commands.act import DossierNotFound, act_on_dossier
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.commands.tokens import find_token
from pipeline.context import PipelineContext
from pipeline.domain.attachments import IncomingAttachment, check_attachments
from pipeline.domain.clock import paris_today
from pipeline.domain.demarches import DEMARCHES, FieldError, InvalidDossier, limits
from pipeline.domain.demarches.xml_input import parse_dossier_xml
from pipeline.domain.lifecycle import AGENT_ACTIONS, Action, IllegalTransition, MotiveRequired
from pipeline.domain.references import normalize_reference
from pipeline.store.model import Dossier, Mail
from web_minimal.runtime import runtime_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
#: The multipart part that holds the dossier's XML; every other file part is an attachment.
XML_PART = "dossier"
#: Recorded as the channel of everything done through the API.
CHANNEL = "api"
REALM = 'Bearer realm="teledossier"'
#: A core error about the n-th attachment, to rename after the request's own field.
ATTACHMENT_FIELD = re.compile(r"^attachments\[(\d+)\](.*)$")
INVALID_REQUEST = "requête invalide : corrigez les champs indiqués"


class ApiError(Exception):
    """An answer other than success: status, French message, fields to fix, extra headers."""

    def __init__(self, status: int, message: str, fields: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []
        self.headers = headers or {}


@dataclass(frozen=True)
class Caller:
    """Who presented a valid token: the token's id, its commune and its scopes."""

    token_id: int
    commune_id: int
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api:{self.token_id}"


@dataclass
class Draft:
    """A submission as read from the request, with what was wrong in its envelope."""

    demarche: str = ""
    data: dict[str, Any] | None = None
    attachments: list[IncomingAttachment] = field(default_factory=list)
    #: How the request named each attachment, to name it the same way in errors.
    labels: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int, dict[str, str]]:
    body: dict[str, Any] = {"error": error.message}
    if error.fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in error.fields]
    return jsonify(body), error.status, error.headers


@bp.errorhandler(InvalidDossier)
def _invalid_dossier(error: InvalidDossier) -> tuple[Response, int, dict[str, str]]:
    return _api_error(ApiError(400, INVALID_REQUEST, error.errors))


# --- Routes ---------------------------------------------------------------------------------


@bp.post("/dossiers")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Take in a new dossier."""
    caller = authenticate("submit")
    draft = _read_draft()
    if draft.errors:
        raise _refusal(draft, draft.errors)
    submission = Submission(demarche=draft.demarche, data=draft.data or {},
                            attachments=draft.attachments, channel=CHANNEL, actor=caller.actor)
    try:
        receipt = submit_dossier(_ctx(), caller.commune_id, submission)
    except InvalidDossier as error:
        raise _refusal(draft, error.errors) from error
    status_url = public_url_for(".show_dossier", reference=receipt.reference)
    body = {"reference": receipt.reference, "status_url": status_url}
    if not receipt.created:  # the same national dossier again: a partner's retry
        return jsonify(body), 200, {}
    return jsonify(body), 201, {"Location": status_url}


@bp.get("/dossiers/<reference>")
def show_dossier(reference: str) -> Response:
    """Show where a dossier stands and everything that happened to it."""
    caller = authenticate(None)
    return jsonify(_dossier_json(caller, _canonical(reference)))


@bp.post("/dossiers/<reference>/actions")
def act(reference: str) -> Response:
    """Apply an agent's action to a dossier, under the same rules as every other channel."""
    caller = authenticate("decide")
    action, comment = _read_action()
    canonical = _canonical(reference)
    try:
        act_on_dossier(_ctx(), caller.commune_id, canonical, action, actor=caller.actor,
                       channel=CHANNEL, comment=comment)
    except DossierNotFound as error:
        raise _not_found() from error
    except IllegalTransition as error:
        if isinstance(error, MotiveRequired):
            # No comment, and the core found no motive to use (for ``refuser``, the one
            # validation may have prepared): a field to fix, not a conflict with the state.
            raise ApiError(400, INVALID_REQUEST, [FieldError("comment", str(error))]) from error
        raise ApiError(409, str(error)) from error
    return jsonify(_dossier_json(caller, canonical))


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """Serve the OpenAPI description of this API."""
    return send_file(OPENAPI_FILE, mimetype="application/yaml")


# --- Authentication -------------------------------------------------------------------------


def authenticate(scope: str | None) -> Caller:
    """The caller behind the bearer token; 401 without a live token, 403 without the scope."""
    secret = _bearer_secret()
    if secret is None:
        raise ApiError(401, "authentification requise : en-tête « Authorization: Bearer "
                            "<jeton> »", headers={"WWW-Authenticate": REALM})
    with _ctx().db.transaction() as session:
        token = find_token(session, secret)
        caller = (Caller(token.id, token.commune_id, frozenset(token.scopes.split()))
                  if token is not None else None)
    if caller is None:
        raise ApiError(401, "jeton inconnu ou révoqué",
                       headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    if scope is not None and scope not in caller.scopes:
        raise ApiError(403, f"ce jeton n'a pas la portée « {scope} »", headers={
            "WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'})
    return caller


def _bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    # Real tokens are short; a huge header is no token and is not worth hashing.
    if scheme.lower() != "bearer" or not secret or len(secret) > 512:
        return None
    return secret


# --- Reading a submission -------------------------------------------------------------------


def _read_draft() -> Draft:
    if request.mimetype == "multipart/form-data":
        return _draft_from_multipart()
    if request.is_json:
        return _draft_from_json()
    raise ApiError(415, "type de contenu non pris en charge : envoyez application/json ou "
                        "multipart/form-data")


def _json_body() -> Any:
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
    body = _json_body()
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


def _refusal(draft: Draft, errors: list[FieldError]) -> ApiError:
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


# --- Actions and dossiers -------------------------------------------------------------------


def _read_action() -> tuple[Action, str]:
    body = _json_body()
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_REQUEST, [FieldError("body", "le corps doit être un objet "
                                                                 "JSON {action, comment}")])
    name, comment = body.get("action"), body.get("comment")
    known = sorted(action.value for action in AGENT_ACTIONS)
    errors = []
    if name not in known:
        errors.append(FieldError("action", f"action inconnue (attendu : {', '.join(known)})"))
    if comment is not None and not isinstance(comment, str):
        errors.append(FieldError("comment", "le commentaire doit être un texte"))
        comment = None
    comment = comment or ""
    if too_long := limits.free_text_error(comment, "comment"):
        errors.append(too_long)
    # A missing motive is the core's to judge: ``refuser`` may use the motive validation
    # prepared. The core's refusal becomes a 400 on ``comment`` (see ``act``).
    if errors:
        raise ApiError(400, INVALID_REQUEST, errors)
    return Action(name), comment


def _canonical(reference: str) -> str:
    canonical = normalize_reference(reference)
    if canonical is None:
        raise _not_found()
    return canonical


def _not_found() -> ApiError:
    return ApiError(404, "dossier introuvable")


def _dossier_json(caller: Caller, reference: str) -> dict[str, Any]:
    with _ctx().db.transaction() as session:
        dossier = session.scalars(
            select(Dossier).options(selectinload(Dossier.history))
            .where(Dossier.commune_id == caller.commune_id, Dossier.reference == reference)
        ).one_or_none()
        if dossier is None:
            raise _not_found()
        bounced = session.scalar(select(Mail.id).where(
            Mail.dossier_id == dossier.id, Mail.recipient == dossier.citizen_email,
            Mail.status == "bounced").limit(1)) is not None
        return dossier_json(dossier, citizen_email_bounced=bounced)


def dossier_json(dossier: Dossier, *, citizen_email_bounced: bool = False) -> dict[str, Any]:
    """A dossier as the API shows it (its history must be loaded)."""
    return {
        "reference": dossier.reference,
        "demarche": dossier.demarche,
        "status": dossier.status,
        "outcome": dossier.outcome,
        "national_number": dossier.national_number,
        "submitted_at": dossier.submitted_at.isoformat(),
        "report": report_json(dossier.report),
        "citizen_email_bounced": citizen_email_bounced,
        "history": [
            {
                "at": entry.at.isoformat(),
                "action": entry.action,
                "from_status": entry.from_status or None,
                "to_status": entry.to_status,
                "actor": entry.actor,
                "channel": entry.channel,
                "comment": entry.comment,
            }
            for entry in dossier.history
        ],
    }


def report_json(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """What validation found, for the agent: always the same four keys, or None before it ran."""
    if report is None:
        return None
    return {
        "missing": list(report.get("missing") or []),
        "flags": [{"code": flag.get("code"), "message": flag.get("message")}
                  for flag in report.get("flags") or []],
        "refusal_motive": report.get("refusal_motive") or None,
        "late": bool(report.get("late", False)),
    }


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute address under TELEDOSSIER_PUBLIC_URL, right behind a reverse proxy.

    The request's own host and scheme are those the proxy used to reach this process
    (often ``http://127.0.0.1:8000``), not those the client must use.
    """
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):]  # the public address already carries any prefix
    return _ctx().settings.public_url + path


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
