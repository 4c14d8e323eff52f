"""A commune's signing of attestations: what it is, and changing it (mayor, images, keys).

The CLI (``teledossier commune signing``) and the commune admin's page both come here. Every
input is checked before anything is stored: a refused file changes nothing. The public half of
every former key stays trusted, so attestations issued before a change keep verifying.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.documents import CommuneIdentity, IdentityError, check_identity, generate_identity
from pipeline.documents.identity import key_id_of, load_certificates, load_signing_key, private_pem
from pipeline.documents.images import signature_png as drawn_signature
from pipeline.documents.stored import save_identity, signing_identity
from pipeline.store.model import Commune, CommuneKey, CommuneSigning

#: A stamp or signature scan larger than this is no stamp (the PDF keeps 660 pixels of it).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 8000
MAX_PEM_BYTES = 256 * 1024
MAX_MAYOR_NAME = 200
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SigningError(ValueError):
    """An input the commune's signing cannot take; the message says why, in French.

    ``field`` names what was refused (``mayor_name``, ``stamp``, ``signature``, ``key``,
    ``certificate``, ``generate`` or ``commune``), so that a form can say it beside the field.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class UnknownCommune(SigningError):
    """No commune has this INSEE code."""


@dataclass(frozen=True)
class SigningChange:
    """What to change in a commune's signing, every part already checked (see ``checked``)."""

    mayor_name: str | None = None
    stamp_png: bytes | None = None
    signature_png: bytes | None = None
    signing_key_pem: bytes | None = None
    certificate_pem: bytes | None = None
    generate: bool = False

    @property
    def empty(self) -> bool:
        return self == SigningChange()


@dataclass(frozen=True)
class SigningStatus:
    """What a commune signs attestations with, as the CLI and the admin page show it."""

    insee: str
    name: str
    #: False until the commune has an identity (one is generated at the first attestation).
    configured: bool
    mayor_name: str = ""
    #: Sizes in bytes of the stored PNG images; None when there is none.
    stamp_bytes: int | None = None
    signature_bytes: int | None = None
    key_id: str = ""
    #: True for the self-signed certificate Télédossier generated, False for the commune's own.
    generated: bool = True
    subject: str = ""
    issuer: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    expired: bool = False
    #: Earlier QR key ids, still accepted for the attestations already issued.
    former_key_ids: tuple[str, ...] = ()


# --- Checking the inputs (no database) ----------------------------------------------------------


def checked(change: SigningChange, now: datetime) -> SigningChange:
    """Return ``change`` with every part checked and normalised; SigningError when one is bad."""
    if (change.signing_key_pem is None) != (change.certificate_pem is None):
        raise SigningError("la clé de signature et son certificat vont ensemble : donnez les deux",
                           "key" if change.signing_key_pem is None else "certificate")
    if change.generate and change.signing_key_pem is not None:
        raise SigningError("générer de nouvelles clés exclut de fournir une clé et son "
                           "certificat", "generate")
    mayor = None if change.mayor_name is None else check_mayor_name(change.mayor_name)
    stamp = None if change.stamp_png is None else check_png(change.stamp_png, field="stamp")
    signature = None if change.signature_png is None else check_png(change.signature_png,
                                                                   field="signature")
    if change.signing_key_pem is not None and change.certificate_pem is not None:
        check_key_pair(change.signing_key_pem, change.certificate_pem, now)
    return dataclasses.replace(change, mayor_name=mayor, stamp_png=stamp,
                               signature_png=signature)


def check_mayor_name(value: str) -> str:
    """The name with its whitespace tidied; SigningError when empty or too long."""
    mayor = " ".join(value.split())
    if not mayor or len(mayor) > MAX_MAYOR_NAME:
        raise SigningError(f"le nom du maire doit compter de 1 à {MAX_MAYOR_NAME} caractères",
                           "mayor_name")
    return mayor


def check_png(content: bytes, what: str = "le fichier", *, field: str = "") -> bytes:
    """``content`` when it is a real, sane PNG image (by content, never by name).

    ``what`` names the file in the messages: its name, or « le fichier tampon.png ».
    """
    from PIL import Image, UnidentifiedImageError

    shown = what
    if len(content) > MAX_IMAGE_BYTES:
        raise SigningError(f"{shown} est trop volumineux pour une image "
                           f"(au plus {MAX_IMAGE_BYTES // (1024 * 1024)} Mo)", field)
    if not content.startswith(PNG_SIGNATURE):
        raise SigningError(f"{shown} n'est pas une image PNG", field)
    try:
        with Image.open(io.BytesIO(content)) as image:
            size = image.size
            if max(size) <= MAX_IMAGE_PIXELS:
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as error:
        raise SigningError(f"{shown} est une image PNG endommagée", field) from error
    if max(size) > MAX_IMAGE_PIXELS:
        raise SigningError(f"image trop grande ({size[0]} × {size[1]} pixels, au plus "
                           f"{MAX_IMAGE_PIXELS} de côté)", field)
    return content


def check_key_pair(key_pem: bytes, certificate_pem: bytes, now: datetime) -> None:
    """SigningError unless the key is ECDSA P-256 and the certificate is its, valid ``now``."""
    for content, what, field in ((key_pem, "la clé de signature", "key"),
                                 (certificate_pem, "le certificat", "certificate")):
        if len(content) > MAX_PEM_BYTES:
            raise SigningError(f"fichier trop volumineux pour {what} "
                               f"(au plus {MAX_PEM_BYTES // 1024} Ko)", field)
    try:
        load_signing_key(key_pem)
    except IdentityError as error:
        raise SigningError(str(error), "key") from error
    try:
        certificate = load_certificates(certificate_pem)[0]
    except IdentityError as error:
        raise SigningError(str(error), "certificate") from error
    if certificate.not_valid_after_utc <= now:
        raise SigningError(f"le certificat a expiré le "
                           f"{certificate.not_valid_after_utc:%d/%m/%Y}", "certificate")
    if certificate.not_valid_before_utc > now:
        raise SigningError(f"le certificat n'est valable qu'à partir du "
                           f"{certificate.not_valid_before_utc:%d/%m/%Y}", "certificate")
    # The very check made before saving, on the pair alone: a mismatch is said before any write.
    probe = CommuneIdentity(insee="", name="", mayor_name="", qr_private_key_pem=b"",
                            signing_key_pem=key_pem, certificate_pem=certificate_pem)
    _check(_with_own_certificate(probe, key_pem, certificate_pem))


# --- Reading and changing the database -----------------------------------------------------------


def signing_status(ctx: PipelineContext, *, insee: str | None = None,
                   commune_id: int | None = None) -> SigningStatus:
    """The commune's signing as it is; showing it never creates an identity."""
    with ctx.db.transaction() as session:
        commune = _commune(session, insee, commune_id)
        row = session.get(CommuneSigning, commune.id)
        if row is None:
            return SigningStatus(insee=commune.insee, name=commune.name, configured=False)
        keys = session.scalars(select(CommuneKey.key_id)
                               .where(CommuneKey.commune_id == commune.id)
                               .order_by(CommuneKey.created_at)).all()
        certificate = load_certificates(row.certificate_pem)[0]
        return SigningStatus(
            insee=commune.insee, name=commune.name, configured=True,
            mayor_name=row.mayor_name,
            stamp_bytes=len(row.stamp_png) if row.stamp_png else None,
            signature_bytes=len(row.signature_png) if row.signature_png else None,
            key_id=row.key_id, generated=row.generated,
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            valid_from=certificate.not_valid_before_utc,
            valid_until=certificate.not_valid_after_utc,
            expired=certificate.not_valid_after_utc < ctx.clock.now(),
            former_key_ids=tuple(key for key in keys if key != row.key_id))


def signing_image(ctx: PipelineContext, commune_id: int, which: str) -> bytes | None:
    """The stored ``stamp`` or ``signature`` PNG of the commune, None when it has none."""
    with ctx.db.transaction() as session:
        row = session.get(CommuneSigning, commune_id)
        if row is None:
            return None
        return row.stamp_png if which == "stamp" else row.signature_png


def apply_change(ctx: PipelineContext, change: SigningChange, *, insee: str | None = None,
                 commune_id: int | None = None) -> None:
    """Make the commune's identity what ``change`` says; the old public keys stay trusted.

    Everything is checked first (``checked``, then the whole identity): a refused input raises
    SigningError and stores nothing.
    """
    now = ctx.clock.now()
    change = checked(change, now)
    if change.empty:
        return
    with ctx.db.transaction() as session:
        commune = _commune(session, insee, commune_id, lock=True)
        row = session.get(CommuneSigning, commune.id)
        mayor = change.mayor_name if change.mayor_name is not None else (
            row.mayor_name if row is not None else "")
        if row is None or change.generate:
            fresh = generate_identity(commune.insee, commune.name, mayor, now=now)
            # Renewing the keys keeps the commune's images.
            identity = fresh if row is None else dataclasses.replace(
                fresh, stamp_png=row.stamp_png, signature_png=row.signature_png)
            generated = True
        else:
            identity = dataclasses.replace(signing_identity(session, ctx, commune),
                                           mayor_name=mayor)
            generated = row.generated
            if (change.mayor_name is not None
                    and identity.signature_png == drawn_signature(row.mayor_name)):
                # The scribble Télédossier drew for the former name: drawn for the new one.
                identity = dataclasses.replace(identity, signature_png=drawn_signature(mayor))
        if change.signing_key_pem is not None and change.certificate_pem is not None:
            identity = _with_own_certificate(identity, change.signing_key_pem,
                                             change.certificate_pem)
            generated = False
        if change.stamp_png is not None:
            identity = dataclasses.replace(identity, stamp_png=change.stamp_png)
        if change.signature_png is not None:
            identity = dataclasses.replace(identity, signature_png=change.signature_png)
        _check(identity)  # before save_identity: a refusal rolls back an untouched session
        save_identity(session, commune, identity, now, generated=generated)


def _commune(session: Session, insee: str | None, commune_id: int | None, *,
             lock: bool = False) -> Commune:
    query = select(Commune).where(Commune.insee == insee) if commune_id is None else \
        select(Commune).where(Commune.id == commune_id)
    if lock:
        query = query.with_for_update()
    commune = session.scalars(query).one_or_none()
    if commune is None:
        raise UnknownCommune(f"aucune commune {insee or commune_id}", "commune")
    return commune


def _check(identity: CommuneIdentity) -> None:
    try:
        check_identity(identity)
    except IdentityError as error:
        raise SigningError(str(error), "certificate") from error


def _with_own_certificate(identity: CommuneIdentity, key_pem: bytes,
                          certificate_pem: bytes) -> CommuneIdentity:
    """The identity signing PDFs with the commune's key, and QR codes with a key of its own.

    Each certificate is trusted together with its QR key id: a new QR key makes a new pair,
    and the attestations signed before keep verifying with the old one.
    """
    qr_key = Ed25519PrivateKey.generate()
    return dataclasses.replace(identity, qr_private_key_pem=private_pem(qr_key),
                               key_id=key_id_of(qr_key.public_key()),
                               signing_key_pem=key_pem, certificate_pem=certificate_pem)
