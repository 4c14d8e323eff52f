"""Citizens' pages (``/``): account, filing a request, tableau de bord de suivi, espace
confidentiel."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizens", __name__)


@bp.get("/connexion")
def login() -> str:
    return "Connexion"
