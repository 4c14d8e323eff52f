"""The RCO notice individuelle de recensement, pre-filled, laid out after cerfa 10870*07."""

from __future__ import annotations

from typing import Any

from pipeline.documents import blocks
from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.documents.layout import Sheet
from pipeline.documents.text import printable
from pipeline.domain.demarches.layout import as_list, section

TITLE = "Notice individuelle de recensement"
SUBTITLE = "Recensement citoyen obligatoire (article L113-1 du code du service national)"
MODEL = "Établie d'après le modèle cerfa n° 10870*07 — données déposées en ligne"


def render_notice(facts: DossierFacts) -> bytes:
    """Return the pre-filled notice of an RCO dossier as PDF bytes."""
    person = section(facts.data, "Personne")
    sheet = blocks.headed_sheet(facts, "notice", TITLE, SUBTITLE, MODEL)

    sheet.section("Mode de recensement")
    formalite = section(facts.data, "Formalite")
    motifs = [printable(m) for m in as_list(formalite.get("FormaliteMotifCode"))]
    sheet.choices("Recensement", [("En mairie", False), ("En ligne", True)])
    sheet.field("Identifiant de la formalité", p.field(formalite, "Identifiant"))
    sheet.field("Motif", ", ".join(dict.fromkeys(m.capitalize() for m in motifs if m)))

    sheet.section("État civil")
    sheet.field("Civilité", p.coded(p.field(person, "Civilite"), p.CIVILITIES))
    blocks.etat_civil(sheet, person)

    sheet.section("Filiation")
    _parent(sheet, section(facts.data, "FiliationPere"), "Père")
    _parent(sheet, section(facts.data, "FiliationMere"), "Mère")

    sheet.section("Nationalité")
    nationality = p.field(person, "Nationalite")
    sheet.field("Nationalité", p.nationality_label(nationality))
    sheet.field("Justifiée par", _proof_of_nationality(facts))

    sheet.section("Adresse")
    blocks.adresse(sheet, person)

    sheet.section("Situation de famille")
    family = section(person, "SituationFamille")
    sheet.field("Situation matrimoniale",
                p.coded(p.field(family, "SituationMatrimoniale"), p.MARITAL))
    sheet.field("Nombre d'enfants", p.field(family, "NombreEnfants"))
    sheet.field("Pupille de la Nation", p.yes_no(p.field(family, "Pupille")))
    sheet.field("Nombre de frères et sœurs", p.field(family, "NombreFrereSoeur"))

    sheet.section("Situation scolaire ou professionnelle")
    sheet.field("Situation", p.describe(person.get("SituationScolaireOuProfessionnelle")))

    sheet.section("Demande d'exemption de la journée défense et citoyenneté")
    exemption = p.describe(person.get("DemandeExemption"))
    card = any(a.kind == "carte_invalidite" for a in facts.attachments)
    sheet.choices("Exemption demandée", [("Oui", bool(exemption) or card),
                                         ("Non", not (exemption or card))])
    sheet.field("Précisions", exemption)
    sheet.field("Carte d'invalidité jointe", "Oui" if card else "")

    sheet.section("Pièces justificatives")
    blocks.pieces(sheet, facts)
    blocks.lieu_et_date(sheet, facts, p.display_name(person))
    return sheet.finish()


def _parent(sheet: Sheet, parent: dict[str, Any], who: str) -> None:
    sheet.field(f"{who} — nom de famille", p.family_name(parent))
    sheet.field(f"{who} — prénom(s)", p.first_names(parent))
    sheet.field(f"{who} — date de naissance", p.birth_date(parent))
    sheet.field(f"{who} — lieu de naissance", p.birth_place(parent))
    sheet.field(f"{who} — nationalité", p.nationality_label(p.field(parent, "Nationalite")))


def _proof_of_nationality(facts: DossierFacts) -> str:
    # Nationality is proven by the identity document, not by a field (domain.md).
    filed = any(a.kind == "justificatif_identite" for a in facts.attachments)
    return "Justificatif d'identité et de nationalité joint" if filed else ""
