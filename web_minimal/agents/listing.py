"""« Télédossiers à traiter », « Rechercher » and the archives: lists of the commune's dossiers."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from pipeline.domain.clock import paris_today
from pipeline.ops.search import DossierQuery, Scope, SortKey, search_dossiers
from pipeline.ops.triage import signals_for
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx
from web_minimal.agents.dates import typed_day
from web_minimal.auth import roles_required

#: Each list: its dossiers, its default order, newest first or not.
VIEWS: dict[str, tuple[Scope, SortKey, bool]] = {
    "a_traiter": (Scope.TO_PROCESS, SortKey.DEMARCHE, False),
    "archives": (Scope.ARCHIVES, SortKey.DATE, True),
    "rechercher": (Scope.ALL, SortKey.DATE, True),
}
SCOPE_LABELS = {Scope.ALL: "Tous les dossiers", Scope.TO_PROCESS: "Télédossiers à traiter",
                Scope.ARCHIVES: "Dossiers clos (archives)"}


@bp.get("/")
@roles_required(*AGENT_ROLES)
def index() -> str:
    """« Télédossiers à traiter » : open dossiers, grouped by démarche, overdue ILE first."""
    return _render("a_traiter", searching=False)


@bp.get("/archives")
@roles_required(*AGENT_ROLES)
def archives() -> str:
    """Closed dossiers, newest first, searchable like the others: nothing is lost."""
    return _render("archives", searching=True)


@bp.get("/rechercher")
@roles_required(*AGENT_ROLES)
def search() -> str:
    """« Rechercher » by number, name, e-mail and filing dates, open and closed alike."""
    return _render("rechercher", searching=True)


def list_query(view: str, args: Any) -> tuple[DossierQuery, dict[str, str], dict[str, str]]:
    """What a list shows for these parameters: its query, the dates refused, the filters kept.

    The list's pages and its export (« Exporter ») read the same parameters the same way.
    """
    scope, default_sort, descending_default = VIEWS[view]
    if view == "rechercher":
        scope = _choice(Scope, args.get("dans", ""), Scope.ALL)
    errors: dict[str, str] = {}
    since = typed_day(args.get("du", ""), "du", errors)
    until = typed_day(args.get("au", ""), "au", errors)
    if since and until and since > until:
        errors["au"] = "La date de fin précède la date de début."
    sort = _choice(SortKey, args.get("tri", ""), default_sort)
    order = args.get("ordre", "")
    descending = order == "decroissant" if order in ("croissant", "decroissant") \
        else descending_default
    query = DossierQuery(
        commune_id=commune_id(), scope=scope, number=args.get("numero", "")[:40],
        name=args.get("nom", "")[:200], email=args.get("courriel", "")[:320],
        since=None if errors else since, until=None if errors else until, sort=sort,
        descending=descending, page=_page(args.get("page", "")))
    kept = {key: args.get(key, "") for key in ("numero", "nom", "courriel", "du", "au", "dans")
            if args.get(key)}
    return query, errors, kept


def _render(view: str, *, searching: bool) -> str:
    args = request.args
    query, errors, kept = list_query(view, args)
    sort, descending = query.sort, query.descending
    context = ctx()
    with context.db.transaction() as session:
        found = search_dossiers(session, query, paris_today(context.clock))
        signals = signals_for(session, query.commune_id, [row.reference for row in found.rows],
                              paris_today(context.clock), context.clock.now())
    return render_template(
        "agents/list.html", view=view, found=found, query=query, errors=errors,
        searching=searching, form=kept, scope_labels=SCOPE_LABELS, signals=signals,
        export_link=lambda fmt: url_for("agents.export_file", kind="liste", format=fmt,
                                        vue=view, **{"tri": sort.value, **kept}),
        link=lambda **changes: _link(view, {"tri": sort.value,
                                            "ordre": "decroissant" if descending
                                            else "croissant", **kept}, changes),
        sort_link=lambda key: _link(view, kept, {
            "tri": key, "ordre": "croissant" if key != sort.value or descending
            else "decroissant"}),
    )


def _link(view: str, base: dict[str, Any], changes: dict[str, Any]) -> str:
    endpoint = {"a_traiter": "agents.index", "archives": "agents.archives",
                "rechercher": "agents.search"}[view]
    return url_for(endpoint, **{**base, **changes})


def _choice(kind: Any, value: str, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def _page(value: str) -> int:
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1

