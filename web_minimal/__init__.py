"""The Flask application: built by create_app around a runtime, nothing at import time."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from web_minimal.runtime import WebRuntime, runtime_of

log = logging.getLogger(__name__)

#: Paths whose clients are programs: every error there is JSON, never an HTML page.
JSON_PREFIXES = ("/api/", "/healthz", "/readyz")

#: French wording of the HTTP errors a program may meet on the API.
ERROR_MESSAGES = {
    400: "requête invalide",
    401: "authentification requise",
    403: "accès refusé",
    404: "ressource introuvable",
    405: "méthode non autorisée pour cette adresse",
    413: "requête trop volumineuse",
    415: "type de contenu non pris en charge",
    500: "erreur interne du serveur",
    503: "service indisponible",
}


#: Fields and files of one form or multipart request: the longest form (filing an ILE) has about
#: sixty, a filing through the API one XML part and its attachments.
MAX_FORM_PARTS = 200


def create_app(runtime: WebRuntime, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application for one runtime (one process may build several in tests)."""
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=runtime.secret_key,
        MAX_CONTENT_LENGTH=runtime.ctx.settings.max_request_bytes,
        MAX_FORM_PARTS=MAX_FORM_PARTS,
    )
    if test_config:
        app.config.update(test_config)
    hops = runtime.ctx.settings.proxy_hops
    if hops:
        # Behind a reverse proxy: the client's address and scheme are the ones it forwards, so
        # login throttling and the verification page's limit count each visitor apart.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.extensions["teledossier"] = runtime
    # French messages stay readable in responses, and keys keep the documented order.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Set before any rule is added: rules take the map's default when they are bound.
    app.url_map.strict_slashes = False
    _register_blueprints(app)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def _register_blueprints(app: Flask) -> None:
    from pipeline.domain.attachments import size_label
    from pipeline.mail.replies.charsets import decoded_header
    from web_minimal import (
        agents,
        api,
        citizens,
        csrf,
        dev_mail,
        documents_api,
        health,
        ops,
        partners_api,
        security,
        verify,
    )
    from web_minimal.charts import svg_chart

    security.init_app(app, https=runtime_of(app).ctx.settings.public_url.startswith("https:"))
    csrf.init_app(app)
    app.register_blueprint(citizens.bp)
    app.register_blueprint(agents.bp)
    app.register_blueprint(ops.bp)
    app.add_template_filter(dev_mail.paris_time, "paris")
    app.add_template_filter(dev_mail.with_links, "liens")
    app.add_template_filter(decoded_header, "readable")
    app.add_template_filter(size_label, "taille")
    app.add_template_global(svg_chart)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(documents_api.bp)
    app.register_blueprint(partners_api.bp)
    app.register_blueprint(verify.bp)
    if not runtime_of(app).ctx.settings.smtp_url:
        # Only without a relay: the mail then stays in the database, and this is its mailbox.
        app.register_blueprint(dev_mail.bp)


def wants_json() -> bool:
    """True for the paths of programs (API, probes); HTML error handlers must leave them be."""
    return request.path.startswith(JSON_PREFIXES)


#: What a person reads on an error page, in French (the title comes from ERROR_MESSAGES).
EXPLANATIONS = {
    400: "La demande n'a pas pu être comprise. Rechargez la page et recommencez.",
    403: "Vous n'avez pas accès à cette page avec ce compte.",
    404: "Cette page n'existe pas, ou plus. Vérifiez l'adresse.",
    405: "Cette adresse ne s'utilise pas ainsi : passez par le formulaire de la page.",
    413: "Le fichier ou le formulaire envoyé est trop volumineux.",
    429: "Trop de demandes en peu de temps : réessayez dans quelques minutes.",
    500: "Une erreur est survenue de notre côté. Réessayez plus tard.",
    503: "Le service est momentanément indisponible. Réessayez plus tard.",
}


def _http_error(error: HTTPException) -> Response:
    if not wants_json():
        from flask import render_template

        code = error.code or 500
        title = ERROR_MESSAGES.get(code, error.name).capitalize()
        # A description given by the code that raised (in French) beats the generic one.
        custom = error.description if error.description != type(error).description else None
        page = render_template("error.html", title=title,
                               explanation=custom or EXPLANATIONS.get(code, ""))
        response = Response(page, status=code, mimetype="text/html")
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    code = error.code or 500
    response = jsonify({"error": _message(error, code)})
    response.status_code = code
    # Keep what the client needs to recover, e.g. Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _message(error: HTTPException, code: int) -> str:
    message = ERROR_MESSAGES.get(code, error.name.lower())
    if code == 413 and request.max_content_length:
        if (request.content_length or 0) <= request.max_content_length:
            # Small enough: refused for its number of parts (Werkzeug answers 413 for both).
            message += f" : plus de {MAX_FORM_PARTS} parties"
        else:
            message += f" (maximum {request.max_content_length} octets)"
    return message


#: Seconds a client is told to wait when the database is out of reach or busy.
RETRY_AFTER_SECONDS = 5


def _database_busy(error: OperationalError) -> Response:
    """The database is unreachable or locked for too long: 503 and when to come back, not 500."""
    log.warning("base de données indisponible sur %s %s : %s", request.method, request.path,
                error.orig)
    return _http_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))


def _unexpected_error(error: Exception) -> Response:
    if not wants_json():
        # Let Flask handle it as it would (its 500 handler, or propagation under test).
        raise error
    log.exception("erreur inattendue sur %s %s", request.method, request.path)
    response = jsonify({"error": ERROR_MESSAGES[500]})
    response.status_code = 500
    return response
