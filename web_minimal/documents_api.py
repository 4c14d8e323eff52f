"""The dossier's documents over the API: list them, fetch one as stored, download the ZIP."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.documents.dossier_package import dossier_package, package_name
from pipeline.domain.references import normalize_reference
from pipeline.store.model import Dossier, DossierDocument
from web_minimal.api_access import ApiError, api_error, authenticate
from web_minimal.files import send_upload
from web_minimal.runtime import runtime_of

bp = Blueprint("documents_api", __name__, url_prefix="/api/v1/dossiers/<reference>")
# The API's errors look the same on every blueprint of it.
bp.register_error_handler(ApiError, api_error)

@bp.get("/documents")
def list_documents(reference: str) -> Response:
    """List the documents the commune produced for a dossier, oldest first."""
    caller = authenticate(None)
    with _ctx().db.transaction() as session:
        dossier = _dossier(session, caller.commune_id, reference)
        rows = session.scalars(select(DossierDocument)
                               .where(DossierDocument.dossier_id == dossier.id)
                               .order_by(DossierDocument.created_at, DossierDocument.id))
        return jsonify({"documents": [document_json(row) for row in rows]})


@bp.get("/documents/<document_id>")
def get_document(reference: str, document_id: str) -> Response:
    """Serve one document, byte for byte as it was stored (an attestation stays signed)."""
    caller = authenticate(None)
    with _ctx().db.transaction() as session:
        dossier = _dossier(session, caller.commune_id, reference)
        document = _document(session, document_id)
        if document is None or document.dossier_id != dossier.id:
            raise ApiError(404, "document introuvable")
        content = _ctx().blobs.get(session, document.sha256)
        return _download(content, document.media_type, document.filename, document.sha256)


@bp.get("/package.zip")
def get_package(reference: str) -> Response:
    """« Télécharger les éléments du dossier » : form, pieces, XML and manifest in one ZIP."""
    caller = authenticate(None)
    ctx = _ctx()
    with ctx.db.transaction() as session:
        dossier = _dossier(session, caller.commune_id, reference)
        package = dossier_package(session, ctx, dossier)
        name = package_name(dossier)
    return _download(package, "application/zip", name, hashlib.sha256(package).hexdigest())


def document_json(document: DossierDocument) -> dict[str, Any]:
    """A document as the API lists it."""
    return {
        "id": document.id,
        "kind": document.kind,
        "filename": document.filename,
        "size": document.size,
        "sha256": document.sha256,
        "media_type": document.media_type,
        "created_at": document.created_at.isoformat(),
        "revoked_at": document.revoked_at.isoformat() if document.revoked_at else None,
    }


def _dossier(session: Session, commune_id: int, reference: str) -> Dossier:
    """The caller's commune's dossier; any other is as absent as one that does not exist."""
    canonical = normalize_reference(reference)
    dossier = None if canonical is None else session.scalars(select(Dossier).where(
        Dossier.commune_id == commune_id, Dossier.reference == canonical)).one_or_none()
    if dossier is None:
        raise ApiError(404, "dossier introuvable")
    return dossier


def _document(session: Session, document_id: str) -> DossierDocument | None:
    # A plain path variable, not Flask's int converter, so the rule reads as the OpenAPI path.
    if not (document_id.isascii() and document_id.isdigit()) or len(document_id) > 18:
        return None
    return session.get(DossierDocument, int(document_id))


def _download(content: bytes, media_type: str, filename: str, sha256: str) -> Response:
    # The ZIP holds sent files; the documents are the commune's, downloaded the same way.
    return send_upload(content, media_type, filename, etag=sha256)


def _ctx() -> PipelineContext:
    return runtime_of(current_app).ctx
