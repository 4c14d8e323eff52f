"""« Télédossiers à traiter », « Rechercher » and the archives: lists of the commune's dossiers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request, url_for

from pipeline.domain.clock import paris_today
from pipeline.ops.search import DossierQuery, Scope, SortKey, search_dossiers
from web_minimal.agents.blueprint import AGENT_ROLES, bp, commune_id, ctx
from web_minimal.auth import roles_required

SCOPE_LABELS = {Scope.ALL: "Tous les dossiers", Scope.TO_PROCESS: "Télédossiers à traiter",
                Scope.ARCHIVES: "Dossiers clos (archives)"}


@bp.get("/")
@roles_required(*AGENT_ROLES)
def index() -> str:
    """« Télédossiers à traiter » : open dossiers, grouped by démarche, overdue ILE first."""
    return _render("a_traiter", Scope.TO_PROCESS, SortKey.DEMARCHE, searching=False)


@bp.get("/archives")
@roles_required(*AGENT_ROLES)
def archives() -> str:
    """Closed dossiers, newest first, searchable like the others: nothing is lost."""
    return _render("archives", Scope.ARCHIVES, SortKey.DATE, searching=True,
                   descending_default=True)


@bp.get("/rechercher")
@roles_required(*AGENT_ROLES)
def search() -> str:
    """« Rechercher » by number, name, e-mail and filing dates, open and closed alike."""
    scope = _choice(Scope, request.args.get("dans", ""), Scope.ALL)
    return _render("rechercher", scope, SortKey.DATE, searching=True, descending_default=True)


def _render(view: str, scope: Scope, default_sort: SortKey, *, searching: bool,
            descending_default: bool = False) -> str:
    args = request.args
    errors: dict[str, str] = {}
    since = _day(args.get("du", ""), "du", errors)
    until = _day(args.get("au", ""), "au", errors)
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
    with ctx().db.transaction() as session:
        found = search_dossiers(session, query, paris_today(ctx().clock))
    kept = {key: args.get(key, "") for key in ("numero", "nom", "courriel", "du", "au", "dans")
            if args.get(key)}
    return render_template(
        "agents/list.html", view=view, found=found, query=query, errors=errors,
        searching=searching, form=kept, scope_labels=SCOPE_LABELS,
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


def _day(value: str, field: str, errors: dict[str, str]) -> date | None:
    """A date typed in a date field (yyyy-mm-dd) or by hand (dd/mm/yyyy)."""
    value = value.strip()
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "Date invalide : écrivez-la jj/mm/aaaa."
        return None
