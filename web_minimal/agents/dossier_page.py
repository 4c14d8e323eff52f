"""« Suivi de la démarche pour votre instruction » : one dossier, its files and its ZIP."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import Response, abort, render_template, request, send_file
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pipeline.documents.dossier_package import dossier_package, package_name
from pipeline.domain.attachments import KIND_LABELS
from pipeline.domain.clock import paris_today
from pipeline.domain.demarches import Demarche
from pipeline.domain.lifecycle import (
    ACTION_LABELS,
    AGENT_ACTIONS,
    Action,
    IllegalTransition,
    Status,
    decide,
)
from pipeline.domain.references import normalize_reference
from pipeline.ops.search import decision_due
from pipeline.ops.triage import signals_for, unread_entries
from pipeline.store.dossiers import demarche_of
from pipeline.store.model import (
    Attachment,
    CitizenDocument,
    Dossier,
    DossierDocument,
    HistoryEntry,
    Mail,
    RegisterEntry,
)
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx
from web_minimal.agents.fields import sections
from web_minimal.auth import roles_required
from web_minimal.files import send_upload

#: The choices of « Nouvel état du dossier », in the national service's words.
CHOICE_LABELS = {
    "message": "Envoyer un message à l'usager (état inchangé)",
    Action.RECU.value: "Dossier reçu par le service traitant",
    Action.COMPLETER.value: "Dossier à compléter (pièces ou informations demandées)",
    Action.ACCEPTER.value: "Demande acceptée — Dossier clos",
    Action.REFUSER.value: "Demande refusée — Dossier clos",
    Action.CLORE.value: "Dossier clos",
}
#: « accepter » for a démarche whose accepted requests go into the REU before closing.
ACCEPT_THEN_REGISTER = "Demande acceptée — à saisir ensuite au REU"
ACTION_ORDER = (Action.RECU, Action.COMPLETER, Action.ACCEPTER, Action.REFUSER, Action.CLORE)
#: Actions that end the dossier: they ask for a confirmation first.
CLOSING = frozenset({Action.ACCEPTER, Action.REFUSER, Action.CLORE})
DOCUMENT_LABELS = {"notice": "Notice individuelle pré-remplie",
                   "demande": "Demande d'inscription pré-remplie",
                   "recepisse": "Récépissé de dépôt", "attestation": "Attestation de recensement",
                   "refus": "Notification de refus"}
#: The commune's own documents, drawn here, open in the browser's PDF viewer and nothing else.
FILE_POLICY = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
               "object-src 'self'; frame-ancestors 'self'")


def find_dossier(session: Session, reference: str, *, full: bool = False) -> Dossier:
    """The agent's commune's dossier; any other one is as absent as a missing one (404)."""
    canonical = normalize_reference(reference)
    if canonical is None:
        abort(404)
    statement = select(Dossier).where(Dossier.commune_id == commune_id(),
                                      Dossier.reference == canonical)
    if full:
        statement = statement.options(selectinload(Dossier.attachments),
                                      selectinload(Dossier.history),
                                      selectinload(Dossier.commune))
    dossier = session.scalars(statement).one_or_none()
    if dossier is None:
        abort(404)
    return dossier


def dossier_id_of(session: Session, reference: str) -> str:
    """The id of the agent's commune's dossier, to lock it (loading it first would read it
    before the lock)."""
    canonical = normalize_reference(reference)
    found = None if canonical is None else session.scalar(select(Dossier.id).where(
        Dossier.commune_id == commune_id(), Dossier.reference == canonical))
    if found is None:
        abort(404)
    return found


def legal_actions(dossier: Dossier) -> list[Action]:
    """The agent actions the lifecycle allows now (a motive taken as given)."""
    allowed = []
    demarche = demarche_of(dossier)
    for action in ACTION_ORDER:
        try:
            decide(dossier.status_enum, dossier.stage_enum, dossier.outcome_enum, action,
                   demarche_issues_attestation=demarche.issues_attestation,
                   demarche_enters_register=demarche.enters_register, comment="motif")
        except IllegalTransition:
            continue
        allowed.append(action)
    return allowed


@bp.get("/dossiers/<reference>")
@roles_required(*AGENT_ROLES)
def dossier(reference: str) -> str:
    """The dossier as the seed shows it; reading it never changes it (scanners follow links)."""
    return render_dossier(reference)


def render_dossier(reference: str, *, chosen: str = "", comment: str = "",
                   errors: dict[str, str] | None = None, reu_errors: dict[str, str] | None = None,
                   reu_typed: dict[str, str] | None = None) -> str:
    with ctx().db.transaction() as session:
        found = find_dossier(session, reference, full=True)
        return render_template("agents/dossier.html", **_page_facts(session, found),
                               **_work_facts(session, found), chosen=chosen, comment=comment,
                               errors=errors or {}, reu_errors=reu_errors or {},
                               reu_typed=reu_typed or {})


def _page_facts(session: Session, dossier: Dossier) -> dict[str, Any]:
    demarche = demarche_of(dossier)
    history = list(dossier.history)
    actions = legal_actions(dossier)
    choices = [("message", CHOICE_LABELS["message"])] if dossier.status != Status.PURGED else []
    choices += [(action.value, _choice_label(action, demarche)) for action in actions]
    return {
        "dossier": dossier,
        "demarche": demarche,
        "sections": sections(dossier.data),
        "report": dossier.report or {},
        "pieces": [a for a in dossier.attachments if a.kind not in DOCUMENT_LABELS],
        "kind_labels": KIND_LABELS,
        "documents": session.scalars(select(DossierDocument).where(
            DossierDocument.dossier_id == dossier.id).order_by(DossierDocument.id)).all(),
        "document_labels": DOCUMENT_LABELS,
        "deposits": session.scalars(select(CitizenDocument).where(
            CitizenDocument.dossier_id == dossier.id).order_by(CitizenDocument.id)).all(),
        "history": history,
        "last_comment": _last_comment(dossier, history),
        "choices": choices,
        "bounced": _bounced(session, dossier),
        "due": decision_due(dossier.demarche, dossier.submitted_at)
        if dossier.outcome is None and dossier.status not in ("closed", "purged") else None,
        "closing_soon": dossier.outcome is not None or (
            dossier.stage in ("attestation", "deposit", "closure")),
        "deposit_label": deposit_label(dossier),
        "max_deposit_kb": ctx().settings.max_deposit_bytes // 1024,
        "action_labels": {a.value: label for a, label in ACTION_LABELS.items()},
    }


def _choice_label(action: Action, demarche: Demarche) -> str:
    if action is Action.ACCEPTER and demarche.enters_register:
        return ACCEPT_THEN_REGISTER
    return CHOICE_LABELS[action.value]


def _work_facts(session: Session, dossier: Dossier) -> dict[str, Any]:
    """What the agents' work adds to the page: signals, unread messages, the REU step."""
    context = ctx()
    today = paris_today(context.clock)
    return {
        "signal": signals_for(session, dossier.commune_id, [dossier.reference], today,
                              context.clock.now()).get(dossier.reference),
        "unread": unread_entries(session, dossier),
        "reu_entry": session.get(RegisterEntry, dossier.id),
        "today": today,
    }


def deposit_label(dossier: Dossier) -> str:
    """What the commune deposits for this démarche: the RCO attestation, else a document."""
    return "Attestation" if demarche_of(dossier).issues_attestation else "Document"


def _last_comment(dossier: Dossier, history: list[HistoryEntry]) -> HistoryEntry | None:
    """« Dernier commentaire » : the last thing the commune told the citizen."""
    citizen = dossier.citizen_email.lower()
    for entry in reversed(history):
        if entry.comment and entry.actor.lower() not in (citizen, "citizen") \
                and entry.channel != "pipeline" and (entry.action in AGENT_ACTIONS
                                                     or entry.action == Action.MESSAGE):
            return entry
    return None


def _bounced(session: Session, dossier: Dossier) -> bool:
    """Whether mail to the citizen's address came back undelivered."""
    return session.scalar(select(Mail.id).where(
        func.lower(Mail.recipient) == dossier.citizen_email.lower(), Mail.status == "bounced",
        Mail.commune_id == dossier.commune_id).limit(1)) is not None


@bp.get("/dossiers/<reference>/pieces/<int:piece_id>")
@roles_required(*AGENT_ROLES)
def piece(reference: str, piece_id: int) -> Response:
    """A citizen's piece: an image shown in the browser, anything else downloaded."""
    return _serve_file_of(reference, Attachment, piece_id)


@bp.get("/dossiers/<reference>/documents/<int:document_id>")
@roles_required(*AGENT_ROLES)
def document(reference: str, document_id: int) -> Response:
    """A document the commune produced (notice, demande, récépissé, attestation, refus)."""
    return _serve_file_of(reference, DossierDocument, document_id)


@bp.get("/dossiers/<reference>/depots/<int:deposit_id>")
@roles_required(*AGENT_ROLES)
def deposit_file_view(reference: str, deposit_id: int) -> Response:
    """A file deposited into the citizen's confidential space for this dossier."""
    return _serve_file_of(reference, CitizenDocument, deposit_id)


def _serve_file_of(reference: str, model: type[Attachment | DossierDocument | CitizenDocument],
                   row_id: int) -> Response:
    """A stored file of the agent's commune's dossier; any other row is not found."""
    with ctx().db.transaction() as session:
        found = find_dossier(session, reference)
        row = session.get(model, row_id)
        if row is None or row.dossier_id != found.id:
            abort(404)
        content = ctx().blobs.get(session, row.sha256)
        media_type, filename, sha256 = row.media_type, row.filename, row.sha256
    inline = request.args.get("telecharger") != "1"
    if model is DossierDocument:  # drawn by Télédossier: its PDF opens in the browser
        return _send(content, media_type, filename, sha256, inline=inline)
    # A citizen's piece, or a deposit (which an agent may have sent by mail): sent files.
    return send_upload(content, media_type, filename, inline=inline, etag=sha256)


@bp.get("/dossiers/<reference>/elements.zip")
@roles_required(*AGENT_ROLES)
def package(reference: str) -> Response:
    """« Télécharger les éléments du dossier » : the form, the pieces and the XML in one ZIP."""
    with ctx().db.transaction() as session:
        found = find_dossier(session, reference, full=True)
        if found.status == Status.PURGED:
            abort(404)
        content = dossier_package(session, ctx(), found)
        name = package_name(found)
    # The pieces inside are sent files: the archive goes out as they do.
    return send_upload(content, "application/zip", name,
                       etag=hashlib.sha256(content).hexdigest())


def _send(content: bytes, media_type: str, filename: str, etag: str, *,
          inline: bool) -> Response:
    response = send_file(io.BytesIO(content), mimetype=media_type, as_attachment=not inline,
                         download_name=filename, etag=etag, conditional=True)
    if inline:
        # send_file names the file only for a download; the viewer's "save" keeps the name too.
        response.headers.set("Content-Disposition", "inline", filename=filename)
        response.headers["Content-Security-Policy"] = FILE_POLICY
    # Personal data: a shared cache must not keep it, a private one must ask again each time.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
