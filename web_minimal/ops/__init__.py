"""Operators' pages (``/ops``) and ``/metrics``: the pipeline's health, without personal data."""

from __future__ import annotations

# Importing the views registers their routes on the blueprint.
from web_minimal.ops import metrics, trends, views
from web_minimal.ops.blueprint import bp

__all__ = ["bp", "metrics", "trends", "views"]
