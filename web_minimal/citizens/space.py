"""The espace confidentiel: the commune's documents, the citizen's own, and the usual data."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from pipeline.commands.citizen_accounts import save_profile
from pipeline.domain.clock import paris_today
from pipeline.domain.demarches import RCO, InvalidDossier
from pipeline.store.model import CitizenDocument, Dossier
from web_minimal.citizens.blueprint import bp
from web_minimal.citizens.checks import Problems, check_values
from web_minimal.citizens.common import ctx, me, verified_required
from web_minimal.citizens.forms import FilingForm, Section, build_data, usual_fields, usual_values
from web_minimal.citizens.space_files import (
    COMMUNE_KINDS,
    USER_KIND,
    find_own,
    keep_upload,
    own_documents,
    uploaded,
)
from web_minimal.files import send_upload

Page = str | tuple[str, int] | Response
#: The usual data as a form of their own (nothing required: keep what one wants).
USUAL = FilingForm(slug="donnees", demarche=RCO, heading="Mes données usuelles",
                   sections=(Section("Identité et adresse", tuple(
                       replace(one, required=False) for one in usual_fields())),), pieces=())


@bp.get("/espace")
@verified_required
def space() -> str:
    """The commune's documents and the citizen's own, with the upload form."""
    return _space_page()


@bp.post("/espace/documents")
@verified_required
def upload() -> Page:
    """Add a document to the space, to reuse in later requests."""
    storage = request.files.get("fichier")
    if storage is None or not uploaded(storage):
        return _space_page(error="Choisissez le fichier à ajouter."), 400
    document, problem = keep_upload(ctx(), me().email, storage)
    if document is None:
        return _space_page(error=problem or "Fichier refusé."), 400
    flash(f"« {document.filename} » a été ajouté à votre espace confidentiel.")
    return redirect(url_for("citizens.space"), code=303)


@bp.get("/espace/documents/<int:document_id>")
@verified_required
def download(document_id: int) -> Response:
    """Download a document of the space, as it was stored."""
    with ctx().db.transaction() as db:
        document = find_own(db, me().email, document_id) or abort(404)
        content = ctx().blobs.get(db, document.sha256)
    # A file the citizen or an agent sent, or one the commune drew: all downloads.
    return send_upload(content, document.media_type, document.filename)


@bp.get("/espace/documents/<int:document_id>/supprimer")
@verified_required
def confirm_removal(document_id: int) -> str:
    """Ask before deleting, naming the file."""
    with ctx().db.transaction() as db:
        document = _kept(db, document_id)
    return render_template("citizens/remove.html", document=document)


@bp.post("/espace/documents/<int:document_id>/supprimer")
@verified_required
def remove(document_id: int) -> Response:
    """Delete one of the citizen's own documents (the commune's stay: they are its acts)."""
    with ctx().db.transaction() as db:
        document = _kept(db, document_id)
        # The bytes stay while a dossier's piece shares them; the purge of blobs is the
        # retention's work.
        db.execute(delete(type(document)).where(type(document).id == document.id))
    flash(f"« {document.filename} » a été supprimé de votre espace confidentiel.")
    return redirect(url_for("citizens.space"), code=303)


@bp.route("/espace/donnees", methods=["GET", "POST"])
@verified_required
def usual_data() -> Page:
    """The usual data (name, birth, address, phone) that prefill new forms."""
    if request.method == "GET":
        values = {k: v for k, v in (me().profile or {}).items() if isinstance(v, str)}
        return render_template("citizens/usual_data.html", form=USUAL, values=values,
                               problems=Problems(), summary=[])
    values = {one.name: request.form.get(one.name, "").strip() for one in USUAL.fields}
    problems = Problems()
    check_values(USUAL, values, problems, enforce_required=False)
    try:
        RCO.normalize(build_data(USUAL, values, me().email), today=paris_today(ctx().clock))
    except InvalidDossier as invalid:
        problems.add_errors(invalid.errors, USUAL)
    if problems:
        labels = {one.name: (one.id, one.label) for one in USUAL.fields}
        return render_template("citizens/usual_data.html", form=USUAL, values=values,
                               problems=problems, summary=problems.summary(labels)), 400
    save_profile(ctx(), me().id, usual_values(values))
    flash("Vos données usuelles sont enregistrées : elles rempliront vos prochains formulaires.")
    return redirect(url_for("citizens.usual_data"), code=303)


def _space_page(error: str = "") -> str:
    with ctx().db.transaction() as db:
        documents = own_documents(db, me().email)
        ids = {d.dossier_id for d in documents if d.dossier_id}
        references = {dossier_id: reference for dossier_id, reference in db.execute(
            select(Dossier.id, Dossier.reference).where(Dossier.id.in_(ids)))} if ids else {}
    from_commune = [d for d in documents if d.kind != USER_KIND]
    own = [d for d in documents if d.kind == USER_KIND]
    return render_template("citizens/space.html", from_commune=from_commune, own=own,
                           references=references, kinds=COMMUNE_KINDS, error=error,
                           max_mo=ctx().settings.max_attachment_bytes / (1024 * 1024))


def _kept(db: Session, document_id: int) -> CitizenDocument:
    """One of the documents the citizen kept here, else 404 (the commune's are its acts)."""
    document = find_own(db, me().email, document_id)
    if document is None or document.kind != USER_KIND:
        abort(404)
    return document
