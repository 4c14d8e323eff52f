"""Agents' pages (``/gestion``): the Gestionnaire de suivi, and the commune admin's page."""

from __future__ import annotations

# Importing the view modules registers their routes on the blueprint.
from web_minimal.agents import (  # noqa: F401
    access,
    administration,
    dossier_actions,
    dossier_page,
    exports,
    listing,
    preferences,
    reu,
    signing,
    statistics,
)
from web_minimal.agents.blueprint import bp

__all__ = ["bp"]
