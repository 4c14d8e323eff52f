"""Citizens' pages (``/``): account, filing a request, tableau de bord de suivi, espace
confidentiel."""

from __future__ import annotations

# The routes live in one module per part; importing them registers them on ``bp``.
from web_minimal.citizens import account, filing, home, space, tracking
from web_minimal.citizens.blueprint import bp

__all__ = ["account", "bp", "filing", "home", "space", "tracking"]
