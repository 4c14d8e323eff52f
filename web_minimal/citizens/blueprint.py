"""The citizens' blueprint and what its pages share: no caching, French errors, the citizen."""

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
