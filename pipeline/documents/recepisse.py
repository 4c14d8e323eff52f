"""The récépissé: proof that a request was filed, with its date and time and its documents."""

from __future__ import annotations

from reportlab.lib.units import mm

from pipeline.documents import blocks
from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.documents.text import date_and_time, size_label
from pipeline.domain.attachments import KIND_LABELS
from pipeline.domain.demarches import DEMARCHES
from pipeline.domain.demarches.layout import section

TITLE = "Récépissé de dépôt"


def render_recepisse(facts: DossierFacts) -> bytes:
    """Return the récépissé of a filed dossier as PDF bytes."""
    person = section(facts.data, "Personne")
    demarche = DEMARCHES.get(facts.demarche)
    sheet = blocks.headed_sheet(facts, "recepisse", TITLE, "Votre demande a bien été déposée.")
    sheet.section("Demande")
    sheet.field("Démarche", demarche.title if demarche else facts.demarche)
    sheet.field("Identifiant de la démarche", facts.demarche)
    sheet.field("Commune", f"{facts.commune_name} (code INSEE {facts.commune_insee})")
    sheet.field("Date et heure du dépôt", date_and_time(facts.submitted_at))
    sheet.section("Demandeur")
    sheet.field("Nom", p.family_name(person))
    sheet.field("Prénom(s)", p.first_names(person))
    sheet.field("Courriel", facts.citizen_email)
    sheet.section("Documents déposés")
    if not facts.attachments:
        sheet.field("Pièces jointes", "aucune")
    for index, piece in enumerate(facts.attachments, start=1):
        sheet.field(f"Pièce {index}", [
            KIND_LABELS.get(piece.kind, piece.kind),
            f"{piece.filename} ({size_label(piece.size)})",
            f"SHA-256 : {piece.sha256}",
        ])
    sheet.space(4 * mm)
    sheet.paragraph(
        "Ce récépissé atteste du dépôt de votre demande à la date et à l'heure indiquées ; il ne "
        "vaut pas décision. Conservez le numéro de télédossier : il vous permet de suivre votre "
        "demande et de répondre aux questions de la mairie.", 9)
    return sheet.finish()
