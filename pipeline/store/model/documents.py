"""Signed documents: each commune's signing material and keys, the documents, their checks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.model.base import Base, Email, NumberKey, StoredFile


class CommuneSigning(Base):
    """A commune's signing material: mayor, stamp and signature images, QR key, PDF key.

    Generated on first need when the commune configured none (the verification page says the
    certificate is one Télédossier generated). Private keys are stored as PEM, unencrypted: the
    database already holds everything an attacker would want; protect it and its backups.
    """

    __tablename__ = "commune_signing"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), primary_key=True)
    mayor_name: Mapped[str] = mapped_column(String(200), default="")
    stamp_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    qr_private_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    signing_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    generated: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class CommuneKey(Base):
    """The public half of every key a commune ever signed with: old attestations stay verifiable."""

    __tablename__ = "commune_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    qr_public_key_pem: Mapped[bytes] = mapped_column(LargeBinary)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary)
    generated: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class DossierDocument(StoredFile, Base):
    """A document the commune produced for a dossier, stored once with its digest."""

    __tablename__ = "dossier_documents"
    __table_args__ = (UniqueConstraint("dossier_id", "kind"),)

    id: Mapped[NumberKey]
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"), index=True)
    #: ``notice``, ``demande``, ``recepisse``, ``attestation``, ``refus``.
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    #: Set when the commune revokes an attestation; the verification page says so.
    revoked_at: Mapped[datetime | None]


class VerificationCheck(Base):
    """Each use of the public verification page, kept for the commune to read."""

    __tablename__ = "verification_checks"

    id: Mapped[NumberKey]
    at: Mapped[datetime] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(String(20), default="")
    key_id: Mapped[str] = mapped_column(String(16), default="")
    #: ``genuine``, ``revoked``, ``unknown``, ``forged``, ``refused`` (too many checks).
    outcome: Mapped[str] = mapped_column(String(10))
    #: A digest of the client's address, never the address itself.
    client: Mapped[str] = mapped_column(String(16), default="")


class CitizenDocument(StoredFile, Base):
    """A document in a citizen's confidential space, keyed by the citizen's e-mail address.

    The commune deposits here (an agent's reply attachment, later the attestation); the citizen
    sees it once the address is verified, whenever that happens.
    """

    __tablename__ = "citizen_documents"

    id: Mapped[NumberKey]
    owner_email: Mapped[Email] = mapped_column(index=True)
    dossier_id: Mapped[str | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    #: ``depot`` (deposited by an agent), ``attestation``, …
    kind: Mapped[str] = mapped_column(String(40))
    deposited_by: Mapped[Email]
    deposited_at: Mapped[datetime]
