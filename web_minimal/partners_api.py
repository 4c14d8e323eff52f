"""The partner portals' API beyond a single dossier: the commune's dossiers page by page, and
the webhooks each token registers to hear of every change."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request

from pipeline.commands.webhooks import (
    WebhookInfo,
    WebhookRefused,
    list_webhooks,
    register_webhook,
    remove_webhook,
)
from pipeline.context import PipelineContext
from pipeline.domain.demarches import DEMARCHES, FieldError
from pipeline.domain.lifecycle import Status
from pipeline.ops.partner_list import DEFAULT_LIMIT, MAX_LIMIT, BadCursor, ListQuery, list_dossiers
from web_minimal.api_access import INVALID_REQUEST, ApiError, api_error, authenticate
from web_minimal.api_filing import json_body
from web_minimal.runtime import runtime_of

bp = Blueprint("partners_api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, api_error)


@bp.get("/dossiers")
def list_dossiers_view() -> Response:
    """The commune's dossiers, least recently changed first: ``items`` and ``next_cursor``."""
    caller = authenticate(None)
    query, errors = _list_query(caller.commune_id)
    if errors:
        raise ApiError(400, INVALID_REQUEST, errors)
    try:
        items, cursor = list_dossiers(_ctx(), query)
    except BadCursor as error:
        raise ApiError(400, INVALID_REQUEST, [FieldError("cursor", str(error))]) from error
    return jsonify({"items": items, "next_cursor": cursor})


def _list_query(commune_id: int) -> tuple[ListQuery, list[FieldError]]:
    args, errors = request.args, []
    demarche = args.get("demarche") or None
    if demarche is not None and demarche not in DEMARCHES:
        errors.append(FieldError("demarche", f"démarche inconnue (attendu : "
                                             f"{', '.join(sorted(DEMARCHES))})"))
    status = args.get("status") or None
    if status is not None and status not in {s.value for s in Status}:
        errors.append(FieldError("status", "état inconnu (attendu : "
                                           f"{', '.join(s.value for s in Status)})"))
    since = None
    if args.get("updated_since"):
        try:
            since = datetime.fromisoformat(args["updated_since"][:40].replace("Z", "+00:00"))
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            errors.append(FieldError("updated_since", "instant ISO 8601 avec son fuseau "
                                                      "attendu (2026-03-12T09:30:00+00:00)"))
    limit = DEFAULT_LIMIT
    if "limit" in args:
        typed = args["limit"]
        limit = int(typed) if typed.isdigit() and len(typed) < 5 else 0
        if not 1 <= limit <= MAX_LIMIT:
            errors.append(FieldError("limit", f"nombre de 1 à {MAX_LIMIT} attendu"))
    cursor = args.get("cursor") or None
    if cursor is not None and len(cursor) > 200:
        errors.append(FieldError("cursor", "curseur invalide : reprenez celui de la réponse "
                                           "précédente"))
    return ListQuery(commune_id, demarche, status, since, limit, cursor), errors


@bp.get("/webhooks")
def webhooks() -> Response:
    """This token's webhooks (never their secret)."""
    caller = authenticate(None)
    return jsonify({"webhooks": [_json(hook) for hook in list_webhooks(_ctx(),
                                                                        caller.token_id)]})


@bp.post("/webhooks")
def add_webhook() -> tuple[Response, int]:
    """Register an address: ``{"url"}``; the answer gives the signing secret, once."""
    caller = authenticate(None)
    body = json_body()
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str):
        raise ApiError(400, INVALID_REQUEST, [FieldError("url", "adresse attendue : "
                                                                "{\"url\": \"https://…\"}")])
    try:
        hook, secret = register_webhook(_ctx(), caller.token_id, url.strip())
    except WebhookRefused as error:
        raise ApiError(400, INVALID_REQUEST, [FieldError("url", str(error))]) from error
    return jsonify({**_json(hook), "secret": secret}), 201


@bp.delete("/webhooks/<webhook_id>")
def delete_webhook(webhook_id: str) -> tuple[str, int]:
    """Stop calling one of this token's webhooks."""
    caller = authenticate(None)
    known = webhook_id.isdigit() and len(webhook_id) < 10
    if not known or not remove_webhook(_ctx(), caller.token_id, int(webhook_id)):
        raise ApiError(404, "webhook introuvable")
    return "", 204


def _json(hook: WebhookInfo) -> dict[str, object]:
    return {"id": hook.id, "url": hook.url, "created_at": hook.created_at.isoformat()}


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
