"""The attestation's QR payload: a few facts signed with the commune's Ed25519 key, compactly.

Layout (version 1), all integers big-endian, then base64url without padding:

    version      1 byte   0x01
    key id       4 bytes  first 4 bytes of SHA-256(raw Ed25519 public key), shown as 8 hex digits
    issue date   3 bytes  proleptic ordinal of the day (date.toordinal), Paris calendar
    birth date   3 bytes  same, 0 when unknown
    INSEE        5 bytes  ASCII code of the issuing commune
    reference    text     each text is a 1- or 2-byte length (LEB128 varint) + UTF-8
    family name  text
    first names  text     as printed: "Lucas, Pierre Jean"
    signature    64 bytes Ed25519 over b"teledossier-attestation/1" + every byte above

The QR code holds ``<public URL>/verifier/<reference>?p=<payload>``: a phone opens the
verification page, and an offline verifier checks the payload with the public key alone.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pipeline.documents.identity import IdentityError, load_qr_public_key

VERSION = 1
#: Signed before the payload, so no other message signed with the key can pass for one.
CONTEXT = b"teledossier-attestation/1"
SIGNATURE_BYTES = 64
HEADER_BYTES = 1 + 4 + 3 + 3 + 5
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
#: A payload longer than this is no attestation's (names are capped well below).
MAX_PAYLOAD_CHARS = 2000


@dataclass(frozen=True)
class QrFacts:
    """What an attestation's QR code vouches for."""

    reference: str
    family_name: str
    first_names: str
    birth_date: date | None
    commune_insee: str
    issued_on: date
    key_id: str


def sign_qr_payload(facts: QrFacts, key: Ed25519PrivateKey) -> str:
    """Return the signed payload of ``facts``, as base64url text."""
    insee = facts.commune_insee.encode("ascii")
    if len(insee) != 5 or len(facts.key_id) != 8:
        raise ValueError("an INSEE code has 5 characters and a key id 8 hex digits")
    body = (
        bytes([VERSION]) + bytes.fromhex(facts.key_id)
        + facts.issued_on.toordinal().to_bytes(3, "big")
        + (facts.birth_date.toordinal() if facts.birth_date else 0).to_bytes(3, "big")
        + insee
        + b"".join(_text(value) for value in
                   (facts.reference, facts.family_name, facts.first_names))
    )
    signature = key.sign(CONTEXT + body)
    return base64.urlsafe_b64encode(body + signature).rstrip(b"=").decode("ascii")


def verify_qr_payload(payload: str, public_key: Ed25519PublicKey | bytes) -> QrFacts | str:
    """Return the facts of a payload signed with ``public_key``, or the reason it is not."""
    raw = _decode(payload)
    if raw is None or len(raw) < HEADER_BYTES + SIGNATURE_BYTES + 3:
        return "Le code de vérification est illisible ou tronqué."
    if raw[0] != VERSION:
        return "Le code de vérification est d'un format inconnu."
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        load_qr_public_key(public_key).verify(signature, CONTEXT + body)
    except (InvalidSignature, IdentityError):
        return "Le code de vérification n'est pas signé par la commune : il a été falsifié."
    try:
        return _parse(body)
    except (ValueError, IndexError, UnicodeDecodeError):
        return "Le code de vérification est signé mais mal formé."


def payload_key_id(payload: str) -> str | None:
    """The key id a payload names (bytes 1–4), read before any check to find the key."""
    raw = _decode(payload)
    return raw[1:5].hex() if raw is not None and len(raw) > 5 else None


def caption(reference: str, issued_on: date, insee: str, key_id: str) -> str:
    """The line printed under the code, naming what it vouches for; the verifier reads it back."""
    return (f"Référence : {reference} — délivrée le {issued_on.strftime('%d/%m/%Y')} — "
            f"commune {insee} — clé {key_id}")


def verification_url(public_url: str, reference: str, payload: str) -> str:
    return f"{public_url.rstrip('/')}/verifier/{reference}?p={payload}"


def payload_from_url(url: str) -> str | None:
    """Return the payload carried by a verification URL, or None."""
    values = parse_qs(urlsplit(url.strip()).query).get("p")
    return values[0] if values else None


def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    if len(data) >= 1 << 14:
        raise ValueError("text too long for an attestation's QR payload")
    length = len(data)
    prefix = bytes([length]) if length < 0x80 else bytes([0x80 | (length & 0x7F), length >> 7])
    return prefix + data


def _decode(payload: str) -> bytes | None:
    payload = payload.strip()
    if not payload or len(payload) > MAX_PAYLOAD_CHARS or not BASE64URL.match(payload):
        return None
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return None


def _parse(body: bytes) -> QrFacts:
    key_id = body[1:5].hex()
    issued = date.fromordinal(int.from_bytes(body[5:8], "big"))
    born_ordinal = int.from_bytes(body[8:11], "big")
    insee = body[11:16].decode("ascii")
    texts, at = [], HEADER_BYTES
    for _ in range(3):
        if at >= len(body):
            raise ValueError("truncated")
        length = body[at]
        at += 1
        if length & 0x80:
            length = (length & 0x7F) | (body[at] << 7)
            at += 1
        texts.append(body[at:at + length].decode("utf-8"))
        at += length
    if at != len(body):
        raise ValueError("trailing bytes")
    born = date.fromordinal(born_ordinal) if born_ordinal else None
    return QrFacts(texts[0], texts[1], texts[2], born, insee, issued, key_id)
