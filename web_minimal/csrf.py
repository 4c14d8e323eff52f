"""CSRF protection for forms: a random token per session, checked on every POST."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's token, made on first use; forms put it in a hidden field."""
    token = session.get(FIELD)
    if not token:
        token = session[FIELD] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Refuse a POST whose form does not carry the session's token."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return
    expected = session.get(FIELD)
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        abort(400, description="Formulaire expiré ou invalide : rechargez la page et recommencez.")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.before_request(check_csrf)
