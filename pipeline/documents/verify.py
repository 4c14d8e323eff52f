"""Decide whether an attestation PDF is genuine: intact signature of a known commune, and a QR
payload signed by the same commune that matches the printed text."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto.x509 import Name
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import read_certification_data, validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from pipeline.documents import pdftext
from pipeline.documents.identity import GENERATED_UNIT, TrustedCommune
from pipeline.documents.loop import outside_any_loop
from pipeline.documents.qr import QrFacts, caption, payload_from_url, verify_qr_payload
from pipeline.documents.text import printable, short_date
from pipeline.domain.clock import paris_time

#: Field labels of the attestation whose printed value the QR payload must repeat.
CHECKED_FIELDS = (("Nom de famille", "family_name", "le nom"),
                  ("Prénom(s)", "first_names", "les prénoms"))
#: French labels of the facts, in the order ``verify_file`` prints them.
LABELS = {
    "reference": "Référence", "nom": "Nom", "prenoms": "Prénom(s)",
    "date_naissance": "Date de naissance", "commune": "Commune", "code_insee": "Code INSEE",
    "delivree_le": "Délivrée le", "cle": "Clé du code QR", "signataire": "Signataire",
    "certificat": "Certificat", "signee_le": "Signée le",
}
BROKEN = "La signature électronique est endommagée : le document a été modifié."


@dataclass(frozen=True)
class Verdict:
    genuine: bool
    reason: str
    facts: dict[str, str] = field(default_factory=dict)


def verify_attestation(pdf: bytes, trusted: list[TrustedCommune]) -> Verdict:
    """Return whether ``pdf`` is an attestation one of the ``trusted`` communes issued."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # any parse failure means the same to the holder
        return _refuse("Le fichier n'est pas un PDF lisible : ce n'est pas une attestation.")
    if not signatures:
        return _refuse("Le document ne porte pas de signature électronique : ce n'est pas une "
                       "attestation délivrée par une commune, ou elle a été refaite.")
    if len(signatures) > 1:
        return _refuse("Le document porte plusieurs signatures : il a été modifié après sa "
                       "délivrance.")
    embedded = signatures[0]
    try:
        fingerprint = hashlib.sha256(embedded.signer_cert.dump()).hexdigest()
        # Trust is decided below by the pinned certificate; the context only names it.
        context = ValidationContext(trust_roots=[embedded.signer_cert], allow_fetching=False)
        status = outside_any_loop(validate_pdf_signature, embedded, context, skip_diff=True)
    except Exception:  # a CMS pyHanko cannot read is a broken signature
        return _refuse(BROKEN)
    commune = next((c for c in trusted if c.certificate_sha256 == fingerprint), None)
    if not status.intact:
        return _refuse("Le contenu du document a été modifié après sa signature : il ne "
                       "correspond plus à ce que la commune a signé.")
    if not status.valid:
        return _refuse("La signature électronique est invalide : le document n'a pas été signé "
                       "tel quel par son signataire.")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _refuse("Le document a été complété après sa signature (pages, texte ou "
                       "annotations ajoutés) : ce n'est plus l'attestation délivrée.")
    if commune is None:
        name = _common_name(embedded.signer_cert.subject)
        return _refuse(f"Le document n'est pas signé par une commune connue (signataire : "
                       f"{name}).")
    certification = read_certification_data(reader)
    if certification is None or certification.permission != MDPPerm.NO_CHANGES:
        return _refuse("La signature de la commune n'interdit pas les modifications : ce n'est "
                       "pas une attestation délivrée par Télédossier.")
    return _check_payload(reader, commune, embedded)


def embedded_payload(reader: PdfFileReader) -> str | None:
    """The QR payload an attestation carries: its keywords hold the verification URL."""
    try:
        keywords = str(reader.trailer["/Info"]["/Keywords"])  # indexing resolves references
    except (KeyError, TypeError):
        return None
    return payload_from_url(keywords)


def _check_payload(reader: PdfFileReader, commune: TrustedCommune,
                   embedded: EmbeddedPdfSignature) -> Verdict:
    """Check the QR payload kept in the keywords against the commune's key and the text."""
    payload = embedded_payload(reader)
    if not payload:
        return _refuse("Le document ne contient pas de code de vérification.")
    checked = verify_qr_payload(payload, commune.qr_public_key_pem)
    if isinstance(checked, str):
        return _refuse(checked)
    if checked.commune_insee != commune.insee or checked.key_id != commune.key_id:
        return _refuse("Le code de vérification a été émis pour une autre commune que celle qui "
                       "a signé le document.")
    mismatch = _mismatch(reader, checked)
    if mismatch:
        return _refuse(f"Le code de vérification ne correspond pas au texte de l'attestation "
                       f"({mismatch}) : il vient d'un autre document.")
    facts = _facts(checked, commune, embedded)
    return Verdict(True, f"Attestation authentique, délivrée par la commune de {commune.name} "
                         "et non modifiée depuis.", facts)


def _mismatch(reader: PdfFileReader, qr: QrFacts) -> str:
    """Return what the printed text and the payload disagree on ("" when nothing)."""
    shown = pdftext.shown_strings(reader)
    printed = pdftext.labelled_values(shown)
    everything = _compact(" ".join(item.text for item in shown))
    for label, attribute, what in CHECKED_FIELDS:
        if _compact(printed.get(label, "")) != _compact(printable(getattr(qr, attribute))):
            return what
    if qr.birth_date and _compact(printed.get("Né(e) le", "")) != short_date(qr.birth_date):
        return "la date de naissance"
    expected = caption(qr.reference, qr.issued_on, qr.commune_insee, qr.key_id)
    if _compact(expected) not in everything:
        return "la référence, la commune ou la date de délivrance"
    return ""


def _facts(qr: QrFacts, commune: TrustedCommune,
           embedded: EmbeddedPdfSignature) -> dict[str, str]:
    subject = embedded.signer_cert.subject
    generated = GENERATED_UNIT in subject.human_friendly
    signed = embedded.self_reported_timestamp
    return {
        "reference": qr.reference,
        "nom": qr.family_name,
        "prenoms": qr.first_names,
        "date_naissance": short_date(qr.birth_date),
        "commune": commune.name,
        "code_insee": qr.commune_insee,
        "delivree_le": short_date(qr.issued_on),
        "cle": qr.key_id,
        "signataire": _common_name(subject),
        "certificat": ("généré par Télédossier (autosigné)" if generated
                       else "fourni par la commune"),
        "signee_le": f"{paris_time(signed)} (heure de Paris)" if signed else "",
    }


def verify_file(path: str | Path, trusted: list[TrustedCommune]) -> tuple[int, str]:
    """For ``teledossier verify FILE.pdf``: (0, the facts) when genuine, else (1, the reason)."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        return 1, f"Impossible de lire le fichier {path} : {error.strerror or error}."
    verdict = verify_attestation(content, trusted)
    if not verdict.genuine:
        return 1, f"NON AUTHENTIQUE — {verdict.reason}"
    lines = [f"AUTHENTIQUE — {verdict.reason}"]
    lines += [f"  {LABELS[key]} : {value}" for key, value in verdict.facts.items() if value]
    return 0, "\n".join(lines)


def _common_name(subject: Name) -> str:
    return str(subject.native.get("common_name") or subject.human_friendly)


def _compact(value: str) -> str:
    return "".join(value.split())


def _refuse(reason: str) -> Verdict:
    return Verdict(False, reason)
