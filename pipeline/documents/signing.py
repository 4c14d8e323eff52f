"""Sign a PDF as the commune: a PAdES certification signature (ECDSA P-256) allowing no change."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import DocumentMetadata
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner, PdfSigningSession, PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pipeline.documents.cms import CmsTemplate, build_template
from pipeline.documents.identity import CommuneIdentity, load_certificates, load_signing_key
from pipeline.documents.loop import outside_any_loop
from pipeline.documents.text import printable

FIELD_NAME = "SignatureCommune"


@dataclass(frozen=True)
class LoadedSigner:
    """A commune's key and certificate, loaded once: loading costs more than signing."""

    key: ec.EllipticCurvePrivateKey
    template: CmsTemplate
    pyhanko_signer: signers.ExternalSigner
    reserved: int


@functools.lru_cache(maxsize=64)
def loaded_signer(signing_key_pem: bytes, certificate_pem: bytes) -> LoadedSigner:
    """Return the signer of this key and certificate, built on first use and kept."""
    key = load_signing_key(signing_key_pem)
    ders = [c.public_bytes(serialization.Encoding.DER) for c in load_certificates(certificate_pem)]
    certificates = [asn1_x509.Certificate.load(der) for der in ders]
    template = build_template(ders)
    # pyHanko lays out the signature field and digests the document; the CMS is ours.
    external = signers.ExternalSigner(
        signing_cert=certificates[0],
        cert_registry=SimpleCertificateStore.from_certs(certificates),
        signature_value=bytes(64),
    )
    # The room is counted in hex digits, two per byte of the CMS.
    return LoadedSigner(key, template, external, 2 * (template.max_size() + 16))


def sign_pdf(pdf: bytes, identity: CommuneIdentity, *, signed_at: datetime,
             reason: str, location: str = "") -> bytes:
    """Return ``pdf`` certified by the commune; the same inputs give the same bytes."""
    return outside_any_loop(_sign_pdf, pdf, identity, signed_at=signed_at, reason=reason,
                            location=location)


def _sign_pdf(pdf: bytes, identity: CommuneIdentity, *, signed_at: datetime,
              reason: str, location: str = "") -> bytes:
    """Return ``pdf`` certified by the commune; the same inputs give the same bytes."""
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    signer = loaded_signer(identity.signing_key_pem, identity.certificate_pem)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # pyHanko draws the second half of the file identifier at random; derive it from the
    # content instead, so a retried stage produces the very same attestation.
    first_id = writer._document_id[0]
    writer._document_id = generic.ArrayObject(
        [first_id, generic.ByteStringObject(hashlib.sha256(pdf).digest()[:16])])
    # Likewise its modification date (Info and XMP) would be the clock's: make it the signing's.
    writer._meta = _SigningTimeMetadata(writer._meta, signed_at)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=printable(reason),
        location=printable(location) or None,
        name=printable(f"Commune de {identity.name}"),
    )
    pdf_signer = _TimedPdfSigner(metadata, signer.pyhanko_signer, signed_at=signed_at)
    prepared, _, output = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=signer.reserved))
    attributes = signer.template.signed_attributes(prepared.document_digest)
    signature = _ecdsa(signer.key, attributes)
    PdfTBSDocument.finish_signing(output, prepared,
                                  signer.template.signed_data(attributes, signature))
    return output.getvalue()


def _ecdsa(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Sign with RFC 6979 deterministic ECDSA, so the same document signs the same."""
    try:
        return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    except UnsupportedAlgorithm:
        # An OpenSSL older than 3.2 under cryptography: still a valid signature, only a
        # retried stage would no longer produce the very same bytes.
        return key.sign(data, ec.ECDSA(hashes.SHA256()))


class _SigningTimeMetadata(DocumentMetadata):
    """Document metadata whose modification date stays the signing time."""

    def __init__(self, base: DocumentMetadata, signed_at: datetime) -> None:
        self._signed_at = signed_at
        super().__init__(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})

    @property  # type: ignore[override]
    def last_modified(self) -> datetime:
        return self._signed_at

    @last_modified.setter
    def last_modified(self, value: object) -> None:
        """Ignore pyHanko's "now", set on every write."""


class _TimedPdfSigner(PdfSigner):
    """A PdfSigner whose signing time is given, not read from the clock."""

    def __init__(self, *args: object, signed_at: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.signed_at = signed_at

    def init_signing_session(self, pdf_out: IncrementalPdfFileWriter,
                             existing_fields_only: bool = False) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self.signed_at
        return session
