"""Agents' pages (``/gestion``): the Gestionnaire de suivi, and the commune admin's page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("agents", __name__, url_prefix="/gestion")


@bp.get("/connexion")
def login() -> str:
    return "Connexion"
