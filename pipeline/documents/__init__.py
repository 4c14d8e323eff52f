"""Documents of a dossier: pre-filled forms, the signed attestation, its verification, XML, ZIP.

Pure functions of their inputs (no database, no web, no broker): the pipeline reads a dossier
into ``DossierFacts`` and a commune's ``CommuneIdentity``, and stores the bytes returned.
"""

from __future__ import annotations

from pipeline.documents.attestation import attestation_qr, issue_attestation, render_attestation
from pipeline.documents.demande import render_demande
from pipeline.documents.facts import DOCUMENT_KINDS, AttachmentFacts, DossierFacts
from pipeline.documents.identity import (
    CommuneIdentity,
    IdentityError,
    TrustedCommune,
    check_identity,
    generate_identity,
)
from pipeline.documents.notice import render_notice
from pipeline.documents.package import build_package
from pipeline.documents.qr import QrFacts, sign_qr_payload, verify_qr_payload
from pipeline.documents.recepisse import render_recepisse
from pipeline.documents.refus import render_refus
from pipeline.documents.signing import sign_pdf
from pipeline.documents.verify import Verdict, verify_attestation, verify_file
from pipeline.documents.xml_export import XmlExportError, export_xml, validate_xml

#: The pre-filled form of each démarche (the PDF of « Télécharger les éléments du dossier »).
FORMS = {"RecensementCitoyen": render_notice, "InscriptionListesElectorales": render_demande}


def render_form(facts: DossierFacts) -> bytes:
    """Return the pre-filled form of the dossier's démarche: the notice or the request."""
    return FORMS[facts.demarche](facts)


__all__ = [
    "DOCUMENT_KINDS",
    "FORMS",
    "AttachmentFacts",
    "CommuneIdentity",
    "DossierFacts",
    "IdentityError",
    "QrFacts",
    "TrustedCommune",
    "Verdict",
    "XmlExportError",
    "attestation_qr",
    "build_package",
    "check_identity",
    "export_xml",
    "generate_identity",
    "issue_attestation",
    "render_attestation",
    "render_demande",
    "render_form",
    "render_notice",
    "render_recepisse",
    "render_refus",
    "sign_pdf",
    "sign_qr_payload",
    "validate_xml",
    "verify_attestation",
    "verify_file",
    "verify_qr_payload",
]
