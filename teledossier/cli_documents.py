"""``teledossier verify``, ``commune signing`` and ``attestation revoke``: the signed documents."""

from __future__ import annotations

import argparse
import dataclasses
import io
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.settings import Settings

if TYPE_CHECKING:
    # Only for annotations: the documents package (reportlab, pyHanko) loads when a command
    # needs it, so that ``teledossier --help`` stays quick.
    from documents import CommuneIdentity
    from pipeline.context import PipelineContext

#: A stamp or signature scan larger than this is no stamp (the PDF keeps 660 pixels of it).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 8000
MAX_PEM_BYTES = 256 * 1024


class SigningError(ValueError):
    """Bad input for ``commune signing``; the message says why, in French."""


@dataclass(frozen=True)
class SigningChange:
    """What ``commune signing`` was asked to set, read and checked before anything is stored."""

    mayor_name: str | None = None
    stamp_png: bytes | None = None
    signature_png: bytes | None = None
    signing_key_pem: bytes | None = None
    certificate_pem: bytes | None = None
    generate: bool = False

    @property
    def empty(self) -> bool:
        return self == SigningChange()


def add_document_commands(sub: Any, commune: Any) -> None:
    """Add ``verify``, ``attestation`` and, under ``commune``, ``signing``."""
    verify = sub.add_parser("verify", help=(
        "vérifier une attestation PDF : code 0 si authentique, 1 sinon (avec la raison)"))
    verify.set_defaults(run=cmd_verify)
    verify.add_argument("file", metavar="FICHIER", help="le fichier PDF de l'attestation")

    attestation = sub.add_parser("attestation", help="attestations de recensement"
                                 ).add_subparsers(metavar="ACTION")
    revoke = attestation.add_parser("revoke", help=(
        "révoquer l'attestation d'un dossier (la page de vérification la dit révoquée)"))
    revoke.set_defaults(run=cmd_attestation_revoke)
    revoke.add_argument("reference", metavar="REFERENCE", help="référence du dossier (TD-…)")

    signing = commune.add_parser("signing", help=(
        "signature des documents : maire, tampon, signature, clé et certificat (sans option : "
        "afficher)"))
    signing.set_defaults(run=cmd_commune_signing)
    signing.add_argument("--insee", required=True)
    signing.add_argument("--mayor-name", help="nom du maire, imprimé sous la signature")
    signing.add_argument("--stamp", metavar="TAMPON.png", help="image PNG du tampon de la mairie")
    signing.add_argument("--signature", metavar="SIGNATURE.png",
                         help="image PNG de la signature du maire")
    signing.add_argument("--signing-key", metavar="CLE.pem",
                         help="clé privée ECDSA P-256 (PEM PKCS#8 sans mot de passe)")
    signing.add_argument("--certificate", metavar="CERTIFICAT.pem",
                         help="certificat de cette clé (PEM, suivi de sa chaîne éventuelle)")
    signing.add_argument("--generate", action="store_true", help=(
        "générer de nouvelles clés et un certificat autosigné (maire et images gardés)"))


# --- verify ---------------------------------------------------------------------------------


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    from documents import verify_file
    from pipeline.dossier_documents import trusted_communes
    from teledossier.cli import _context

    with _context(settings) as ctx, ctx.db.transaction() as session:
        trusted = trusted_communes(session)
    code, text = verify_file(args.file, trusted)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


# --- attestation revoke ---------------------------------------------------------------------


def cmd_attestation_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from pipeline.dossier_documents import find_document
    from pipeline.model import Dossier
    from pipeline.references import normalize_reference
    from teledossier.cli import _context, _when

    reference = normalize_reference(args.reference)
    if reference is None:
        raise ValueError(f"référence invalide : « {args.reference} » (ex. TD-7K3M9QXAX)")
    with _context(settings) as ctx, ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.reference == reference))
        if dossier_id is None:
            raise ValueError(f"aucun dossier {reference}")
        attestation = find_document(session, dossier_id, "attestation")
        if attestation is None:
            raise ValueError(f"le dossier {reference} n'a pas d'attestation")
        if attestation.revoked_at is not None:
            print(f"L'attestation du dossier {reference} était déjà révoquée le "
                  f"{_when(attestation.revoked_at)}.")
            return 0
        attestation.revoked_at = ctx.clock.now()
        print(f"Attestation du dossier {reference} révoquée le {_when(attestation.revoked_at)} : "
              "la page de vérification la dit désormais révoquée.")
    return 0


# --- commune signing ------------------------------------------------------------------------


def cmd_commune_signing(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.communes import normalize_insee
    from teledossier.cli import _context

    insee = normalize_insee(args.insee)
    change = read_change(args)  # every file read and checked before the database is touched
    with _context(settings) as ctx:
        if not change.empty:
            apply_change(ctx, insee, change)
        print_signing(ctx, insee, changed=not change.empty)
    return 0


def read_change(args: argparse.Namespace) -> SigningChange:
    """Read the options' files; SigningError when one is unusable or they do not go together."""
    from documents.identity import load_certificates, load_signing_key

    if (args.signing_key is None) != (args.certificate is None):
        raise SigningError("--signing-key et --certificate vont ensemble : donnez la clé et son "
                           "certificat")
    if args.generate and args.signing_key:
        raise SigningError("--generate crée une clé et un certificat : ne donnez pas aussi "
                           "--signing-key et --certificate")
    mayor = None
    if args.mayor_name is not None:
        mayor = " ".join(args.mayor_name.split())
        if not mayor or len(mayor) > 200:
            raise SigningError("--mayor-name : le nom du maire doit compter de 1 à 200 caractères")
    key = certificate = None
    if args.signing_key:
        key = _read(args.signing_key, MAX_PEM_BYTES, "la clé de signature")
        certificate = _read(args.certificate, MAX_PEM_BYTES, "le certificat")
        load_signing_key(key)
        _check_validity(load_certificates(certificate)[0])
    return SigningChange(
        mayor_name=mayor,
        stamp_png=_png(args.stamp, "--stamp") if args.stamp else None,
        signature_png=_png(args.signature, "--signature") if args.signature else None,
        signing_key_pem=key, certificate_pem=certificate, generate=args.generate)


def apply_change(ctx: PipelineContext, insee: str, change: SigningChange) -> None:
    """Make the commune's identity what ``change`` says; the old public keys stay trusted."""
    from sqlalchemy import select

    from documents import check_identity, generate_identity
    from documents.images import signature_png
    from pipeline.dossier_documents import save_identity, signing_identity
    from pipeline.model import Commune, CommuneSigning

    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        commune = session.scalars(select(Commune).where(Commune.insee == insee)
                                  .with_for_update()).one_or_none()
        if commune is None:
            raise SigningError(f"aucune commune {insee} ; créez-la avec "
                               "« teledossier commune create »")
        row = session.get(CommuneSigning, commune.id)
        mayor = change.mayor_name if change.mayor_name is not None else (
            row.mayor_name if row is not None else "")
        if row is None or change.generate:
            fresh = generate_identity(commune.insee, commune.name, mayor, now=now)
            # --generate renews the keys only: the commune's own images stay.
            identity = fresh if row is None else dataclasses.replace(
                fresh, stamp_png=row.stamp_png, signature_png=row.signature_png)
            generated = True
        else:
            identity = dataclasses.replace(signing_identity(session, ctx, commune),
                                           mayor_name=mayor)
            generated = row.generated
            if (change.mayor_name is not None
                    and identity.signature_png == signature_png(row.mayor_name)):
                # The scribble Télédossier drew for the former name: drawn for the new one.
                identity = dataclasses.replace(identity, signature_png=signature_png(mayor))
        if change.signing_key_pem is not None and change.certificate_pem is not None:
            identity = _with_own_certificate(identity, change.signing_key_pem,
                                             change.certificate_pem)
            generated = False
        if change.stamp_png is not None:
            identity = dataclasses.replace(identity, stamp_png=change.stamp_png)
        if change.signature_png is not None:
            identity = dataclasses.replace(identity, signature_png=change.signature_png)
        check_identity(identity)  # a key that does not match its certificate rolls it all back
        save_identity(session, commune, identity, now, generated=generated)


def _with_own_certificate(identity: CommuneIdentity, key_pem: bytes,
                          certificate_pem: bytes) -> CommuneIdentity:
    """The identity signing PDFs with the commune's key, and QR codes with a key of its own.

    Each certificate is trusted together with its QR key id: a new QR key makes a new pair,
    and the attestations signed before keep verifying with the old one.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from documents.identity import key_id_of, private_pem

    qr_key = Ed25519PrivateKey.generate()
    return dataclasses.replace(identity, qr_private_key_pem=private_pem(qr_key),
                               key_id=key_id_of(qr_key.public_key()),
                               signing_key_pem=key_pem, certificate_pem=certificate_pem)


def print_signing(ctx: PipelineContext, insee: str, *, changed: bool) -> None:
    from sqlalchemy import select

    from documents.identity import load_certificates
    from pipeline.model import Commune, CommuneKey, CommuneSigning
    from teledossier.cli import _when

    with ctx.db.transaction() as session:
        commune = session.scalars(select(Commune).where(Commune.insee == insee)).one_or_none()
        if commune is None:
            raise SigningError(f"aucune commune {insee} ; créez-la avec "
                               "« teledossier commune create »")
        row = session.get(CommuneSigning, commune.id)
        keys = session.scalars(select(CommuneKey).where(CommuneKey.commune_id == commune.id)
                               .order_by(CommuneKey.created_at)).all()
        title = "modifiée" if changed else "actuelle"
        print(f"Commune {commune.insee} « {commune.name} » — signature des documents ({title}) :")
        if row is None:
            print("  aucune identité de signature : Télédossier en générera une (certificat "
                  "autosigné) à la première attestation.")
            print("  Configurez-la avec --mayor-name, --stamp, --signature, --signing-key et "
                  "--certificate, ou --generate.")
            return
        certificate = load_certificates(row.certificate_pem)[0]
        print(f"  maire : {row.mayor_name or '(non renseigné)'}")
        print(f"  tampon : {_image_state(row.stamp_png)}")
        print(f"  signature : {_image_state(row.signature_png)}")
        print(f"  clé du code QR : {row.key_id}")
        print("  certificat : " + ("généré par Télédossier (autosigné)" if row.generated
                                   else "fourni par la commune"))
        print(f"  titulaire : {certificate.subject.rfc4514_string()}")
        print(f"  émetteur : {certificate.issuer.rfc4514_string()}")
        expired = certificate.not_valid_after_utc < ctx.clock.now()
        print(f"  validité : du {_when(certificate.not_valid_before_utc)} au "
              f"{_when(certificate.not_valid_after_utc)}" + (" — EXPIRÉ" if expired else ""))
        former = [key.key_id for key in keys if key.key_id != row.key_id]
        if former:
            print(f"  clés précédentes, toujours acceptées pour les attestations déjà délivrées : "
                  f"{', '.join(former)}")


def _image_state(png: bytes | None) -> str:
    return f"image PNG ({max(1, len(png) // 1024)} Ko)" if png else "aucun(e)"


def _read(path: str, limit: int, what: str) -> bytes:
    try:
        with open(path, "rb") as file:
            content = file.read(limit + 1)
    except OSError as error:
        raise SigningError(f"impossible de lire {what} ({path}) : "
                           f"{error.strerror or error}") from error
    if len(content) > limit:
        raise SigningError(f"{path} : fichier trop volumineux pour {what} "
                           f"(au plus {limit // 1024} Ko)")
    return content


def _png(path: str, option: str) -> bytes:
    """The file's bytes when they are a real, sane PNG image (by content, not by name)."""
    from PIL import Image, UnidentifiedImageError

    content = _read(path, MAX_IMAGE_BYTES, f"l'image {option}")
    if not content.startswith(b"\x89PNG\r\n\x1a\n"):
        raise SigningError(f"{option} : {Path(path).name} n'est pas une image PNG")
    try:
        with Image.open(io.BytesIO(content)) as image:
            size = image.size
            if max(size) <= MAX_IMAGE_PIXELS:
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as error:
        raise SigningError(f"{option} : {Path(path).name} est une image PNG endommagée") \
            from error
    if max(size) > MAX_IMAGE_PIXELS:
        raise SigningError(f"{option} : image trop grande ({size[0]} × {size[1]} pixels, "
                           f"au plus {MAX_IMAGE_PIXELS} de côté)")
    return content


def _check_validity(certificate: Any) -> None:
    now = datetime.now(certificate.not_valid_after_utc.tzinfo)
    if certificate.not_valid_after_utc <= now:
        raise SigningError(f"le certificat a expiré le "
                           f"{certificate.not_valid_after_utc:%d/%m/%Y}")
    if certificate.not_valid_before_utc > now:
        raise SigningError(f"le certificat n'est valable qu'à partir du "
                           f"{certificate.not_valid_before_utc:%d/%m/%Y}")
