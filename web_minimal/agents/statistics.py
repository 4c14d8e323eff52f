"""The commune administrator's figures: dossiers per week and the time to a decision."""

from __future__ import annotations

from flask import render_template

from pipeline.ops.trends import commune_charts
from pipeline.store.model import Commune
from web_minimal.agents.blueprint import bp, commune_id, ctx
from web_minimal.auth import roles_required


@bp.get("/statistiques")
@roles_required("admin")
def statistics() -> str:
    """Charts of the last 12 weeks, each with the table of its figures."""
    with ctx().db.transaction() as session:
        commune = session.get(Commune, commune_id())
    return render_template("agents/statistics.html", commune=commune,
                           charts=commune_charts(ctx(), commune_id()))
