"""Security of the pages: session cookies, the usual response headers, a strict CSP."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response

#: Pages load only what this server sends: no inline script, no third party, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask, *, https: bool) -> None:
    """Cookies HttpOnly and SameSite=Lax, Secure behind HTTPS; sessions end after 8 idle hours.

    The cookie is signed again at each request, so this limit slides; ``auth`` also ends a
    session ``session_max_hours`` after its login, however active.
    """
    app.config.update(
        SESSION_COOKIE_NAME="teledossier",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
