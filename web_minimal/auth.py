"""Who is logged in, and the guards of the pages: agents, admins and operators; citizens.

The session holds ``user_id`` (a User: agent, admin, operator) or ``citizen_id`` (a
CitizenAccount), never both, with the account's session version at login and the login's
instant; logging in clears the session first (no fixation). The account is read again on every
request (one query, which brings the version along), and the session works only while the
account is active, its version unchanged and the login younger than ``session_max_hours``:
logging out, a password reset, disabling the account or its admin's « Fermer ses sessions »
raise the version in the core, which ends every session of the account, copied cookies too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy.orm import joinedload

from pipeline.commands import accounts, citizen_accounts
from pipeline.context import PipelineContext
from pipeline.store.model import CitizenAccount, User

F = TypeVar("F", bound=Callable[..., Any])
A = TypeVar("A", User, CitizenAccount)
#: Session keys: whose session it is, the account's session version then, when it was opened.
USER, CITIZEN, VERSION, SINCE = "user_id", "citizen_id", "session_version", "logged_in_at"


def _ctx() -> PipelineContext:
    from flask import current_app

    return current_app.extensions["teledossier"].ctx


def login_user(user: User) -> None:
    _open(USER, user.id, user.session_version)


def login_citizen(account: CitizenAccount) -> None:
    _open(CITIZEN, account.id, account.session_version)


def _open(key: str, account_id: int, version: int) -> None:
    session.clear()
    session.permanent = True
    session[key] = account_id
    session[VERSION] = version
    session[SINCE] = int(_ctx().clock.now().timestamp())
    g.pop("current_user", None)
    g.pop("current_citizen", None)


def logout() -> None:
    """End every session of the logged-in account (a copied cookie is no better), then this one.

    A session version cannot tell this browser's session from another's: logging out anywhere
    logs out everywhere, as after a password reset.
    """
    user, citizen = current_user(), current_citizen()
    if user is not None:
        accounts.end_sessions(_ctx(), user.email)
    elif citizen is not None:
        citizen_accounts.end_sessions(_ctx(), citizen.id)
    forget_session()


def forget_session() -> None:
    """Drop this browser's session only (its account's other sessions go on)."""
    session.clear()
    g.current_user = g.current_citizen = None


def current_user() -> User | None:
    """The logged-in agent, admin or operator (active, session still open), else None."""
    # The commune comes with the account: the templates show its name.
    return _logged_in("current_user", USER, User, joinedload(User.commune))


def current_citizen() -> CitizenAccount | None:
    """The logged-in citizen (active, session still open), else None."""
    return _logged_in("current_citizen", CITIZEN, CitizenAccount)


def _logged_in(name: str, key: str, model: type[A], *options: Any) -> A | None:
    """The account of ``model`` the session names, read once per request (``g.<name>``)."""
    if name not in g:
        account = None
        account_id = session.get(key)
        if account_id is not None:
            with _ctx().db.transaction() as db:
                account = db.get(model, account_id, options=options)
            if account is None or not _still_open(account.active, account.session_version):
                account = None
        setattr(g, name, account)
    found: A | None = getattr(g, name)
    return found


def _still_open(active: bool, version: int) -> bool:
    """Whether the session's account may go on; a closed session's cookie is dropped."""
    since = session.get(SINCE)
    age = None if not isinstance(since, int) else (
        _ctx().clock.now() - datetime.fromtimestamp(since, UTC))
    limit = timedelta(hours=_ctx().settings.session_max_hours)
    if active and session.get(VERSION) == version and age is not None and age <= limit:
        return True
    # Dropped before any page is drawn (the guards and context processors ask first), so the
    # login form that follows gets a fresh CSRF token.
    session.clear()
    return False


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

