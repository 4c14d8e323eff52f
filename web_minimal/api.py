"""The JSON API for partner portals and scripts: submit dossiers, follow them, act on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pipeline.commands.act import DossierNotFound, act_on_dossier
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.context import PipelineContext
from pipeline.domain.demarches import FieldError, InvalidDossier, limits
from pipeline.domain.lifecycle import AGENT_ACTIONS, Action, IllegalTransition, MotiveRequired
from pipeline.domain.references import normalize_reference
from pipeline.store.model import Dossier, Mail
from web_minimal.api_access import INVALID_REQUEST, ApiError, Caller, api_error, authenticate
from web_minimal.api_filing import json_body, read_draft, refusal
from web_minimal.runtime import runtime_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, api_error)

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
#: Recorded as the channel of everything done through the API.
CHANNEL = "api"


@bp.errorhandler(InvalidDossier)
def _invalid_dossier(error: InvalidDossier) -> tuple[Response, int, dict[str, str]]:
    return api_error(ApiError(400, INVALID_REQUEST, error.errors))


# --- Routes ---------------------------------------------------------------------------------


@bp.post("/dossiers")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Take in a new dossier."""
    caller = authenticate("submit")
    draft = read_draft()
    if draft.errors:
        raise refusal(draft, draft.errors)
    submission = Submission(demarche=draft.demarche, data=draft.data or {},
                            attachments=draft.attachments, channel=CHANNEL, actor=caller.actor)
    try:
        receipt = submit_dossier(_ctx(), caller.commune_id, submission)
    except InvalidDossier as error:
        raise refusal(draft, error.errors) from error
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


# --- Actions and dossiers -------------------------------------------------------------------


def _read_action() -> tuple[Action, str]:
    body = json_body()
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
