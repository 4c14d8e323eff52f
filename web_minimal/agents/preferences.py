"""« Mes notifications » : each agent chooses a mail per dossier, a daily digest, or none."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from pipeline.commands.preferences import (
    DEFAULT_DIGEST_HOUR,
    Notifications,
    PreferenceRefused,
    notification_choice,
    set_notifications,
)
from pipeline.store.model import Commune
from web_minimal.agents.blueprint import AGENT_ROLES, bp, ctx, me
from web_minimal.auth import roles_required

CHOICES = {
    Notifications.PER_DOSSIER: "Un courriel par dossier (nouveau ou complété), auquel je peux "
                               "répondre pour agir",
    Notifications.DIGEST: "Un récapitulatif par jour : nouveaux dossiers, dossiers complétés, "
                          "dossiers en retard",
    Notifications.NONE: "Aucun courriel (je consulte les Télédossiers à traiter)",
}


@bp.get("/notifications")
@roles_required(*AGENT_ROLES)
def preferences() -> str:
    """The agent's own choice, with the hour of the digest."""
    user = me()
    return _form(notification_choice(user).value,
                 user.digest_hour if user.digest_hour is not None else DEFAULT_DIGEST_HOUR)


def _form(chosen: str, hour: int, error: str | None = None) -> str:
    with ctx().db.transaction() as session:
        commune = session.get(Commune, me().commune_id)
    return render_template("agents/preferences.html", choices=CHOICES, chosen=chosen, hour=hour,
                           error=error, service=commune.agents_email if commune else "")


@bp.post("/notifications")
@roles_required(*AGENT_ROLES)
def preferences_post() -> Response | tuple[str, int]:
    choice = request.form.get("choix", "")
    typed = request.form.get("heure", "")
    hour = int(typed) if typed.isdigit() and len(typed) <= 2 else None
    try:
        set_notifications(ctx(), me().id, choice, hour)
    except PreferenceRefused as error:
        return _form(choice, hour if hour is not None else DEFAULT_DIGEST_HOUR, str(error)), 422
    said = {Notifications.PER_DOSSIER.value: "un courriel par dossier",
            Notifications.DIGEST.value: f"un récapitulatif chaque jour à {hour} h",
            Notifications.NONE.value: "aucun courriel"}[choice]
    flash(f"Préférence enregistrée : {said} (prise en compte d'ici une minute).")
    return redirect(url_for("agents.preferences"), code=303)
