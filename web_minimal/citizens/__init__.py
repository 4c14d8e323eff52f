"""Citizens' pages (``/``): account, filing a request, tableau de bord de suivi, espace
confidentiel."""

from __future__ import annotations

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from web_minimal.citizens import common

bp = Blueprint("citizens", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    # Personal pages and documents: never kept by a shared computer's browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def _error_page(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Errors on the citizens' pages, in French, with the way back."""
    return common.error_page(error)


@bp.context_processor
def _citizen() -> dict[str, object]:
    return {"citoyen": common.citizen(), "css_citoyens": "citizens.css", "jour": common.day}


# The routes live in one module per part; importing them registers them on ``bp``.
from web_minimal.citizens import account, filing, home, space, tracking  # noqa: E402

__all__ = ["account", "bp", "filing", "home", "space", "tracking"]
