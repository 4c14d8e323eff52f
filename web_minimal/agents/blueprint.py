"""The agents' blueprint and what its views share: the runtime, the agent, the labels, errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, current_app, render_template
from werkzeug.exceptions import HTTPException

from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.demarches import DEMARCHES
from pipeline.domain.lifecycle import ACTION_LABELS, STATUS_LABELS, Action, Status
from pipeline.store.model import User
from web_minimal.auth import current_user

bp = Blueprint("agents", __name__, url_prefix="/gestion")

#: Who works the Gestionnaire de suivi; operators have their own pages.
AGENT_ROLES = ("agent", "admin")
#: How each channel of the history reads.
CHANNEL_LABELS = {"web": "Gestionnaire de suivi", "email": "courriel", "api": "API",
                  "pipeline": "traitement automatique"}
ERROR_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    410: "Lien expiré",
    413: "Fichier trop volumineux",
}
ERROR_TEXTS = {
    403: "Votre compte ne donne pas accès à cette page.",
    404: "Cette page n'existe pas, ou ce dossier ne relève pas de votre commune.",
    405: "Cette adresse ne s'utilise pas ainsi : revenez à la page précédente.",
    413: "Le fichier envoyé est trop volumineux.",
}


def ctx() -> PipelineContext:
    return current_app.extensions["teledossier"].ctx


def me() -> User:
    """The logged-in agent or admin (the views are guarded by ``roles_required``)."""
    user = current_user()
    if user is None or user.commune_id is None:
        abort(403)
    return user


def commune_id() -> int:
    """The agent's commune: every query of these pages is limited to it."""
    found = me().commune_id
    if found is None:
        abort(403)
    return found


def status_label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except (ValueError, KeyError):
        return status


def action_label(action: str) -> str:
    try:
        return ACTION_LABELS[Action(action)]
    except (ValueError, KeyError):
        return action


def demarche_title(demarche: str) -> str:
    found = DEMARCHES.get(demarche)
    return found.title if found else demarche


def day(value: date | datetime | None) -> str:
    """A calendar day as French agents write it (an instant is read in Paris)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


@bp.context_processor
def labels() -> dict[str, Any]:
    return {"user": current_user(), "status_label": status_label, "action_label": action_label,
            "demarche_title": demarche_title, "channel_labels": CHANNEL_LABELS, "day": day}


def _error_page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    text = ERROR_TEXTS.get(code) or error.description or ""
    return render_template("agents/error.html", code=code,
                           title=ERROR_TITLES.get(code, "Erreur"), text=text), code


for _code in ERROR_TITLES:
    bp.register_error_handler(_code, _error_page)
