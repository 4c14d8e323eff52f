"""The RCO attestation de recensement: stamped, signed by the mayor, QR-coded, PAdES-certified."""

from __future__ import annotations

import functools
import io
import threading
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from pipeline.documents import blocks
from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.documents.identity import CommuneIdentity, load_qr_private_key
from pipeline.documents.layout import BOLD, GREY, ITALIC, MARGIN, REGULAR, WIDTH, Sheet
from pipeline.documents.qr import QrFacts, caption, sign_qr_payload, verification_url
from pipeline.documents.qrdraw import draw_qr, qr_matrix, qr_side
from pipeline.documents.signing import sign_pdf
from pipeline.documents.text import in_paris, long_date, printable, short_date
from pipeline.domain.demarches.dates import parse_date
from pipeline.domain.demarches.layout import section, text

TITLE = "Attestation de recensement"
QR_SIZE = 36 * mm
STAMP_SIZE = 34 * mm
SIGNATURE_BOX = (56 * mm, 20 * mm)
#: Pixels of an image's longer side: 300 dpi over the signature's 56 mm.
MAX_IMAGE_PIXELS = 660
MAX_CACHED_IMAGES = 64
_readers = threading.local()


def attestation_qr(facts: DossierFacts, identity: CommuneIdentity, *, issued_on: date,
                   public_url: str) -> tuple[QrFacts, str]:
    """Return what the QR code vouches for and the verification URL it holds."""
    person = section(facts.data, "Personne")
    qr_facts = QrFacts(
        reference=facts.reference,
        family_name=p.family_name(person),
        first_names=p.first_names(person),
        birth_date=parse_date(text(person, "DateNaissance")),
        commune_insee=identity.insee,
        issued_on=issued_on,
        key_id=identity.key_id,
    )
    payload = sign_qr_payload(qr_facts, _qr_key(identity.qr_private_key_pem))
    return qr_facts, verification_url(public_url, facts.reference, payload)


def issue_attestation(facts: DossierFacts, identity: CommuneIdentity, *, issued_at: datetime,
                      public_url: str, census_date: date | None = None) -> bytes:
    """Return the signed attestation; the same inputs (``issued_at`` too) give the same bytes."""
    issued_on = in_paris(issued_at).date()
    _, url = attestation_qr(facts, identity, issued_on=issued_on, public_url=public_url)
    pdf = render_attestation(facts, identity, issued_on=issued_on, qr_url=url,
                             census_date=census_date)
    return sign_pdf(pdf, identity, signed_at=issued_at, location=identity.name,
                    reason=f"Attestation de recensement {facts.reference}")


def render_attestation(facts: DossierFacts, identity: CommuneIdentity, *, issued_on: date,
                       qr_url: str, census_date: date | None = None) -> bytes:
    """Return the attestation, not yet signed; the QR URL is also kept as its keywords."""
    person = section(facts.data, "Personne")
    census = census_date or in_paris(facts.submitted_at).date()
    sheet = blocks.new_sheet(facts, TITLE, "attestation", keywords=qr_url)
    sheet.text(MARGIN, sheet.y - 9, "RÉPUBLIQUE FRANÇAISE", BOLD, 10)
    sheet.text(MARGIN, sheet.y - 19, "Liberté · Égalité · Fraternité", REGULAR, 8, GREY)
    sheet.space(22)
    sheet.lines(MARGIN, f"Commune de {identity.name}", WIDTH * 0.7, BOLD, 11)
    sheet.lines(MARGIN, f"Code INSEE {identity.insee}", WIDTH * 0.7, REGULAR, 9)
    sheet.space(10 * mm)
    sheet.heading("ATTESTATION DE RECENSEMENT", 19)
    sheet.lines(MARGIN, "Recensement citoyen obligatoire — article L113-1 du code du service "
                "national", WIDTH, ITALIC, 9.5, center=True)
    sheet.space(8 * mm)
    sheet.paragraph(
        f"Le maire de la commune de {identity.name} atteste que la personne désignée "
        f"ci-dessous a été recensée le {long_date(census)}.", 10.5)
    sheet.space(2 * mm)
    sheet.field("Nom de famille", p.family_name(person))
    if p.field(person, "NomUsage"):
        sheet.field("Nom d'usage", p.field(person, "NomUsage"))
    sheet.field("Prénom(s)", p.first_names(person))
    sheet.field("Né(e) le", p.birth_date(person))
    sheet.field("À", p.birth_place(person))
    sheet.field("Domicile", p.address_lines(section(person, "AdresseDomicile")))
    sheet.field("Date du recensement", short_date(census))
    sheet.space(5 * mm)
    sheet.paragraph(
        "Cette attestation peut vous être demandée, jusqu'à vos 25 ans, pour vous inscrire aux "
        "examens et concours soumis au contrôle de l'autorité publique, dont l'examen du permis "
        "de conduire. La commune n'en délivre pas de duplicata : conservez-la.", 9)
    sheet.paragraph(f"Fait à {identity.name}, le {long_date(issued_on)}.", 10.5)
    _signature_block(sheet, identity)
    _qr_block(sheet, facts, identity, qr_url, issued_on)
    return sheet.finish()


def _signature_block(sheet: Sheet, identity: CommuneIdentity) -> None:
    height = STAMP_SIZE + 6 * mm
    sheet.ensure(height)
    top = sheet.y
    if identity.stamp_png:
        sheet.canvas.drawImage(_image(identity.stamp_png), MARGIN + 8 * mm, top - STAMP_SIZE,
                               STAMP_SIZE, STAMP_SIZE)
    x = MARGIN + WIDTH * 0.5
    sheet.y = top
    sheet.lines(x, "Le maire,", WIDTH * 0.5, REGULAR, 10)
    sheet.lines(x, printable(identity.mayor_name), WIDTH * 0.5, BOLD, 10)
    if identity.signature_png:
        width, height_box = SIGNATURE_BOX
        sheet.canvas.drawImage(_image(identity.signature_png), x, sheet.y - height_box - 1 * mm,
                               width, height_box, preserveAspectRatio=True,
                               anchor="sw")
    sheet.y = top - height


def _qr_block(sheet: Sheet, facts: DossierFacts, identity: CommuneIdentity, qr_url: str,
              issued_on: date) -> None:
    matrix = qr_matrix(qr_url)
    side = qr_side(matrix, QR_SIZE)
    sheet.ensure(side + 2 * mm)
    top = sheet.y
    draw_qr(sheet.canvas, matrix, MARGIN - 3 * mm, top - side, side)
    x = MARGIN + side + 1 * mm
    width = WIDTH - side - 1 * mm
    sheet.y = top - 3 * mm
    sheet.lines(x, "Vérifier l'authenticité de cette attestation", width, BOLD, 9)
    site = qr_url.split("?", 1)[0].rsplit("/", 2)[0]
    lines = [
        f"Scannez le code avec un téléphone : la page {site}/verifier dit si elle est "
        "authentique.",
        caption(facts.reference, issued_on, identity.insee, identity.key_id),
        "Document signé électroniquement par la commune : toute modification rend la "
        "signature invalide.",
    ]
    for line in lines:
        sheet.lines(x, line, width, REGULAR, 8)
    sheet.y = min(sheet.y, top - side)


def _image(png: bytes) -> ImageReader:
    """Return the image ready to draw, kept per thread (a reader's file is not shareable)."""
    cache: dict[bytes, ImageReader] = _readers.__dict__.setdefault("cache", {})
    if len(cache) > MAX_CACHED_IMAGES:
        cache.clear()
    if png not in cache:
        cache[png] = ImageReader(io.BytesIO(_printable_jpeg(png)))
    return cache[png]


@functools.lru_cache(maxsize=MAX_CACHED_IMAGES)
def _printable_jpeg(png: bytes) -> bytes:
    """Return the image as reportlab embeds it fastest: a JPEG, at most 300 dpi, on white.

    reportlab compresses a PNG's pixels anew in every document (a third of an attestation's
    time, and far more for a commune's 2000-pixel scan) but copies a JPEG as it is. The stamp
    and the signature sit on blank paper, so flattening their transparency onto white changes
    nothing on the page.
    """
    image = Image.open(io.BytesIO(png))
    image.load()
    image = image.convert("RGBA")
    image.thumbnail((MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS))
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=92, subsampling=0)
    return out.getvalue()


@functools.lru_cache(maxsize=64)
def _qr_key(pem: bytes) -> Ed25519PrivateKey:
    return load_qr_private_key(pem)

