"""A commune's signing identity: keys, certificate, stamp and signature images; generated ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID

from pipeline.documents.images import signature_png, stamp_png

#: Marks a certificate Télédossier made itself, so the verifier can say so.
GENERATED_UNIT = "Certificat autosigné généré par Télédossier"
#: A generated certificate outlives the attestations it signs (needed until the holder is 25).
GENERATED_VALIDITY = timedelta(days=20 * 366)


class IdentityError(ValueError):
    """The commune's signing material is unusable; the message says why, in French."""


@dataclass(frozen=True)
class TrustedCommune:
    """What a verifier knows of a commune: public material only."""

    insee: str
    name: str
    certificate_pem: bytes
    qr_public_key_pem: bytes
    key_id: str

    @property
    def certificate_sha256(self) -> str:
        return hashlib.sha256(certificate_der(self.certificate_pem)).hexdigest()


@dataclass(frozen=True)
class CommuneIdentity:
    """Everything a commune signs with: Ed25519 for the QR code, ECDSA P-256 for the PDF."""

    insee: str
    name: str
    mayor_name: str
    qr_private_key_pem: bytes = field(repr=False)
    signing_key_pem: bytes = field(repr=False)
    #: The signing certificate first, then any chain up to its authority.
    certificate_pem: bytes = b""
    key_id: str = ""
    stamp_png: bytes | None = field(default=None, repr=False)
    signature_png: bytes | None = field(default=None, repr=False)

    def trusted(self) -> TrustedCommune:
        """Return the public half, for verifiers and the verification page."""
        public = load_qr_private_key(self.qr_private_key_pem).public_key()
        return TrustedCommune(self.insee, self.name, self.certificate_pem,
                              public_pem(public), self.key_id)


def generate_identity(insee: str, name: str, mayor_name: str, *,
                      now: datetime | None = None) -> CommuneIdentity:
    """Return fresh keys, a self-signed certificate and drawn stamp and signature images."""
    now = now or datetime.now(UTC)
    qr_key = Ed25519PrivateKey.generate()
    signing_key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Commune de {name}"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, GENERATED_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, f"Mairie de {name}"[:64]),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"INSEE-{insee}"),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(signing_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + GENERATED_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(signing_key, hashes.SHA256())
    )
    return CommuneIdentity(
        insee=insee,
        name=name,
        mayor_name=mayor_name,
        qr_private_key_pem=private_pem(qr_key),
        signing_key_pem=private_pem(signing_key),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        key_id=key_id_of(qr_key.public_key()),
        stamp_png=stamp_png(name, insee),
        signature_png=signature_png(mayor_name),
    )


def check_identity(identity: CommuneIdentity) -> None:
    """Raise IdentityError unless the keys load, match the certificate and the key id."""
    qr_key = load_qr_private_key(identity.qr_private_key_pem)
    if key_id_of(qr_key.public_key()) != identity.key_id:
        raise IdentityError("L'identifiant de clé ne correspond pas à la clé du code QR.")
    key = load_signing_key(identity.signing_key_pem)
    certificate = load_certificates(identity.certificate_pem)[0]
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise IdentityError("Le certificat ne correspond pas à la clé de signature.")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return 8 hex digits naming a QR key: the start of its SHA-256."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


def load_qr_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = _load_private(pem)
    if not isinstance(key, Ed25519PrivateKey):
        raise IdentityError("La clé du code QR doit être une clé Ed25519.")
    return key


def load_qr_public_key(pem_or_raw: bytes | Ed25519PublicKey) -> Ed25519PublicKey:
    if isinstance(pem_or_raw, Ed25519PublicKey):
        return pem_or_raw
    try:
        if len(pem_or_raw) == 32:
            return Ed25519PublicKey.from_public_bytes(pem_or_raw)
        key = serialization.load_pem_public_key(pem_or_raw)
    except ValueError as error:
        raise IdentityError("La clé publique du code QR est illisible.") from error
    if not isinstance(key, Ed25519PublicKey):
        raise IdentityError("La clé publique du code QR doit être une clé Ed25519.")
    return key


def load_signing_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = _load_private(pem)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise IdentityError("La clé de signature du PDF doit être une clé ECDSA P-256.")
    return key


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise IdentityError("Le certificat de la commune est illisible (PEM attendu).") from error
    return certificates


def certificate_der(pem: bytes) -> bytes:
    return load_certificates(pem)[0].public_bytes(serialization.Encoding.DER)


def private_pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_private(pem: bytes) -> object:
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise IdentityError("La clé privée est illisible (PEM PKCS#8 sans mot de passe "
                            "attendu).") from error
