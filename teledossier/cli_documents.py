"""``teledossier verify``, ``commune signing`` and ``attestation revoke``: the signed documents.

``commune signing`` reads its files here; checking and storing them is
``pipeline.commands.signing``'s, shared with the commune admin's page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.settings import Settings
from teledossier.cli_common import ZONE, pipeline_context, when

if TYPE_CHECKING:
    # Only for annotations: the documents package (reportlab, pyHanko) loads when a command
    # needs it, so that ``teledossier --help`` stays quick.
    from pipeline.commands.signing import SigningChange, SigningStatus


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
    """Check an attestation against the communes' keys of the installation's database, which it
    names; it never creates one (run elsewhere than the installation, it says which it looked
    for and stops)."""
    from pipeline.documents import verify_file

    if not Path(args.file).is_file():
        print(f"Impossible de lire le fichier {args.file} : fichier introuvable.",
              file=sys.stderr)
        return 1
    trusted, problem = _trusted_keys(settings.database_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    code, text = verify_file(args.file, trusted)
    text += f"\n(Clés des communes lues dans la base {_shown(settings.database_url)}.)"
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def _shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _trusted_keys(url: str) -> tuple[list[Any], str | None]:
    """The installation's trusted keys, read without writing anything; or why they cannot be."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.orm import Session

    from pipeline.documents.stored import trusted_communes

    where = ("Base de données cherchée : " + _shown(url) + " (TELEDOSSIER_DATABASE_URL, par "
             "défaut var/teledossier.db sous le répertoire courant). Lancez la commande depuis "
             "le répertoire de l'installation, ou donnez TELEDOSSIER_DATABASE_URL.")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).is_file():
            return [], f"Erreur : aucune base de données Télédossier ici. {where}"
        url = f"sqlite:///file:{Path(path).resolve()}?mode=ro&uri=true"
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("commune_keys"):
            return [], f"Erreur : cette base n'est pas celle d'une installation. {where}"
        with Session(engine) as session:
            return trusted_communes(session), None
    finally:
        engine.dispose()


# --- attestation revoke ---------------------------------------------------------------------


def cmd_attestation_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from pipeline.documents.stored import find_document
    from pipeline.domain.references import normalize_reference
    from pipeline.store.model import Dossier

    reference = normalize_reference(args.reference)
    if reference is None:
        raise ValueError(f"référence invalide : « {args.reference} » (ex. TD-7K3M9QXAX)")
    with pipeline_context(settings) as ctx, ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.reference == reference))
        if dossier_id is None:
            raise ValueError(f"aucun dossier {reference}")
        attestation = find_document(session, dossier_id, "attestation")
        if attestation is None:
            raise ValueError(f"le dossier {reference} n'a pas d'attestation")
        if attestation.revoked_at is not None:
            print(f"L'attestation du dossier {reference} était déjà révoquée le "
                  f"{when(attestation.revoked_at)} ({ZONE}).")
            return 0
        attestation.revoked_at = ctx.clock.now()
        print(f"Attestation du dossier {reference} révoquée le {when(attestation.revoked_at)} "
              f"({ZONE}) : "
              "la page de vérification la dit désormais révoquée.")
    return 0


# --- commune signing ------------------------------------------------------------------------


def cmd_commune_signing(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.communes import normalize_insee
    from pipeline.commands.signing import UnknownCommune, apply_change, signing_status

    insee = normalize_insee(args.insee)
    change = read_change(args)  # every file read and checked before the database is touched
    with pipeline_context(settings) as ctx:
        try:
            if not change.empty:
                apply_change(ctx, change, insee=insee)
            status = signing_status(ctx, insee=insee)
        except UnknownCommune as error:
            raise UnknownCommune(f"{error} ; créez-la avec « teledossier commune create »",
                                 error.field) from error
        print_signing(status, changed=not change.empty)
    return 0


def read_change(args: argparse.Namespace) -> SigningChange:
    """Read the options' files; SigningError when one is unusable or they do not go together."""
    from pipeline.commands.signing import (
        MAX_IMAGE_BYTES,
        MAX_PEM_BYTES,
        SigningChange,
        SigningError,
        check_key_pair,
        check_mayor_name,
        check_png,
    )

    if (args.signing_key is None) != (args.certificate is None):
        raise SigningError("--signing-key et --certificate vont ensemble : donnez la clé et son "
                           "certificat")
    if args.generate and args.signing_key:
        raise SigningError("--generate crée une clé et un certificat : ne donnez pas aussi "
                           "--signing-key et --certificate")
    mayor = None
    if args.mayor_name is not None:
        mayor = _option("--mayor-name", check_mayor_name, args.mayor_name)
    images: dict[str, bytes | None] = {}
    for option, path in (("--stamp", args.stamp), ("--signature", args.signature)):
        images[option] = None if not path else _option(
            option, check_png, _read(path, MAX_IMAGE_BYTES, f"l'image {option}"), Path(path).name)
    key = certificate = None
    if args.signing_key:
        key = _read(args.signing_key, MAX_PEM_BYTES, "la clé de signature")
        certificate = _read(args.certificate, MAX_PEM_BYTES, "le certificat")
        check_key_pair(key, certificate, datetime.now(UTC))
    return SigningChange(mayor_name=mayor, stamp_png=images["--stamp"],
                         signature_png=images["--signature"], signing_key_pem=key,
                         certificate_pem=certificate, generate=args.generate)


def print_signing(status: SigningStatus, *, changed: bool) -> None:

    title = "modifiée" if changed else "actuelle"
    print(f"Commune {status.insee} « {status.name} » — signature des documents ({title}) :")
    if not status.configured:
        print("  aucune identité de signature : Télédossier en générera une (certificat "
              "autosigné) à la première attestation.")
        print("  Configurez-la avec --mayor-name, --stamp, --signature, --signing-key et "
              "--certificate, ou --generate.")
        return
    print(f"  maire : {status.mayor_name or '(non renseigné)'}")
    print(f"  tampon : {_image_state(status.stamp_bytes)}")
    print(f"  signature : {_image_state(status.signature_bytes)}")
    print(f"  clé du code QR : {status.key_id}")
    print("  certificat : " + ("généré par Télédossier (autosigné)" if status.generated
                               else "fourni par la commune"))
    print(f"  titulaire : {status.subject}")
    print(f"  émetteur : {status.issuer}")
    print(f"  validité : du {when(status.valid_from)} au {when(status.valid_until)} ({ZONE})"
          + (" — EXPIRÉ" if status.expired else ""))
    if status.former_key_ids:
        print(f"  clés précédentes, toujours acceptées pour les attestations déjà délivrées : "
              f"{', '.join(status.former_key_ids)}")


def _image_state(size: int | None) -> str:
    return f"image PNG ({max(1, size // 1024)} Ko)" if size else "aucun(e)"


def _option(option: str, check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``, its SigningError said with the option it is about."""
    from pipeline.commands.signing import SigningError

    try:
        return check(*args)
    except SigningError as error:
        raise SigningError(f"{option} : {error}", error.field) from error


def _read(path: str, limit: int, what: str) -> bytes:
    from pipeline.commands.signing import SigningError

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
