"""The tableau de bord de suivi: the citizen's dossiers, each with its timeline and messages,
the answer to the commune, the compléments of a dossier "à compléter", the récépissé."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from pipeline.commands.complete import complete_dossier
from pipeline.commands.message import MessageRefused, send_citizen_message
from pipeline.documents.stored import find_document
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import AttachmentInfo, InvalidDossier
from pipeline.domain.demarches.limits import FREE_TEXT_MAX_LENGTH
from pipeline.domain.lifecycle import (
    ACTION_LABELS,
    STATUS_LABELS,
    Action,
    IllegalTransition,
    Status,
)
from pipeline.store.model import CitizenAccount, CitizenDocument, Dossier, HistoryEntry
from web_minimal.citizens.blueprint import bp
from web_minimal.citizens.checks import Problems, as_int, missing_pieces
from web_minimal.citizens.common import (
    ctx,
    me,
    owned_dossier,
    read_owned_dossier,
    verified_required,
)
from web_minimal.citizens.forms import SLUGS, FilingForm, form_for
from web_minimal.citizens.space_files import as_attachment, keep_upload, own_uploads, uploaded

Page = str | tuple[str, int] | Response
#: Agents' actions whose comment the citizen reads as the commune's word.
COMMUNE_ACTIONS = frozenset({Action.RECU, Action.ACCEPTER, Action.REFUSER, Action.COMPLETER,
                             Action.CLORE, Action.MESSAGE})
#: The compléments' free text for the mairie (the core's ``comment``).
PRECISIONS = "precisions"


@bp.get("/suivi")
@verified_required
def dashboard() -> str:
    """Every dossier filed with the citizen's address, newest first, with where it stands."""
    with ctx().db.transaction() as db:
        dossiers = list(db.scalars(
            select(Dossier).options(selectinload(Dossier.commune))
            .where(func.lower(Dossier.citizen_email) == me().email)
            .order_by(Dossier.submitted_at.desc())))
    return render_template("citizens/dashboard.html", dossiers=dossiers, state=state_label,
                           heading=_heading)


@bp.get("/suivi/<reference>")
@verified_required
def dossier_page(reference: str) -> str:
    """One dossier: its states, the commune's comments and messages, what the citizen can do."""
    return _dossier_page(reference)


@bp.post("/suivi/<reference>/message")
@verified_required
def write_to_commune(reference: str) -> Page:
    """Répondre à la mairie: a message on the dossier, mailed to the agents."""
    dossier = read_owned_dossier(reference)
    text = request.form.get("message", "")
    try:
        send_citizen_message(ctx(), dossier.id, text)
    except MessageRefused as refused:
        return _dossier_page(reference, message=text, message_error=str(refused)), 400
    flash("Votre message a été transmis à la mairie.")
    return redirect(url_for("citizens.dossier_page", reference=dossier.reference), code=303)


@bp.post("/suivi/<reference>/completer")
@verified_required
def complete(reference: str) -> Page:
    """Envoyer les compléments: new documents, and the dossier goes back to verification."""
    dossier = read_owned_dossier(reference)
    if dossier.status != Status.INCOMPLETE:
        return _not_waiting(dossier)
    form = _form_of(dossier)
    problems = Problems()
    comment = request.form.get(PRECISIONS, "").strip()
    chosen: dict[str, str] = {}
    for piece in form.pieces:
        storage = request.files.get(piece.file_field)
        if storage is not None and uploaded(storage):
            document, problem = keep_upload(ctx(), me().email, storage)
            if document is None:
                problems.add(piece.pick_field, problem or "Fichier refusé.")
                continue
            chosen[piece.pick_field] = str(document.id)
        elif request.form.get(piece.pick_field):
            chosen[piece.pick_field] = request.form[piece.pick_field]
    with ctx().db.transaction() as db:
        documents = own_uploads(db, me().email)
        attachments = []
        for piece in form.pieces:
            picked = chosen.get(piece.pick_field)
            if picked and as_int(picked) not in documents:
                problems.add(piece.pick_field, "Ce document n'est plus dans votre espace "
                                               "confidentiel.")
            elif picked:
                attachments.append(as_attachment(ctx(), db, documents[as_int(picked)],
                                                 piece.kind))
    if not problems:
        try:
            complete_dossier(ctx(), dossier.id, attachments, actor=me().email, channel="web",
                             comment=comment)
        except InvalidDossier as invalid:
            for error in invalid.errors:
                index = as_int(error.field.removeprefix("attachments[").rstrip("]"))
                if error.field == "comment":
                    problems.add(PRECISIONS, error.message)
                else:
                    problems.add(f"piece-{attachments[index].kind}"
                                 if 0 <= index < len(attachments) else None, error.message)
        except IllegalTransition:
            return _not_waiting(dossier)  # an agent acted meanwhile
    if problems:
        return _dossier_page(reference, problems=problems, chosen=chosen,
                             precisions=comment), 400
    flash("Vos compléments ont été envoyés : votre dossier est de nouveau vérifié, puis "
          "transmis au service traitant.")
    return redirect(url_for("citizens.dossier_page", reference=dossier.reference), code=303)


@bp.get("/suivi/<reference>/recepisse")
@verified_required
def receipt(reference: str) -> Page:
    """The récépissé (proof of filing), drawn a moment after the filing."""
    with ctx().db.transaction() as db:
        dossier = owned_dossier(db, reference)
        document = find_document(db, dossier.id, "recepisse")
        if document is None:
            return render_template("citizens/receipt_pending.html", dossier=dossier)
        content = ctx().blobs.get(db, document.sha256)
    return send_file(io.BytesIO(content), mimetype=document.media_type, as_attachment=True,
                     download_name=document.filename)


def _not_waiting(dossier: Dossier) -> Response:
    flash("Ce dossier n'attend plus de compléments : il a changé d'état entre-temps.", "error")
    return redirect(url_for("citizens.dossier_page", reference=dossier.reference), code=303)


def state_label(dossier: Dossier) -> str:
    """Where the dossier stands, in the national service's words, with the decision if any."""
    label = STATUS_LABELS[Status(dossier.status)]
    if dossier.outcome == "accepted":
        return f"{label} — demande acceptée"
    if dossier.outcome == "refused":
        return f"{label} — demande refusée"
    return label


def _heading(dossier: Dossier) -> str:
    slug = next((s for s, demarche in SLUGS.items() if demarche == dossier.demarche), None)
    return form_for(slug).heading if slug else dossier.demarche


def _form_of(dossier: Dossier) -> FilingForm:
    slug = next(s for s, demarche in SLUGS.items() if demarche == dossier.demarche)
    return form_for(slug)


def _who(entry: HistoryEntry, dossier: Dossier) -> str:
    """Who did it, as the citizen knows them (agents stay the mairie)."""
    if entry.channel == "pipeline" or entry.actor == "system":
        return "Traitement automatique"
    if entry.actor.lower() in (dossier.citizen_email.lower(), "citizen"):
        return "Vous"
    if entry.actor.startswith("api:") and entry.action == Action.SUBMIT:
        return "Vous, par un portail partenaire"
    return f"Mairie de {dossier.commune.name}"


def _what(entry: HistoryEntry, who: str) -> str:
    if entry.action == Action.MESSAGE:
        return "Votre message" if who == "Vous" else "Message de la mairie"
    return ACTION_LABELS.get(Action(entry.action), entry.action)


def _dossier_page(reference: str, *, message: str = "", message_error: str = "",
                  problems: Problems | None = None, chosen: dict[str, str] | None = None,
                  precisions: str = "") -> str:
    account = me()
    with ctx().db.transaction() as db:
        dossier = owned_dossier(db, reference)
        entries = list(dossier.history)
        attachments = list(dossier.attachments)
        has_receipt = find_document(db, dossier.id, "recepisse") is not None
        deposited = _deposited(db, account, dossier)
        documents = list(own_uploads(db, account.email).values())
    form = _form_of(dossier)
    infos = [AttachmentInfo(a.kind, a.filename, a.media_type, a.size) for a in attachments]
    needed = {piece.kind for piece in missing_pieces(
        form, dossier.data, infos, dossier.commune, ctx().elections,
        dossier.submitted_at.astimezone(PARIS).date())}
    pieces = sorted(form.pieces, key=lambda piece: piece.kind not in needed)
    timeline = [(entry, who, _what(entry, who)) for entry in entries
                for who in [_who(entry, dossier)]]
    from_commune = [entry for entry, who, _ in timeline
                    if who.startswith("Mairie") and entry.comment
                    and entry.action in COMMUNE_ACTIONS]
    asked = next((e.comment for e in reversed(entries) if e.action == Action.COMPLETER), "")
    return render_template(
        "citizens/dossier.html", dossier=dossier, heading=_heading(dossier),
        state=state_label(dossier), timeline=timeline, attachments=attachments,
        last_comment=from_commune[-1] if from_commune else None, has_receipt=has_receipt,
        deposited=deposited, incomplete=dossier.status == Status.INCOMPLETE,
        missing=(dossier.report or {}).get("missing", []), asked=asked,
        pieces=pieces, needed=needed, documents=documents, problems=problems or Problems(),
        chosen=chosen or {}, precisions=precisions, message=message,
        message_error=message_error, closed=dossier.closed_at is not None,
        max_mo=ctx().settings.max_attachment_bytes / (1024 * 1024),
        max_texte=FREE_TEXT_MAX_LENGTH)


def _deposited(db: Session, account: CitizenAccount, dossier: Dossier) -> list[CitizenDocument]:
    return list(db.scalars(select(CitizenDocument).where(
        CitizenDocument.owner_email == account.email, CitizenDocument.dossier_id == dossier.id)
        .order_by(CitizenDocument.deposited_at)))
