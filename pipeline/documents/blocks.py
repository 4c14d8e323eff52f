"""Blocks the documents share: the header, the état civil, the address, the place and date."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm

from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.documents.layout import BOLD, GREY, MARGIN, PAGE_HEIGHT, REGULAR, SMALL, WIDTH, Sheet
from pipeline.documents.text import date_and_time, in_paris, long_date, printable
from pipeline.domain.attachments import KIND_LABELS
from pipeline.domain.demarches.layout import section


def new_sheet(facts: DossierFacts, title: str, kind: str, keywords: str = "") -> Sheet:
    """A sheet whose metadata and footer name the dossier."""
    return Sheet(
        title=f"{title} — {facts.reference}",
        author=f"Commune de {facts.commune_name}",
        subject=kind,
        footer=f"Télédossier {facts.reference} — commune de {facts.commune_name}",
        keywords=keywords,
    )


def headed_sheet(facts: DossierFacts, kind: str, title: str, subtitle: str,
                 model: str = "") -> Sheet:
    """A new sheet, its ``header`` drawn."""
    sheet = new_sheet(facts, title, kind)
    header(sheet, facts, title, subtitle, model)
    return sheet


def header(sheet: Sheet, facts: DossierFacts, title: str, subtitle: str, model: str) -> None:
    """République française, the commune, the title and the dossier's number and date."""
    top = PAGE_HEIGHT - MARGIN
    sheet.text(MARGIN, top - 9, "RÉPUBLIQUE FRANÇAISE", BOLD, 10)
    sheet.text(MARGIN, top - 19, "Liberté · Égalité · Fraternité", REGULAR, SMALL, GREY)
    sheet.y = top - 22
    sheet.lines(MARGIN, f"Commune de {facts.commune_name} (code INSEE {facts.commune_insee})",
                WIDTH * 0.6, BOLD, 9)
    sheet.space(4 * mm)
    sheet.heading(title, 15)
    sheet.lines(MARGIN, subtitle, WIDTH, REGULAR, 9.5, center=True)
    if model:
        sheet.lines(MARGIN, model, WIDTH, REGULAR, 7.5, center=True)
    sheet.space(2 * mm)
    sheet.field("Numéro de télédossier", facts.reference)
    sheet.field("Déposé le", date_and_time(facts.submitted_at))


def etat_civil(sheet: Sheet, person: dict[str, Any]) -> None:
    """The person's état civil, as the cerfa forms ask it."""
    sheet.field("Nom de famille (de naissance)", p.family_name(person))
    sheet.field("Nom d'usage", p.field(person, "NomUsage"))
    sheet.field("Prénom(s)", p.first_names(person))
    sheet.choices("Sexe", [("Masculin", p.field(person, "Sexe") == "1"),
                           ("Féminin", p.field(person, "Sexe") == "2")])
    sheet.field("Date de naissance", p.birth_date(person))
    sheet.field("Lieu de naissance (commune, pays)", p.birth_place(person))
    sheet.field("Code INSEE de la commune de naissance", p.field(person, "CodeINSEENaissance"))


def adresse(sheet: Sheet, person: dict[str, Any]) -> None:
    """Domicile, other residence, phones and e-mail."""
    sheet.field("Domicile", p.address_lines(section(person, "AdresseDomicile")))
    residence = p.address_lines(section(person, "AdresseResidence"))
    if residence:
        sheet.field("Résidence (si différente)", residence)
    sheet.field("Téléphone", ", ".join(p.contacts(person, "TEL")))
    sheet.field("Courriel", ", ".join(p.contacts(person, "EMAIL")))


def lieu_et_date(sheet: Sheet, facts: DossierFacts, signer: str) -> None:
    """Where and when the request was made, and the box the signature would go in."""
    sheet.section("Lieu et date")
    made_on = long_date(in_paris(facts.submitted_at).date())
    sheet.paragraph(f"Renseignements déclarés en ligne par le demandeur le {made_on}, auprès "
                    f"de la commune de {facts.commune_name}.")
    sheet.field("Fait à", facts.commune_name)
    sheet.field("Le", made_on)
    signed = printable(signer)
    sheet.field("Signature", f"{signed} (dépôt en ligne)" if signed else "")


def pieces(sheet: Sheet, facts: DossierFacts) -> None:
    """The documents filed with the request, by kind."""
    if not facts.attachments:
        sheet.field("Pièces jointes", "aucune")
        return
    sheet.field("Pièces jointes", [
        f"{KIND_LABELS.get(a.kind, a.kind)} : {a.filename}" for a in facts.attachments
    ])
