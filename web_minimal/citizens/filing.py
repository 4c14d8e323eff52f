"""Filing a request: the démarches, their forms, the écran récapitulatif, the confirmation.

The form's values travel in the pages themselves (hidden fields of the recap), never in the
session: nothing is lost or mixed up between two tabs, and the recap is checked again when sent.
Uploaded files go into the citizen's espace confidentiel at once, so the recap and any new
try refer to them by id.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from pipeline.commands.citizen_accounts import save_profile
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.clock import PARIS, paris_today
from pipeline.domain.demarches import InvalidDossier
from pipeline.store.model import Commune
from web_minimal.citizens.blueprint import bp
from web_minimal.citizens.checks import Problems, as_int, check_filing, required_pieces
from web_minimal.citizens.common import ctx, me, read_owned_dossier, verified_required
from web_minimal.citizens.forms import SLUGS, FilingForm, form_for, usual_values
from web_minimal.citizens.space_files import as_attachment, keep_upload, own_uploads, uploaded

Page = str | tuple[str, int] | Response
#: Requests sent from this session, by the recap's one-time key: a second click on "Valider et
#: envoyer" (or a reload) shows the dossier already sent instead of filing it twice.
SENT = "envois"
SENT_KEPT = 10


@bp.get("/demarches")
@verified_required
def demarches() -> str:
    """The démarches one can file here."""
    forms = [form_for(slug) for slug in SLUGS]
    return render_template("citizens/demarches.html", forms=forms)


@bp.get("/demarches/<slug>")
@verified_required
def file_form(slug: str) -> str:
    """A blank form, prefilled with the citizen's usual data."""
    form = _form(slug)
    with ctx().db.transaction() as db:
        communes = _communes(db)
    values: dict[str, str] = {one.name: one.default for one in form.fields}
    values.update({k: v for k, v in (me().profile or {}).items() if isinstance(v, str)})
    if len(communes) == 1:
        values["commune"] = str(next(iter(communes)))
    return _show_form(form, values, Problems(), communes)


@bp.post("/demarches/<slug>")
@verified_required
def check_form(slug: str) -> Page:
    """Check the form: back to it with each problem beside its field, or on to the recap."""
    form = _form(slug)
    values = _read_values(form, request.form)
    problems = Problems()
    if request.form.get("etape") != "modifier":
        _keep_uploads(form, values, problems)
    with ctx().db.transaction() as db:
        communes = _communes(db)
        documents = own_uploads(db, me().email)
    if request.form.get("etape") == "modifier":
        return _show_form(form, values, problems, communes)
    _, problems = check_filing(form, values, email=me().email, communes=communes,
                               documents=documents, elections=ctx().elections,
                               today=paris_today(ctx().clock), problems=problems)
    if problems:
        return _show_form(form, values, problems, communes), 400
    return render_template("citizens/recap.html", form=form, values=values,
                           commune=communes[as_int(values["commune"])],
                           pieces=[(piece, documents[as_int(values[piece.pick_field])])
                                   for piece in form.pieces if values.get(piece.pick_field)],
                           key=secrets.token_urlsafe(16))


@bp.post("/demarches/<slug>/envoyer")
@verified_required
def send(slug: str) -> Page:
    """Valider et envoyer: file the request (this counts as signature), then confirm it."""
    form = _form(slug)
    values = _read_values(form, request.form)
    key = request.form.get("jeton_envoi", "")
    already = session.get(SENT, {}).get(key) if key else None
    if already:
        return redirect(url_for("citizens.sent", reference=already), code=303)
    account = me()
    with ctx().db.transaction() as db:
        communes = _communes(db)
        documents = own_uploads(db, account.email)
        data, problems = check_filing(form, values, email=account.email, communes=communes,
                                      documents=documents, elections=ctx().elections,
                                      today=paris_today(ctx().clock))
        attachments = [] if problems else [
            as_attachment(ctx(), db, documents[as_int(values[piece.pick_field])], piece.kind)
            for piece in form.pieces if values.get(piece.pick_field)]
    if problems:
        # Drawn after the transaction: the form reads the database again (SQLite would wait
        # on its own write lock).
        return _show_form(form, values, problems, communes), 400
    data.setdefault("Formalite", {})["DateSoumission"] = (
        ctx().clock.now().astimezone(PARIS).strftime("%Y-%m-%dT%H:%M:%S"))
    try:
        receipt = submit_dossier(ctx(), as_int(values["commune"]), Submission(
            demarche=form.demarche.id, data=data, attachments=attachments, channel="web",
            actor=account.email))
    except InvalidDossier as invalid:
        problems = Problems()
        for error in invalid.errors:
            problems.add(_field_of(form, attachments, error.field), error.message)
        return _show_form(form, values, problems, communes), 400
    if values.get("retenir"):
        save_profile(ctx(), account.id, usual_values(values))
    if key:
        sent = dict(list(session.get(SENT, {}).items())[-(SENT_KEPT - 1):])
        sent[key] = receipt.reference
        session[SENT] = sent
    return redirect(url_for("citizens.sent", reference=receipt.reference), code=303)


@bp.get("/demarches/envoyee/<reference>")
@verified_required
def sent(reference: str) -> str:
    """The confirmation: the Numéro de télédossier, what happens next, the récépissé."""
    dossier = read_owned_dossier(reference)
    form = form_for(next(slug for slug, id_ in SLUGS.items() if id_ == dossier.demarche))
    return render_template("citizens/sent.html", dossier=dossier, form=form)


def _form(slug: str) -> FilingForm:
    if slug not in SLUGS:
        abort(404)
    return form_for(slug, ctx().elections, paris_today(ctx().clock))


def _communes(db: Any) -> dict[int, Commune]:
    return {commune.id: commune
            for commune in db.scalars(select(Commune).order_by(Commune.name, Commune.insee))}


def _read_values(form: FilingForm, source: MultiDict[str, str]) -> dict[str, str]:
    names = [one.name for one in form.fields] + [piece.pick_field for piece in form.pieces]
    values = {name: source.get(name, "").strip() for name in [*names, "commune"]}
    values["retenir"] = "oui" if source.get("retenir") else ""
    return values


def _keep_uploads(form: FilingForm, values: dict[str, str], problems: Problems) -> None:
    """Put each uploaded file in the space; a refused one says why beside its piece."""
    for piece in form.pieces:
        storage = request.files.get(piece.file_field)
        if not uploaded(storage) or storage is None:
            continue
        document, problem = keep_upload(ctx(), me().email, storage)
        if document is None:
            problems.add(piece.pick_field, problem or "Fichier refusé.")
        else:
            values[piece.pick_field] = str(document.id)


def _show_form(form: FilingForm, values: dict[str, str], problems: Problems,
               communes: dict[int, Commune]) -> str:
    with ctx().db.transaction() as db:
        documents = list(own_uploads(db, me().email).values())
    labels = {"commune": ("champ-commune", "Commune")}
    labels.update({one.name: (one.id, one.label) for one in form.fields})
    labels.update({piece.pick_field: (f"champ-{piece.pick_field}", piece.label)
                   for piece in form.pieces})
    required = required_pieces(form, values, email=me().email, communes=communes,
                               elections=ctx().elections, today=paris_today(ctx().clock))
    return render_template("citizens/form.html", form=form, values=values, problems=problems,
                           summary=problems.summary(labels), communes=list(communes.values()),
                           documents=documents, required=required,
                           max_mo=ctx().settings.max_attachment_bytes / (1024 * 1024))


def _field_of(form: FilingForm, attachments: list[Any], name: str) -> str | None:
    """The form's field for a core error (``attachments[i]`` is the i-th piece sent)."""
    if name.startswith("attachments[") and name.endswith("]"):
        index = as_int(name[len("attachments["):-1])
        if 0 <= index < len(attachments):
            return f"piece-{attachments[index].kind}"
    return form.field_of(name)

