"""Operators' pages (``/ops``) and ``/metrics``: the pipeline's health, without personal data."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)
