"""The ILE refusal notice: the mayor's motivated decision and the mandatory prior appeal (RAPO)."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm

from pipeline.documents import blocks
from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.documents.text import in_paris, long_date, printable, short_date
from pipeline.domain.demarches.ile import RAPO_NOTICE
from pipeline.domain.demarches.layout import section

TITLE = "Décision de refus d'inscription sur la liste électorale"
#: Code électoral, L18: the RAPO comes before any court, within 5 days of the notification.
APPEAL = (
    "Vous pouvez contester cette décision par un recours administratif préalable obligatoire "
    "(RAPO) devant la commission de contrôle de la commune, dans un délai de 5 jours à compter "
    "de sa notification (article L18 du code électoral). Ce recours est obligatoire avant toute "
    "saisine du tribunal judiciaire."
)


def render_refus(facts: DossierFacts, *, motive: str, decided_on: date,
                 mayor_name: str = "") -> bytes:
    """Return the refusal notice of an ILE dossier as PDF bytes."""
    person = section(facts.data, "Personne")
    sheet = blocks.headed_sheet(facts, "refus", TITLE, "Inscription sur les listes électorales")
    sheet.section("Demandeur")
    sheet.field("Nom", p.family_name(person))
    sheet.field("Nom d'usage", p.field(person, "NomUsage"))
    sheet.field("Prénom(s)", p.first_names(person))
    sheet.field("Né(e) le", p.birth_date(person))
    sheet.field("Adresse", p.address_lines(section(person, "AdresseDomicile")))
    sheet.section("Décision")
    filed = short_date(in_paris(facts.submitted_at).date())
    sheet.paragraph(
        f"Le maire de la commune de {facts.commune_name}, vu le code électoral, notamment ses "
        f"articles L11 et L18, vu la demande d'inscription sur la liste électorale déposée le "
        f"{filed} (télédossier {facts.reference}), décide de refuser cette inscription.", 10)
    sheet.section("Motif")
    sheet.paragraph(_motive(motive) or "Motif non précisé.", 10)
    sheet.section("Voies et délais de recours")
    sheet.paragraph(APPEAL, 10)
    sheet.space(3 * mm)
    sheet.field("Fait à", facts.commune_name)
    sheet.field("Le", long_date(decided_on))
    sheet.field("Le maire", printable(mayor_name) or "")
    return sheet.finish()


def _motive(motive: str) -> str:
    # A prepared motive already ends with the appeal notice; it has its own section here.
    return printable(motive.replace(RAPO_NOTICE, ""), multiline=True)
