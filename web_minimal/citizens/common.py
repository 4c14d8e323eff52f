"""What the citizens' pages share: the runtime, the logged-in citizen, guards, their dossiers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import abort, current_app, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.exceptions import HTTPException

from pipeline.context import PipelineContext
from pipeline.domain.clock import PARIS
from pipeline.domain.references import normalize_reference
from pipeline.store.model import CitizenAccount, Dossier
from web_minimal.auth import citizen_required, current_citizen

F = TypeVar("F", bound=Callable[..., Any])


def day(value: datetime | None) -> str:
    """A date as the citizen reads it: dd/mm/yyyy, in Paris."""
    return value.astimezone(PARIS).strftime("%d/%m/%Y") if value else ""


def ctx() -> PipelineContext:
    return current_app.extensions["teledossier"].ctx


def citizen() -> CitizenAccount | None:
    return current_citizen()


def me() -> CitizenAccount:
    """The logged-in citizen, on a page guarded by ``citizen_required``."""
    account = current_citizen()
    assert account is not None
    return account


def verified_required(view: F) -> F:
    """Pages of the espace confidentiel: login, then a verified address (else say how)."""
    @citizen_required
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if me().verified_at is None:
            return render_template("citizens/unverified.html"), 403
        return view(*args, **kwargs)
    return guarded  # type: ignore[return-value]


#: What each error means for a citizen; the cause a page gave (abort's description) is shown too.
ERRORS = {
    400: "La demande n'a pas pu être traitée.",
    403: "Cette page ne vous est pas accessible.",
    404: "Cette page n'existe pas, ou ne vous est pas accessible.",
    405: "Cette adresse ne s'ouvre pas ainsi : revenez à la page précédente.",
    413: "Les fichiers envoyés sont trop volumineux ensemble : envoyez-les en plusieurs fois, "
         "ou réduisez leur taille.",
}


def error_page(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    code = error.code or 500
    # Werkzeug's own descriptions are in English: only the project's (French) ones are shown.
    own = error.description if error.description != type(error).description else ""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return render_template("citizens/error.html", code=code,
                           message=ERRORS.get(code, "Une erreur est survenue."),
                           detail=own or ""), code, headers


def owned_dossier(db: Session, reference: str) -> Dossier:
    """The logged-in citizen's dossier by reference, with its commune (the pages name it); 404
    for another's, as for none."""
    canonical = normalize_reference(reference)
    dossier = None if canonical is None else db.scalar(
        select(Dossier).options(joinedload(Dossier.commune)).where(
            Dossier.reference == canonical, func.lower(Dossier.citizen_email) == me().email))
    return dossier or abort(404)


def read_owned_dossier(reference: str) -> Dossier:
    """``owned_dossier``, read in a transaction of its own."""
    with ctx().db.transaction() as db:
        return owned_dossier(db, reference)
