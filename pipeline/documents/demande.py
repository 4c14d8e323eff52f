"""The ILE request, pre-filled, laid out after cerfa 12669*02 (French nationals)."""

from __future__ import annotations

from pipeline.documents import blocks
from pipeline.documents import person as p
from pipeline.documents.facts import DossierFacts
from pipeline.domain.demarches.ile import LATE_REASONS
from pipeline.domain.demarches.layout import section

TITLE = "Demande d'inscription sur les listes électorales"
SUBTITLE = "À l'usage des citoyens français (articles L11 à L18 du code électoral)"
MODEL = "Établie d'après le modèle cerfa n° 12669*02 — données déposées en ligne"
#: The ties to the commune, in the form's order (one is enough).
TIES = (
    ("DOMICILE", "Domicile dans la commune"),
    ("RESIDENCE", "Résidence depuis 6 mois au moins"),
    ("CONTRIBUABLE", "Inscription au rôle des contributions locales depuis 2 ans"),
    ("GERANT", "Gérant ou associé d'une société inscrite au rôle depuis 2 ans"),
    ("FONCTIONNAIRE", "Fonctionnaire astreint à résidence"),
    ("PARENT", "Domicile d'un parent (moins de 26 ans)"),
)


def render_demande(facts: DossierFacts) -> bytes:
    """Return the pre-filled request of an ILE dossier as PDF bytes."""
    person = section(facts.data, "Personne")
    sheet = blocks.headed_sheet(facts, "demande", TITLE, SUBTITLE, MODEL)

    sheet.section("État civil")
    blocks.etat_civil(sheet, person)
    sheet.field("Nationalité", p.nationality_label(p.field(person, "Nationalite")))

    sheet.section("Adresse")
    blocks.adresse(sheet, person)

    sheet.section("Attache avec la commune")
    motif = p.field(section(facts.data, "Rattachement"), "Motif").upper() or "DOMICILE"
    sheet.choices("Je demande mon inscription au titre de", [
        (label, code == motif) for code, label in TIES
    ])

    sheet.section("Situation électorale antérieure")
    previous = section(facts.data, "InscriptionPrecedente")
    sheet.field("Précédemment inscrit(e) à", _previous(previous))
    sheet.field("Code INSEE de cette commune", p.field(previous, "CodeINSEE"))

    sheet.section("Scrutin visé")
    election = section(facts.data, "Election")
    sheet.field("Date du premier tour", p.field(election, "Date"))
    sheet.field("Élection", p.field(election, "Type").capitalize())
    late = p.field(facts.data, "MotifTardif").upper()
    sheet.field("Motif d'inscription tardive", LATE_REASONS.get(late, late).capitalize())

    sheet.section("Pièces justificatives")
    blocks.pieces(sheet, facts)
    blocks.lieu_et_date(sheet, facts, p.display_name(person))
    return sheet.finish()


def _previous(previous: dict[str, str]) -> str:
    town = p.field(previous, "Localite")
    country = p.field(previous, "Pays")
    if country and country != "FRA":
        return f"{town}, {p.country_label(country)}" if town else p.country_label(country)
    return town
