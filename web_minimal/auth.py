"""Who is logged in, and the guards of the pages: agents, admins and operators; citizens.

The session holds ``user_id`` (a User: agent, admin, operator) or ``citizen_id`` (a
CitizenAccount), never both; logging in clears the session first (no fixation). The account is
read again on every request, so disabling it takes effect at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for

from pipeline.context import PipelineContext
from pipeline.model import CitizenAccount, User

F = TypeVar("F", bound=Callable[..., Any])


def _ctx() -> PipelineContext:
    from flask import current_app

    return current_app.extensions["teledossier"].ctx


def login_user(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user.id


def login_citizen(account: CitizenAccount) -> None:
    session.clear()
    session.permanent = True
    session["citizen_id"] = account.id


def logout() -> None:
    session.clear()


def current_user() -> User | None:
    """The logged-in agent, admin or operator (active), else None."""
    if "current_user" not in g:
        user = None
        user_id = session.get("user_id")
        if user_id is not None:
            with _ctx().db.transaction() as db:
                user = db.get(User, user_id)
                if user is not None and user.commune_id is not None:
                    user.commune  # noqa: B018 - loaded for the templates
            if user is None or not user.active:
                user = None
        g.current_user = user
    return g.current_user


def current_citizen() -> CitizenAccount | None:
    """The logged-in citizen (active), else None."""
    if "current_citizen" not in g:
        account = None
        citizen_id = session.get("citizen_id")
        if citizen_id is not None:
            with _ctx().db.transaction() as db:
                account = db.get(CitizenAccount, citizen_id)
            if account is None or not account.active:
                account = None
        g.current_citizen = account
    return g.current_citizen


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site: never send someone elsewhere after login."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return default


def roles_required(*roles: str) -> Callable[[F], F]:
    """Agents' and operators' pages: login first (then back here), 403 for another role."""
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("agents.login", suivant=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return decorate


def citizen_required(view: F) -> F:
    """Citizens' pages: login first, then back here."""
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if current_citizen() is None:
            return redirect(url_for("citizens.login", suivant=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return guarded  # type: ignore[return-value]


def client_address() -> str:
    """The client's address as the server sees it (behind a proxy, configure it to pass it)."""
    return request.remote_addr or "inconnu"

