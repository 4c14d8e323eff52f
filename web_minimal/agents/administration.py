"""The commune administrator's page: agents' accounts (and their sessions), who is notified,
the API tokens.

Its section « Signature des attestations » is drawn here too; its forms are ``signing``'s.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.commands.accounts import AccountError, create_user, end_sessions, set_active
from pipeline.commands.signing import signing_status
from pipeline.commands.tokens import list_tokens, revoke_token
from pipeline.mail.agent_mails import send_password_reset, send_welcome, validity_text
from pipeline.store.model import Commune, User
from web_minimal.agents.blueprint import bp, commune_id, ctx, me
from web_minimal.auth import roles_required


@bp.get("/administration")
@roles_required("admin")
def admin() -> str:
    """The commune's accounts and API tokens."""
    return render_admin()


def render_admin(email: str = "", error: str | None = None, *,
                 signing_errors: dict[str, str] | None = None,
                 mayor_name: str | None = None) -> str:
    """The page, with what a refused form sent and why (beside its field)."""
    with ctx().db.transaction() as session:
        commune = session.get(Commune, commune_id())
        users = session.scalars(select(User).where(
            User.commune_id == commune_id(), User.role.in_(("admin", "agent")))
            .order_by(User.role, User.email)).all()
        tokens = list_tokens(session, commune_id())
    signing = signing_status(ctx(), commune_id=commune_id())
    return render_template("agents/admin.html", commune=commune, users=users, tokens=tokens,
                           email=email, error=error, validity=validity_text(), signing=signing,
                           signing_errors=signing_errors or {},
                           mayor_name=signing.mayor_name if mayor_name is None else mayor_name)


@bp.post("/administration/comptes")
@roles_required("admin")
def create_account() -> Response | tuple[str, int]:
    """Create an agent's account; a mailed link lets the agent choose a password."""
    email = request.form.get("email", "").strip()
    with ctx().db.transaction() as session:
        commune = session.get(Commune, commune_id())
    if commune is None:
        abort(404)
    try:
        # The generated password is never shown: the agent chooses one through the link.
        user, _ = create_user(ctx(), email=email, role="agent", commune_insee=commune.insee)
    except AccountError as error:
        return render_admin(email, f"{str(error)[0].upper()}{str(error)[1:]}."), 422
    with ctx().db.transaction() as session:
        send_welcome(session, ctx(), user)
    return _back_to_admin(f"Compte créé pour {user.email} : un courriel l'invite à choisir son mot "
                          "de passe.")


@bp.post("/administration/comptes/<int:user_id>/desactiver")
@roles_required("admin")
def disable_account(user_id: int) -> Response | str:
    """Disable an account (after a confirmation): its logins and reply addresses stop at once."""
    user = _commune_account(user_id)
    if user.id == me().id:
        return _back_to_admin("Vous ne pouvez pas désactiver votre propre compte.", "error")
    if request.form.get("confirme") != "oui":
        return render_template("agents/confirm_admin.html", what="disable", user=user)
    set_active(ctx(), user.email, active=False)
    return _back_to_admin(f"Le compte {user.email} est désactivé.")


@bp.post("/administration/comptes/<int:user_id>/reactiver")
@roles_required("admin")
def enable_account(user_id: int) -> Response:
    user = _commune_account(user_id)
    set_active(ctx(), user.email, active=True)
    return _back_to_admin(f"Le compte {user.email} est réactivé.")


@bp.post("/administration/comptes/<int:user_id>/sessions")
@roles_required("admin")
def end_account_sessions(user_id: int) -> Response | str:
    """« Fermer ses sessions » (after a confirmation): wherever the account is logged in, it is
    logged out (a lost laptop, a cookie someone copied)."""
    user = _commune_account(user_id)
    if request.form.get("confirme") != "oui":
        return render_template("agents/confirm_admin.html", what="sessions", user=user)
    end_sessions(ctx(), user.email)
    return _back_to_admin(f"Les sessions de {user.email} sont fermées : il lui faudra se "
                          "reconnecter.")


@bp.post("/administration/comptes/<int:user_id>/lien")
@roles_required("admin")
def send_link(user_id: int) -> Response:
    """Mail the account a new link to choose its password (the earlier one stops working)."""
    with ctx().db.transaction() as session:
        user = _account(session, user_id)
        if not user.active:
            return _back_to_admin(f"Le compte {user.email} est désactivé : réactivez-le d'abord.",
                                  "error")
        send_password_reset(session, ctx(), user)
    return _back_to_admin(f"Un lien pour choisir son mot de passe a été envoyé à {user.email}.")


@bp.post("/administration/notifications")
@roles_required("admin")
def notifications() -> Response:
    """Choose which accounts receive each dossier's notification themselves."""
    chosen = {int(v) for v in request.form.getlist("notifier") if v.isdigit()}
    with ctx().db.transaction() as session:
        for user in session.scalars(select(User).where(
                User.commune_id == commune_id(), User.role.in_(("admin", "agent")))):
            user.wants_notifications = user.id in chosen
            if user.wants_notifications:
                user.digest_hour = None  # a mail per dossier replaces the agent's digest
    return _back_to_admin("Destinataires des notifications enregistrés (pris en compte d'ici une "
                          "minute).")


@bp.post("/administration/jetons/<int:token_id>/revoquer")
@roles_required("admin")
def revoke(token_id: int) -> Response | str:
    """Revoke one of the commune's API tokens (after a confirmation); the API refuses it at once."""
    with ctx().db.transaction() as session:
        token = next((t for t in list_tokens(session, commune_id()) if t.id == token_id), None)
        if token is None:
            abort(404)  # another commune's token is as unknown as a missing one
        if request.form.get("confirme") != "oui":
            return render_template("agents/confirm_admin.html", what="revoke", token=token)
        revoke_token(session, token_id, ctx().clock.now())
    return _back_to_admin(f"Le jeton n° {token_id} est révoqué : l'API le refuse désormais.")


def _account(session: Session, user_id: int) -> User:
    """One of the commune's agent or admin accounts; 404 for any other."""
    user = session.get(User, user_id)
    if user is None or user.commune_id != commune_id() or user.role not in ("admin", "agent"):
        abort(404)
    return user


def _commune_account(user_id: int) -> User:
    """As ``_account``, read in a transaction of its own."""
    with ctx().db.transaction() as session:
        return _account(session, user_id)


def _back_to_admin(message: str, category: str = "message") -> Response:
    """Back to the administration page, saying what was done (or why not)."""
    flash(message, category)
    return redirect(url_for("agents.admin"), code=303)
