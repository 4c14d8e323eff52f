"""The citizen's account: sign-up, address confirmation, login, logout, lost password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pipeline.commands import citizen_accounts as accounts
from pipeline.commands.citizen_accounts import MIN_PASSWORD_LENGTH, InvalidForm
from web_minimal.auth import (
    citizen_required,
    client_address,
    forget_session,
    login_citizen,
    logout,
    safe_next,
)
from web_minimal.citizens.blueprint import bp
from web_minimal.citizens.common import citizen, ctx, me

Page = str | tuple[str, int] | Response
THROTTLED = ("Trop de tentatives infructueuses : par sécurité, la connexion est suspendue "
             "pendant 15 minutes. Vous pouvez aussi choisir un nouveau mot de passe.")
WRONG_LOGIN = "Adresse électronique ou mot de passe incorrect."


def _errors(error: InvalidForm) -> dict[str, str]:
    found: dict[str, str] = {}
    for one in error.errors:
        found.setdefault(one.field, one.message)
    return found


@bp.route("/inscription", methods=["GET", "POST"])
def signup() -> Page:
    """Create an account; the same answer whether or not the address already has one."""
    if request.method == "GET":
        return render_template("citizens/signup.html", values={}, errors={},
                               min_length=MIN_PASSWORD_LENGTH)
    email = request.form.get("email", "")
    try:
        address = accounts.sign_up(ctx(), email, request.form.get("mot_de_passe", ""),
                                   request.form.get("confirmation", ""))
    except InvalidForm as error:
        return render_template("citizens/signup.html", values={"email": email},
                               errors=_errors(error), min_length=MIN_PASSWORD_LENGTH), 400
    return render_template("citizens/signup_sent.html", email=address)


@bp.get("/confirmer-adresse/<token>")
def confirm_address_form(token: str) -> Page:
    """The mailed link opens a form: mail scanners follow links, so GET changes nothing."""
    account_id = accounts.verification_link_account(ctx(), token)
    if account_id is None:
        return render_template("citizens/link_invalid.html", what="confirmation"), 404
    logged_in = citizen()
    return render_template("citizens/confirm_address.html", token=token, error="",
                           needs_password=logged_in is None or logged_in.id != account_id)


@bp.post("/confirmer-adresse/<token>")
def confirm_address(token: str) -> Page:
    """Confirm the address: the espace confidentiel opens, with what awaited in it."""
    account = citizen()
    done = accounts.confirm_address(ctx(), token, request.form.get("mot_de_passe", ""),
                                    client_address(),
                                    logged_in_id=account.id if account else None)
    if done.link_invalid:
        return render_template("citizens/link_invalid.html", what="confirmation"), 404
    if done.account is None:
        error = THROTTLED if done.throttled else "Mot de passe incorrect."
        return render_template("citizens/confirm_address.html", token=token, error=error,
                               needs_password=True), 400
    login_citizen(done.account)
    flash("Votre adresse électronique est confirmée : votre espace confidentiel est activé.")
    return redirect(url_for("citizens.space"), code=303)


@bp.post("/confirmer-adresse/renvoyer")
@citizen_required
def resend_confirmation() -> Response:
    """Mail a new confirmation link to the logged-in citizen."""
    if accounts.resend_verification(ctx(), me().id):
        flash(f"Un nouveau lien de confirmation a été envoyé à {me().email}.")
    else:
        flash("Aucun lien n'a été envoyé : l'adresse est déjà confirmée, ou plusieurs liens "
              "ont déjà été envoyés dans l'heure. Consultez votre messagerie (et ses "
              "indésirables) ou réessayez plus tard.", "error")
    return redirect(url_for("citizens.home"), code=303)


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Page:
    """Log in with e-mail and password, then go where the citizen was going."""
    target = safe_next(request.values.get("suivant"), url_for("citizens.home"))
    if request.method == "GET":
        return render_template("citizens/login.html", email="", error="", suivant=target)
    email = request.form.get("email", "")
    outcome = accounts.log_in(ctx(), email, request.form.get("mot_de_passe", ""),
                              client_address())
    if outcome.account is None:
        error = THROTTLED if outcome.throttled else WRONG_LOGIN
        return render_template("citizens/login.html", email=email, error=error,
                               suivant=target), 400 if not outcome.throttled else 429
    login_citizen(outcome.account)
    return redirect(target, code=303)


@bp.post("/deconnexion")
def logout_view() -> Response:
    """Log out, everywhere (POST only: a link followed by a prefetcher must not log anyone out)."""
    logout()
    flash("Vous êtes déconnecté(e).")
    return redirect(url_for("citizens.home"), code=303)


@bp.route("/mot-de-passe-perdu", methods=["GET", "POST"])
def forgot_password() -> Page:
    """Ask for a reset link; the answer never says whether an account exists."""
    if request.method == "GET":
        return render_template("citizens/forgot.html", email="", errors={})
    email = request.form.get("email", "")
    try:
        accounts.request_password_reset(ctx(), email)
    except InvalidForm as error:
        return render_template("citizens/forgot.html", email=email, errors=_errors(error)), 400
    return render_template("citizens/forgot_sent.html", email=email.strip())


@bp.get("/nouveau-mot-de-passe/<token>")
def reset_password_form(token: str) -> Page:
    """The mailed link opens the form; the link is used only when the form is sent."""
    if not accounts.reset_link_valid(ctx(), token):
        return render_template("citizens/link_invalid.html", what="mot_de_passe"), 404
    return render_template("citizens/reset.html", token=token, errors={},
                           min_length=MIN_PASSWORD_LENGTH)


@bp.post("/nouveau-mot-de-passe/<token>")
def reset_password(token: str) -> Page:
    """Set the new password (the link works once, for a limited time)."""
    try:
        done = accounts.reset_password(ctx(), token, request.form.get("mot_de_passe", ""),
                                       request.form.get("confirmation", ""))
    except InvalidForm as error:
        return render_template("citizens/reset.html", token=token, errors=_errors(error),
                               min_length=MIN_PASSWORD_LENGTH), 400
    if not done:
        return render_template("citizens/link_invalid.html", what="mot_de_passe"), 404
    # The account's sessions ended with the reset; whoever was logged in here (maybe someone
    # else) logs in again too.
    forget_session()
    flash("Votre mot de passe a été changé : connectez-vous avec le nouveau.")
    return redirect(url_for("citizens.login"), code=303)
