"""« Exporter » : the list as filtered, and the two ready-made exports of a period, as CSV or
XLSX; the page that offers the ready-made ones."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request

from pipeline.domain.clock import paris_today
from pipeline.ops.exports import Export, census_export, commission_export, dossier_export
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx
from web_minimal.agents.dates import typed_day
from web_minimal.agents.downloads import csv_download, xlsx_download
from web_minimal.agents.listing import VIEWS, list_query
from web_minimal.auth import roles_required

FORMATS = ("csv", "xlsx")
#: The ready-made exports, by their address, with what the page says of them.
READY_MADE = {
    "commission": ("Décisions d'inscription (ILE) pour la commission de contrôle",
                   "Les demandes d'inscription acceptées et refusées dans la période, avec la "
                   "liste, le motif de refus et la date de saisie au REU."),
    "recenses": ("Jeunes recensés (RCO)",
                 "Les recensements acceptés dans la période, avec l'état civil et l'adresse."),
}


@bp.get("/exports")
@roles_required(*AGENT_ROLES)
def exports() -> str:
    """The ready-made exports: choose the period and the format."""
    today = paris_today(ctx().clock)
    return render_template("agents/exports.html", ready_made=READY_MADE, errors={},
                           since=date(today.year, 1, 1), until=today)


@bp.get("/exports/<kind>")
@roles_required(*AGENT_ROLES)
def export_file(kind: str) -> Response | tuple[str, int]:
    """One export, downloaded: the list (« liste », with its filters) or a ready-made one."""
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS or (kind != "liste" and kind not in READY_MADE):
        abort(404)
    today = paris_today(ctx().clock)
    if kind == "liste":
        view = request.args.get("vue", "rechercher")
        if view not in VIEWS:
            abort(404)
        query, errors, _ = list_query(view, request.args)
        export = dossier_export(ctx(), query)
        stem = {"a_traiter": "a-traiter", "archives": "dossiers-clos"}.get(view, "dossiers")
    else:
        errors = {}
        since = typed_day(request.args.get("du", ""), "du", errors)
        until = typed_day(request.args.get("au", ""), "au", errors)
        if since and until and since > until:
            errors["au"] = "La date de fin précède la date de début."
        if errors:
            return render_template("agents/exports.html", ready_made=READY_MADE,
                                   errors=errors, since=since, until=until, kind=kind), 422
        made = commission_export if kind == "commission" else census_export
        export = made(ctx(), commune_id(), since, until)
        stem = export.name
    return _send(export, f"{stem}-{today:%Y-%m-%d}.{fmt}", fmt)


def _send(export: Export, filename: str, fmt: str) -> Response:
    return xlsx_download(export, filename) if fmt == "xlsx" else csv_download(export, filename)
