"""Operators' pages (``/ops``) and ``/metrics``: the pipeline's health, without personal data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)

# The views register their routes on ``bp``: imported once it exists.
from web_minimal.ops import metrics, views  # noqa: E402

__all__ = ["bp", "metrics", "views"]
