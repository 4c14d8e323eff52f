"""What an attestation's QR payload is worth: the check behind the public verification page.

Nothing about a dossier is looked up before the payload's signature checks out against a key of
``commune_keys``: without an attestation in hand nobody learns whether a reference exists. A
payload vouches for an attestation only while it is the one the commune stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.documents.qr import QrFacts, payload_key_id, verify_qr_payload
from pipeline.documents.stored import find_document
from pipeline.documents.verify import embedded_payload
from pipeline.domain.references import normalize_reference
from pipeline.store.blobs import BlobStore
from pipeline.store.model import Commune, CommuneKey, Dossier


@dataclass(frozen=True)
class Check:
    """What one check found: ``outcome`` as logged, and what the page may show."""

    #: ``genuine``, ``revoked``, ``forged``, ``unknown`` (or ``refused`` by the page's limit).
    outcome: str
    reference: str = ""
    key_id: str = ""
    facts: QrFacts | None = None
    commune_name: str = ""
    generated_certificate: bool = False
    revoked_at: datetime | None = None


def check_payload(session: Session, blobs: BlobStore, reference: str, payload: str) -> Check:
    """Decide what a payload is worth; the dossier is read only once its signature holds."""
    asked = loggable_reference(reference)
    if not payload:
        return Check("unknown", asked)  # nothing to check: an address typed by hand
    key_id = payload_key_id(payload)
    if key_id is None:
        return Check("forged", asked)
    found = session.execute(select(CommuneKey, Commune).join(
        Commune, Commune.id == CommuneKey.commune_id).where(CommuneKey.key_id == key_id)).first()
    if found is None:
        return Check("unknown", asked, key_id)
    key, commune = found
    facts = verify_qr_payload(payload, key.qr_public_key_pem)
    if isinstance(facts, str) or normalize_reference(reference) != facts.reference:
        return Check("forged", asked, key_id)
    if facts.commune_insee != commune.insee:
        return Check("unknown", asked, key_id)
    dossier_id = session.scalar(select(Dossier.id).where(
        Dossier.reference == facts.reference, Dossier.commune_id == commune.id))
    attestation = find_document(session, dossier_id, "attestation") if dossier_id else None
    if attestation is None or _issued_payload(blobs.get(session, attestation.sha256)) != payload:
        return Check("unknown", facts.reference, key_id)
    return Check("revoked" if attestation.revoked_at else "genuine", facts.reference, key_id,
                 facts, commune.name, key.generated, attestation.revoked_at)


def loggable_reference(reference: str) -> str:
    """The reference asked about, as the log keeps it (short, canonical when it reads as one)."""
    return (normalize_reference(reference) or reference.strip())[:20]


def _issued_payload(pdf: bytes) -> str | None:
    """The payload the commune put in the stored attestation."""
    return embedded_payload(PdfFileReader(io.BytesIO(pdf), strict=False))
