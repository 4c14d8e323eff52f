"""Probes for orchestrators: /healthz (the process serves), /readyz (the database answers)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web_minimal.runtime import runtime_of

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Say the process is up and serving requests."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Say whether this process can do its work: the web needs the database, nothing else."""
    try:
        with runtime_of(current_app).ctx.db.transaction() as session:
            session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        log.warning("readyz: base de données injoignable : %s", error)
        reason = f"base de données injoignable ({_first_line(error)})"
        return jsonify({"status": "unavailable", "reason": reason}), 503
    return jsonify({"status": "ok", "database": "ok"}), 200


def _first_line(error: Exception) -> str:
    # The driver's message names the host and the cause; its SQL and background link do not help.
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
