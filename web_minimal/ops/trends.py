"""The operators' charts: throughput, queue backlog, failed work and mail latency over time."""

from __future__ import annotations

from flask import render_template, request

from pipeline.ops.trends import Period, pipeline_charts
from web_minimal.auth import roles_required
from web_minimal.ops.blueprint import bp
from web_minimal.ops.views import ctx


@bp.get("/ops/tendances")
@roles_required("operator")
def trends() -> str:
    """The last 48 hours hour by hour, or the last 30 days day by day."""
    try:
        period = Period(request.args.get("periode", Period.HOURS.value))
    except ValueError:
        period = Period.HOURS
    return render_template("ops/trends.html", period=period.value,
                           charts=pipeline_charts(ctx(), period))
