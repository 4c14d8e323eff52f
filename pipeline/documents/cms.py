"""The CMS SignedData of a PAdES signature, DER-encoded by hand around parts computed once.

pyHanko builds the same structure through asn1crypto objects, which costs about 20 ms a
signature; only the document digest and the signature value change from one attestation to the
next, so the rest is encoded once per signer and the changing parts are spliced in.

    ContentInfo { signedData, [0] SignedData {
        version 1, digestAlgorithms { sha256 }, encapContentInfo { data } (detached),
        certificates [0] { signer's certificate, chain },
        signerInfos { SignerInfo {
            version 1, issuerAndSerialNumber, sha256,
            signedAttrs [0] { contentType data, messageDigest, signingCertificateV2 },
            ecdsa-with-SHA256, signature } } } }

No signing-time attribute: PAdES puts the time in the signature dictionary (/M) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import as_signing_certificate_v2

OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
OID_DATA = bytes.fromhex("06092a864886f70d010701")
OID_CONTENT_TYPE = bytes.fromhex("06092a864886f70d010903")
OID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
OID_SIGNING_CERTIFICATE_V2 = bytes.fromhex("060b2a864886f70d010910022f")
SHA256 = bytes.fromhex("300d06096086480165030402010500")
ECDSA_WITH_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
VERSION_1 = bytes.fromhex("020101")
#: An ECDSA P-256 signature in DER is at most this long.
MAX_SIGNATURE_BYTES = 72


def tlv(tag: int, body: bytes) -> bytes:
    """Return one DER element: tag, definite length, body."""
    length = len(body)
    if length < 0x80:
        return bytes([tag, length]) + body
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + body


@dataclass(frozen=True)
class CmsTemplate:
    """The parts of a signer's CMS that never change."""

    certificates: bytes  # the DER certificates, concatenated
    issuer_and_serial: bytes
    content_type_attribute: bytes
    signing_certificate_attribute: bytes

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """Return the DER SET OF the signed attributes: what the signature covers."""
        digest = tlv(0x30, OID_MESSAGE_DIGEST + tlv(0x31, tlv(0x04, document_digest)))
        # DER orders a SET OF by the encodings of its elements.
        members = sorted((self.content_type_attribute, digest,
                          self.signing_certificate_attribute))
        return tlv(0x31, b"".join(members))

    def signed_data(self, signed_attributes: bytes, signature: bytes) -> bytes:
        """Return the ContentInfo to embed, around the attributes and their signature."""
        implicit_attributes = b"\xa0" + signed_attributes[1:]  # [0] IMPLICIT instead of SET
        signer_info = tlv(0x30, VERSION_1 + self.issuer_and_serial + SHA256
                          + implicit_attributes + ECDSA_WITH_SHA256 + tlv(0x04, signature))
        signed = tlv(0x30, VERSION_1 + tlv(0x31, SHA256) + tlv(0x30, OID_DATA)
                     + tlv(0xA0, self.certificates) + tlv(0x31, signer_info))
        return tlv(0x30, OID_SIGNED_DATA + tlv(0xA0, signed))

    def max_size(self) -> int:
        """Return the most bytes a CMS of this signer takes: the room to reserve in the PDF."""
        attributes = self.signed_attributes(bytes(32))
        return len(self.signed_data(attributes, bytes(MAX_SIGNATURE_BYTES)))


def build_template(certificates_der: list[bytes]) -> CmsTemplate:
    """Return the constant parts for a signer whose certificate comes first in the list."""
    signer = asn1_x509.Certificate.load(certificates_der[0])
    issuer_and_serial = asn1_cms.IssuerAndSerialNumber(
        {"issuer": signer.issuer, "serial_number": signer.serial_number}).dump()
    ess = as_signing_certificate_v2(signer).dump()
    return CmsTemplate(
        certificates=b"".join(certificates_der),
        issuer_and_serial=issuer_and_serial,
        content_type_attribute=tlv(0x30, OID_CONTENT_TYPE + tlv(0x31, OID_DATA)),
        signing_certificate_attribute=tlv(0x30, OID_SIGNING_CERTIFICATE_V2 + tlv(0x31, ess)),
    )
