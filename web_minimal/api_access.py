"""Who calls the API, and how it answers a refusal: bearer tokens, errors as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, jsonify, request

from pipeline.commands.tokens import find_token
from pipeline.context import PipelineContext
from pipeline.domain.demarches import FieldError
from web_minimal.runtime import runtime_of

REALM = 'Bearer realm="teledossier"'
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


def api_error(error: ApiError) -> tuple[Response, int, dict[str, str]]:
    """The error handler of every blueprint of the API."""
    body: dict[str, Any] = {"error": error.message}
    if error.fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in error.fields]
    return jsonify(body), error.status, error.headers


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


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
