"""« Signature des attestations » on the commune admin's page: mayor, images, keys.

Checking and storing are ``pipeline.commands.signing``'s (the CLI's too): a refused input is said
beside its field and changes nothing.
"""

from __future__ import annotations

import hashlib
import io

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import FileStorage

from pipeline.commands.signing import (
    MAX_IMAGE_BYTES,
    MAX_PEM_BYTES,
    SigningChange,
    SigningError,
    apply_change,
    check_png,
    signing_image,
    signing_status,
)
from web_minimal.agents.blueprint import bp, commune_id, ctx
from web_minimal.auth import roles_required

#: The images' names in the addresses, and in the core.
IMAGES = {"tampon": "stamp", "signature": "signature"}
#: Where the section starts on the admin page.
ANCHOR = "signature-attestations"


@bp.get("/administration/attestations/<any(tampon, signature):image>.png")
@roles_required("admin")
def signing_png(image: str) -> Response:
    """The commune's stored stamp or signature image, as the attestations print it."""
    content = signing_image(ctx(), commune_id(), IMAGES[image])
    if content is None:
        abort(404)
    response = send_file(io.BytesIO(content), mimetype="image/png", conditional=True,
                         etag=hashlib.sha256(content).hexdigest())
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/administration/attestations/maire")
@roles_required("admin")
def signing_mayor() -> Response | tuple[str, int]:
    """Set the mayor's name, printed under the signature of the next attestations."""
    value = request.form.get("maire", "")
    refused = _apply(SigningChange(mayor_name=value), {"mayor_name": "maire"}, mayor_name=value)
    if refused:
        return refused
    flash(f"Nom du maire enregistré : {' '.join(value.split())}.")
    return _back()


@bp.post("/administration/attestations/tampon")
@roles_required("admin")
def signing_stamp() -> Response | tuple[str, int]:
    """Upload the stamp of the mairie (PNG)."""
    return _upload_image("tampon", "Tampon de la mairie enregistré.")


@bp.post("/administration/attestations/signature")
@roles_required("admin")
def signing_signature() -> Response | tuple[str, int]:
    """Upload the mayor's signature (PNG)."""
    return _upload_image("signature", "Signature du maire enregistrée.")


@bp.post("/administration/attestations/certificat")
@roles_required("admin")
def signing_certificate() -> Response | tuple[str, int]:
    """Upload the commune's own ECDSA P-256 key and its certificate, together."""
    key = _file("cle", MAX_PEM_BYTES)
    certificate = _file("certificat", MAX_PEM_BYTES)
    missing = {field: "Choisissez un fichier PEM." for field, content in
               (("cle", key), ("certificat", certificate)) if content is None}
    if missing:
        return render_admin(missing), 422
    refused = _apply(SigningChange(signing_key_pem=key, certificate_pem=certificate),
                     {"key": "cle", "certificate": "certificat"})
    if refused:
        return refused
    flash("Clé et certificat de la commune enregistrés : les prochaines attestations seront "
          "signées avec eux ; celles déjà délivrées restent vérifiables.")
    return _back()


@bp.post("/administration/attestations/nouvelles-cles")
@roles_required("admin")
def signing_generate() -> Response | str | tuple[str, int]:
    """Generate fresh keys and a self-signed certificate (after a confirmation)."""
    if request.form.get("confirme") != "oui":
        return render_template("agents/confirm_signing.html",
                               signing=signing_status(ctx(), commune_id=commune_id()))
    refused = _apply(SigningChange(generate=True), {})
    if refused:
        return refused
    flash("Nouvelles clés générées, avec un certificat autosigné : les prochaines attestations "
          "seront signées avec elles ; celles déjà délivrées restent vérifiables.")
    return _back()


def _upload_image(field: str, done: str) -> Response | tuple[str, int]:
    content = _file(field, MAX_IMAGE_BYTES)
    if content is None:
        return render_admin({field: "Choisissez une image PNG."}), 422
    name = _filename(request.files[field])
    change = SigningChange(stamp_png=content) if field == "tampon" else \
        SigningChange(signature_png=content)
    # The core checks again without the name; checked here first to say which file it was.
    try:
        check_png(content, f"le fichier {name}", field=IMAGES[field])
    except SigningError as error:
        return render_admin({field: _sentence(error)}), 422
    refused = _apply(change, {IMAGES[field]: field})
    if refused:
        return refused
    flash(done)
    return _back()


def render_admin(signing_errors: dict[str, str], mayor_name: str | None = None) -> str:
    """The admin page, the reason beside the refused field (``administration`` imports us)."""
    from web_minimal.agents.administration import render_admin as render

    return render(signing_errors=signing_errors, mayor_name=mayor_name)


def _apply(change: SigningChange, fields: dict[str, str],
           mayor_name: str | None = None) -> tuple[str, int] | None:
    """Apply ``change``; the admin page with the reason beside its field when it is refused."""
    try:
        apply_change(ctx(), change, commune_id=commune_id())
    except SigningError as error:
        field = fields.get(error.field) or next(iter(fields.values()), "generer")
        return render_admin({field: _sentence(error)}, mayor_name), 422
    return None


def _file(field: str, limit: int) -> bytes | None:
    """The uploaded file's bytes (one more than ``limit`` at most: the core says it is too big)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(limit + 1)


def _filename(upload: FileStorage) -> str:
    """The file's own name as the admin chose it, without any folder a browser sent."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:100]


def _sentence(error: Exception) -> str:
    text = str(error)
    text = f"{text[:1].upper()}{text[1:]}"
    return text if text.endswith(".") else f"{text}."


def _back() -> Response:
    return redirect(url_for("agents.admin", _anchor=ANCHOR), code=303)
