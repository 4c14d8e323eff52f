"""The citizens' home page: what can be done here, and where to start."""

from __future__ import annotations

from flask import render_template

from web_minimal.citizens.blueprint import bp


@bp.get("/")
def home() -> str:
    """Say what one can do here: file an RCO or ILE request, follow it; log in or sign up."""
    return render_template("citizens/home.html")
