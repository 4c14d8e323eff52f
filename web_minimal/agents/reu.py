"""« À saisir au REU » : accepted ILE to enter in the électoral register, marked alone or in bulk,
and their CSV for the election software; « Marquer comme lu » for the citizen's messages."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from pipeline.commands.reading import mark_read
from pipeline.commands.reu import EntryRefused, awaiting_entry, mark_entered
from pipeline.domain.clock import paris_today
from pipeline.domain.references import normalize_reference
from pipeline.ops.exports import reu_export
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx, me
from web_minimal.agents.dates import typed_day
from web_minimal.agents.downloads import csv_download
from web_minimal.auth import roles_required


@bp.get("/reu")
@roles_required(*AGENT_ROLES)
def reu() -> str:
    """The accepted ILE still to enter in the REU, accepted longest ago first."""
    return _render_reu()


def _render_reu(errors: dict[str, str] | None = None, chosen: frozenset[str] = frozenset(),
                typed: dict[str, str] | None = None) -> str:
    with ctx().db.transaction() as session:
        rows = list(awaiting_entry(session, commune_id()))
    return render_template("agents/reu.html", rows=rows, errors=errors or {}, chosen=chosen,
                           typed=typed or {}, today=paris_today(ctx().clock))


@bp.post("/reu")
@roles_required(*AGENT_ROLES)
def reu_post() -> Response | tuple[str, int]:
    """Mark the chosen dossiers « saisi au REU » on the day given, and start their closure."""
    references = [found for value in request.form.getlist("dossiers")[:1000]
                  if (found := normalize_reference(value))]
    typed = {"date": request.form.get("date", "")[:20],
             "numero": request.form.get("numero", "")[:100]}
    back_to = request.form.get("retour") == "dossier" and len(references) == 1
    errors: dict[str, str] = {}
    entered_on = typed_day(typed["date"], "date", errors)
    if errors:
        return _reu_refused(errors, references, typed, back_to)
    try:
        marked = mark_entered(ctx(), commune_id(), references, entered_on, typed["numero"],
                              actor=me().email, channel="web")
    except EntryRefused as error:
        return _reu_refused({error.field: str(error)}, references, typed, back_to)
    if marked.done:
        flash(f"{len(marked.done)} dossier(s) marqué(s) saisi(s) au REU : "
              f"{', '.join(marked.done)}. Ils sont en cours de clôture, l'usager en est informé.")
    for reference, reason in marked.refused:
        flash(f"{reference} non marqué : {reason}.", "error")
    if back_to:
        return redirect(url_for("agents.dossier", reference=references[0]), code=303)
    return redirect(url_for("agents.reu"), code=303)


def _reu_refused(errors: dict[str, str], references: list[str], typed: dict[str, str],
                 back_to: bool) -> tuple[str, int]:
    if back_to:
        from web_minimal.agents.dossier_page import render_dossier

        return render_dossier(references[0], reu_errors=errors, reu_typed=typed), 422
    return _render_reu(errors, frozenset(references), typed), 422


@bp.get("/reu.csv")
@roles_required(*AGENT_ROLES)
def reu_csv() -> Response:
    """The requests to enter, for the election software: CSV in UTF-8 with BOM and « ; »."""
    return csv_download(reu_export(ctx(), commune_id()),
                        f"a-saisir-au-reu-{paris_today(ctx().clock):%Y-%m-%d}.csv")


@bp.post("/dossiers/<reference>/lu")
@roles_required(*AGENT_ROLES)
def mark_messages_read(reference: str) -> Response:
    """« Marquer comme lu » : the citizen's messages and completion leave the top of the page."""
    canonical = normalize_reference(reference)
    if canonical is None or not mark_read(ctx(), commune_id(), canonical, actor=me().email):
        abort(404)
    flash("Messages de l'usager marqués comme lus.")
    return redirect(url_for("agents.dossier", reference=canonical), code=303)
