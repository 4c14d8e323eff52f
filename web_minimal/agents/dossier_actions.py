"""What an agent does to a dossier: « Nouvel état du dossier » + « Envoyer », and deposits."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from pipeline.commands.act import DossierNotFound, act_on_dossier
from pipeline.commands.deposit import deposit_for_citizen
from pipeline.commands.message import message_citizen
from pipeline.domain.demarches.limits import free_text_error
from pipeline.domain.lifecycle import Action, IllegalTransition, MotiveRequired, Status
from pipeline.domain.references import normalize_reference
from pipeline.store.dossiers import demarche_of, lock_dossier
from pipeline.store.model import Dossier
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx, me
from web_minimal.agents.dossier_page import (
    ACCEPT_THEN_REGISTER,
    CHOICE_LABELS,
    CLOSING,
    deposit_label,
    dossier_id_of,
    find_dossier,
    render_dossier,
)
from web_minimal.auth import roles_required

#: What stops an action: the field it concerns, the message beside it, the HTTP status.
Problem = tuple[str, str, int]
MOTIVE_NEEDED = {
    Action.COMPLETER.value: "Écrivez dans « Nouveau commentaire » ce que l'usager doit fournir.",
    Action.REFUSER.value: "Écrivez le motif du refus dans « Nouveau commentaire ».",
}
DONE = {
    "message": "Message envoyé à l'usager.",
    Action.RECU.value: "Nouvel état enregistré : Dossier reçu par le service traitant. "
                       "L'usager en est informé.",
    Action.COMPLETER.value: "Nouvel état enregistré : Dossier à compléter. L'usager en est "
                            "informé.",
    Action.ACCEPTER.value: "Demande acceptée : le dossier est en cours de clôture, l'usager sera "
                           "informé. Il passera ensuite dans les dossiers clos.",
    Action.REFUSER.value: "Demande refusée : le dossier est en cours de clôture, l'usager sera "
                          "informé. Il passera ensuite dans les dossiers clos.",
    Action.CLORE.value: "Dossier clos : il passe dans les dossiers clos, l'usager sera informé.",
}
ACCEPTED_TO_REGISTER = ("Demande acceptée : l'usager en est informé. Saisissez l'inscription au "
                        "REU, puis marquez-la « saisi au REU » : le dossier sera alors clos.")


@bp.post("/dossiers/<reference>/etat")
@roles_required(*AGENT_ROLES)
def change_state(reference: str) -> Response | tuple[str, int] | str:
    """Apply « Nouvel état du dossier » with « Nouveau commentaire »; closing asks first."""
    chosen = request.form.get("action", "")
    comment = request.form.get("commentaire", "").strip()
    if too_long := free_text_error(comment, "commentaire"):
        return _refused(reference, chosen, comment, ("commentaire", too_long.message, 422))
    if chosen == "message":
        return _send_message(reference, comment)
    if chosen not in CHOICE_LABELS:
        return _refused(reference, chosen, comment, ("action", "Choisissez le nouvel état du "
                                                               "dossier dans la liste.", 422))
    action = Action(chosen)
    canonical = normalize_reference(reference)
    if canonical is None:
        abort(404)
    # One command, one transaction: a closing action not yet confirmed is only checked, so
    # that a wrong choice is told beside its field before any confirmation.
    confirming = action in CLOSING and request.form.get("confirme") != "oui"
    try:
        acted = act_on_dossier(ctx(), commune_id(), canonical, action, actor=me().email,
                               channel="web", comment=comment, check_only=confirming)
    except DossierNotFound:
        return _refused(reference, chosen, comment, ("action", "Dossier introuvable.", 404))
    except MotiveRequired:
        return _refused(reference, chosen, comment,
                        ("commentaire", MOTIVE_NEEDED[chosen], 422))
    except IllegalTransition as error:
        # Not allowed now (or no longer: someone acted by mail or by the API): nothing changed.
        return _refused(reference, chosen, comment, ("action", _impossible(chosen, error), 409))
    registers = action is Action.ACCEPTER and demarche_of(acted.dossier).enters_register
    if not acted.applied:
        return render_template("agents/confirm_state.html", dossier=acted.dossier,
                               action=chosen, comment=comment, motive=acted.comment,
                               label=ACCEPT_THEN_REGISTER if registers else CHOICE_LABELS[chosen],
                               closes=not registers)
    flash(ACCEPTED_TO_REGISTER if registers else DONE[chosen])
    return redirect(url_for("agents.dossier", reference=canonical), code=303)


def _impossible(chosen: str, error: IllegalTransition) -> str:
    return f"« {CHOICE_LABELS[chosen]} » impossible : {error}. Le dossier n'a pas changé."


def _refused(reference: str, chosen: str, comment: str, problem: Problem) -> tuple[str, int]:
    """The dossier page again, the choice and comment kept, the problem beside its field."""
    field, message, status = problem
    return render_dossier(reference, chosen=chosen, comment=comment,
                          errors={field: message}), status


def _send_message(reference: str, text: str) -> Response | tuple[str, int]:
    """A message to the citizen that changes nothing, as a reply by mail without a command."""
    if not text:
        return _refused(reference, "message", text, (
            "commentaire", "Écrivez le message à l'usager dans « Nouveau commentaire ».", 422))
    with ctx().db.transaction() as session:
        dossier = lock_dossier(session, dossier_id_of(session, reference))
        purged = dossier.status == Status.PURGED
        if not purged:
            message_citizen(session, ctx(), dossier, text, actor=me().email, channel="web")
    if purged:
        return _refused(reference, "message", text, (
            "action", "Les données de ce dossier ont été supprimées.", 409))
    flash(DONE["message"])
    return redirect(url_for("agents.dossier", reference=dossier.reference), code=303)


@bp.get("/dossiers/<reference>/depot")
@roles_required(*AGENT_ROLES)
def deposit(reference: str) -> str:
    """« Ajouter un exemplaire » : choose the file to deposit into the citizen's space."""
    with ctx().db.transaction() as session:
        dossier = find_dossier(session, reference)
        return _deposit_form(dossier, error=None)


def _deposit_form(dossier: Dossier, error: str | None) -> str:
    return render_template("agents/deposit.html", dossier=dossier, label=deposit_label(dossier),
                           max_kb=ctx().settings.max_deposit_bytes // 1024, error=error)


@bp.post("/dossiers/<reference>/depot")
@roles_required(*AGENT_ROLES)
def deposit_post(reference: str) -> Response | tuple[str, int]:
    """Deposit the file (checked by content and size) and tell the citizen, in one transaction."""
    upload = request.files.get("fichier")
    content = upload.read() if upload is not None and upload.filename else b""
    with ctx().db.transaction() as session:
        dossier = lock_dossier(session, dossier_id_of(session, reference))
        if upload is None or not upload.filename:
            return _deposit_form(dossier, "Choisissez le fichier à envoyer."), 422
        if dossier.status == Status.PURGED:
            return _deposit_form(dossier, "Les données de ce dossier ont été supprimées."), 409
        kind = "attestation" if demarche_of(dossier).issues_attestation else "depot"
        # Its mail's cause is the file and the dossier: the same request again mails nothing.
        deposited = deposit_for_citizen(session, ctx(), dossier, [(upload.filename, content)],
                                        kind=kind, by=me().email)
        if deposited.refused:
            return _deposit_form(dossier, f"{deposited.refused[0]}."), 422
        [name] = deposited.names
        # Kept in the history too: who deposited what, and when, for the next agent to see.
        dossier.note_message(at=ctx().clock.now(), actor=me().email, channel="web",
                             text=f"Document déposé dans l'espace confidentiel : {name}")
    flash(f"« {name} » est déposé dans l'espace confidentiel de l'usager, qui en est informé "
          "par courriel.")
    return redirect(url_for("agents.dossier", reference=dossier.reference), code=303)
