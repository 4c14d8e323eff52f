"""Identification: login, logout, « Mot de passe perdu » and the page to choose a new password."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from pipeline.commands.accounts import Reset, hash_password, reset_password, verify_password
from pipeline.commands.login_throttle import clear_failures, login_blocked, record_failure
from pipeline.mail.agent_mails import PURPOSE, recently_sent, send_password_reset, validity_text
from pipeline.mail.links import peek_link
from pipeline.store.model import User
from web_minimal.agents.blueprint import bp, ctx
from web_minimal.auth import client_address, login_user, logout, safe_next

BLOCKED = "Trop de tentatives : réessayez dans 15 minutes."
WRONG = "Identifiant ou mot de passe incorrect."
#: Shortest password accepted: long passphrases beat clever rules.
MIN_PASSWORD = 12
#: Compared against when the account does not exist, so that both answers take as long.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password("compte inexistant"))
    return _DUMMY_HASH[0]


@bp.get("/connexion")
def login() -> str:
    """« Identification » : the login form of the Gestionnaire de suivi."""
    return render_template("agents/login.html", email="", error=None,
                           suivant=request.args.get("suivant", ""))


@bp.post("/connexion")
def login_post() -> Response | tuple[str, int]:
    """Check the password, throttled per account and per client; same answer for every failure."""
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    suivant = request.form.get("suivant", "")
    now, address = ctx().clock.now(), client_address()
    with ctx().db.transaction() as session:
        blocked = login_blocked(session, email, address, now)
        user = None if blocked or not email else session.scalar(
            select(User).where(User.email == email))
    # Pages are drawn, and passwords hashed (slow on purpose), outside transactions: SQLite
    # has one writer at a time, the pipeline's included.
    if blocked:
        return _login_refused(email, suivant, BLOCKED, 429)
    # The hash is checked even for an unknown account: both answers take as long.
    stored = user.password_hash if user is not None else _dummy_hash()
    valid = verify_password(password, stored) and user is not None and user.active
    with ctx().db.transaction() as session:
        if valid:
            clear_failures(session, email)
        else:
            record_failure(session, email, address, now)
    if not valid or user is None:
        return _login_refused(email, suivant, WRONG, 200)
    login_user(user)
    default = "/ops" if user.role == "operator" else url_for("agents.index")
    return redirect(safe_next(suivant, default), code=303)


def _login_refused(email: str, suivant: str, message: str, status: int) -> tuple[str, int]:
    return render_template("agents/login.html", email=email, error=message,
                           suivant=suivant), status


@bp.post("/deconnexion")
def logout_post() -> Response:
    """Log out, everywhere: the account's other sessions (a copied cookie too) end as well."""
    logout()
    flash("Vous êtes déconnecté.")
    return redirect(url_for("agents.login"), code=303)


@bp.get("/pas-de-compte")
def no_account() -> str:
    """« Pas de compte utilisateur » : accounts come from the commune's administrator."""
    return render_template("agents/no_account.html")


@bp.get("/mot-de-passe-perdu")
def password_lost() -> str:
    return render_template("agents/password_lost.html", email="", sent=False)


@bp.post("/mot-de-passe-perdu")
def password_lost_post() -> str:
    """Mail a reset link to an active account; the answer is the same whether it exists or not."""
    email = request.form.get("email", "").strip().lower()
    with ctx().db.transaction() as session:
        user = session.scalar(select(User).where(User.email == email)) if email else None
        if user is not None and user.active and not recently_sent(session, ctx(), user):
            send_password_reset(session, ctx(), user)
    return render_template("agents/password_lost.html", email=email, sent=True,
                           validity=validity_text())


@bp.get("/nouveau-mot-de-passe/<token>")
def new_password(token: str) -> str:
    """The form of a mailed link; showing it changes nothing (mail scanners follow links)."""
    _check_link(token)
    return render_template("agents/new_password.html", token=token, errors={})


@bp.post("/nouveau-mot-de-passe/<token>")
def new_password_post(token: str) -> Response | tuple[str, int]:
    """Set the password and consume the link; the account's sessions end (see the core)."""
    password = request.form.get("password", "")
    errors = _password_errors(password, request.form.get("confirmation", ""))
    if errors:
        _check_link(token)  # the link stays usable: the person tries again
        return render_template("agents/new_password.html", token=token, errors=errors), 422
    outcome = reset_password(ctx(), token, password)
    if outcome is Reset.LINK_INVALID:
        abort(410, description=_expired())
    if outcome is Reset.DISABLED:
        abort(410, description="Ce compte est désactivé : adressez-vous à l'administrateur de "
                               "votre commune.")
    flash("Votre mot de passe est enregistré : connectez-vous avec lui.")
    return redirect(url_for("agents.login"), code=303)


def _check_link(token: str) -> None:
    """410 unless the link still works (changes nothing: mail scanners follow links)."""
    with ctx().db.transaction() as session:
        if peek_link(session, token, PURPOSE, "user", ctx().clock.now()) is None:
            abort(410, description=_expired())


def _password_errors(password: str, confirmation: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD:
        return {"password": f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."}
    if password != confirmation:
        return {"confirmation": "Les deux saisies du mot de passe ne sont pas identiques."}
    return {}


def _expired() -> str:
    return ("Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau "
            "avec « Mot de passe perdu ».")
