"""The operators' blueprint, on which the views and the metrics register their routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)
