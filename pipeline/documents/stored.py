"""The commune's documents of a dossier, stored once with their digest, and its signing identity.

The rest of ``pipeline.documents`` draws and signs; this module reads what it needs from the
database and keeps what it returns: one row per (dossier, kind) in ``dossier_documents``, the
bytes in the blob store. A pre-filled form is redrawn when the data change; an attestation, once
issued, never is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.documents import CommuneIdentity, DossierFacts, TrustedCommune, generate_identity
from pipeline.documents.identity import load_qr_private_key, public_pem
from pipeline.store.model import Commune, CommuneKey, CommuneSigning, Dossier, DossierDocument

#: The file name each kind is served and attached under.
FILENAMES = {
    "notice": "notice-individuelle-{reference}.pdf",
    "demande": "demande-inscription-{reference}.pdf",
    "recepisse": "recepisse-{reference}.pdf",
    "attestation": "attestation-recensement-{reference}.pdf",
    "refus": "refus-inscription-{reference}.pdf",
}
#: The pre-filled form of each démarche, as its document kind.
FORM_KINDS = {"RecensementCitoyen": "notice", "InscriptionListesElectorales": "demande"}
DOCUMENT = (select(DossierDocument).where(DossierDocument.dossier_id == bindparam("dossier_id"),
                                          DossierDocument.kind == bindparam("kind")))


def find_document(session: Session, dossier_id: str, kind: str) -> DossierDocument | None:
    return session.scalars(DOCUMENT, {"dossier_id": dossier_id, "kind": kind}).one_or_none()


def store_document(session: Session, ctx: PipelineContext, dossier: Dossier, kind: str,
                   content: bytes, *, replace: bool = False) -> DossierDocument:
    """Keep a document of the dossier; an existing one of the kind stays unless ``replace``."""
    existing = find_document(session, dossier.id, kind)
    if existing is not None and not replace:
        return existing
    now = ctx.clock.now()
    digest = ctx.blobs.put(session, content, now)
    document = existing or DossierDocument(dossier_id=dossier.id, kind=kind)
    document.filename = FILENAMES[kind].format(reference=dossier.reference)
    document.media_type = "application/pdf"
    document.size = len(content)
    document.sha256 = digest
    document.created_at = now
    if existing is None:
        session.add(document)
    session.flush()
    return document


def dossier_facts(dossier: Dossier) -> DossierFacts:
    """What the documents need of a dossier (its commune and attachments load on access)."""
    return DossierFacts.from_dossier(dossier)


def signing_identity(session: Session, ctx: PipelineContext, commune: Commune) -> CommuneIdentity:
    """The commune's signing material; generated and kept on first need when it has none."""
    row = session.get(CommuneSigning, commune.id)
    if row is None:
        # Two workers may need it at once: the commune's row serialises them.
        session.execute(select(Commune.id).where(Commune.id == commune.id).with_for_update())
        row = session.get(CommuneSigning, commune.id, populate_existing=True)
    if row is None:
        row = save_identity(session, commune, generate_identity(
            commune.insee, commune.name, "", now=ctx.clock.now()), ctx.clock.now(),
            generated=True)
    return CommuneIdentity(
        insee=commune.insee, name=commune.name, mayor_name=row.mayor_name,
        qr_private_key_pem=row.qr_private_key_pem, signing_key_pem=row.signing_key_pem,
        certificate_pem=row.certificate_pem, key_id=row.key_id, stamp_png=row.stamp_png,
        signature_png=row.signature_png)


def save_identity(session: Session, commune: Commune, identity: CommuneIdentity, at: datetime,
                  *, generated: bool) -> CommuneSigning:
    """Make ``identity`` the commune's; the public half of its keys is kept for ever."""
    row = session.get(CommuneSigning, commune.id) or CommuneSigning(commune_id=commune.id)
    row.mayor_name = identity.mayor_name
    row.stamp_png = identity.stamp_png
    row.signature_png = identity.signature_png
    row.qr_private_key_pem = identity.qr_private_key_pem
    row.signing_key_pem = identity.signing_key_pem
    row.certificate_pem = identity.certificate_pem
    row.key_id = identity.key_id
    row.generated = generated
    row.updated_at = at
    session.add(row)
    if session.get(CommuneKey, identity.key_id) is None:
        public = load_qr_private_key(identity.qr_private_key_pem).public_key()
        session.add(CommuneKey(key_id=identity.key_id, commune_id=commune.id,
                               qr_public_key_pem=public_pem(public),
                               certificate_pem=identity.certificate_pem, generated=generated,
                               created_at=at))
    session.flush()
    return row


def trusted_communes(session: Session) -> list[TrustedCommune]:
    """Every key any commune of this installation signed with, for verifying attestations."""
    rows = session.execute(select(CommuneKey, Commune.insee, Commune.name)
                           .join(Commune, Commune.id == CommuneKey.commune_id))
    return [TrustedCommune(insee, name, key.certificate_pem, key.qr_public_key_pem, key.key_id)
            for key, insee, name in rows]
