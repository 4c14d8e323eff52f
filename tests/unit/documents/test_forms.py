"""The pre-filled forms, récépissé and refusal: French, accents right, blanks, nothing overflows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from pipeline.documents import (
    DossierFacts,
    render_demande,
    render_form,
    render_notice,
    render_recepisse,
    render_refus,
)
from pipeline.documents.layout import MARGIN, PAGE_HEIGHT, PAGE_WIDTH
from pipeline.documents.pdftext import labelled_values, page_text, pages, shown_strings
from pipeline.domain.demarches.ile import RAPO_NOTICE

#: Words that betray a missing value printed as a value.
LEAKS = re.compile(r"\b(None|null|nan|NaN|undefined)\b")


def refus(facts: DossierFacts) -> bytes:
    motive = "Vous aurez 18 ans le 01/05/2026. " + RAPO_NOTICE
    return render_refus(facts, motive=motive, decided_on=date(2026, 3, 12),
                        mayor_name="Jeanne Dupré-Lefèvre")


RENDERERS: dict[str, Callable[[DossierFacts], bytes]] = {
    "notice": render_notice, "demande": render_demande, "recepisse": render_recepisse,
    "refus": refus,
}


def assert_well_printed(pdf: bytes) -> None:
    """No leaked null, every line inside the page's margins."""
    shown = shown_strings(pdf)
    assert shown
    for item in shown:
        assert not LEAKS.search(item.text), item
        width = stringWidth(item.text, item.font, item.size)
        assert item.x >= MARGIN - 9, item  # the QR code's caption sits a little left
        assert item.x + width <= PAGE_WIDTH - MARGIN + 0.5, item
        assert 0 < item.y < PAGE_HEIGHT, item


@pytest.mark.parametrize("kind", sorted(RENDERERS))
@pytest.mark.parametrize("dossier", ["rco", "bare_rco", "long_rco", "ile"])
def test_every_document_renders_well_for_every_kind_of_dossier(
        kind: str, dossier: str, request: pytest.FixtureRequest) -> None:
    facts = request.getfixturevalue(dossier)

    pdf = RENDERERS[kind](facts)

    assert pdf.startswith(b"%PDF-")
    assert_well_printed(pdf)


def test_notice_follows_the_cerfa_sections_with_the_dossier_values(rco: DossierFacts) -> None:
    text = page_text(render_notice(rco))

    for section in ("Mode de recensement", "État civil", "Filiation", "Nationalité", "Adresse",
                    "Situation de famille", "Situation scolaire ou professionnelle",
                    "Demande d'exemption de la journée défense et citoyenneté",
                    "Lieu et date", "cerfa n° 10870*07"):
        assert section in text
    for value in ("MARTIN-ÉTIENNE", "Lucas, Pierre Jean", "15/01/2010", "Lille (59000)",
                  "12 RUE des Lilas", "99999 Démoville", "lucas.martin@example.fr",
                  "06 12 34 56 78", "Célibataire", "Cœur-Anaïs", "Roubaix", "Lycée Faidherbe",
                  "TD-ABCDEFGH7", "1er mars 2026"):
        assert value in text


def test_missing_parents_leave_blank_fields(bare_rco: DossierFacts) -> None:
    values = labelled_values(shown_strings(render_notice(bare_rco)))

    assert values["Père — nom de famille"] == ""
    assert values["Mère — prénom(s)"] == ""
    assert values["Nom d'usage"] == ""
    assert values["Prénom(s)"] == "Hachemi"


def test_long_names_wrap_over_several_lines_and_keep_every_letter(
        long_rco: DossierFacts) -> None:
    shown = shown_strings(render_notice(long_rco))
    values = labelled_values(shown)

    name_lines = [s for s in shown if s.text and s.text in values["Nom de famille (de naissance)"]]
    assert len(name_lines) > 3
    assert "".join(values["Nom de famille (de naissance)"].split()) == "".join(
        ("DE LA TOUR D'AUVERGNE-LAURAGUAIS-" * 5 + "X" * 120).split())
    # Letters the standard fonts lack lose their accent, never become boxes.
    assert "Zaneta Lucja Ors" in values["Prénom(s)"]


def test_demande_ticks_the_tie_to_the_commune_and_names_the_election(ile: DossierFacts) -> None:
    text = page_text(render_demande(ile))

    for value in ("cerfa n° 12669*02", "DURAND", "LEFÈVRE", "Chloé", "04/07/1990",
                  "Résidence depuis 6 mois au moins", "Nantes", "44109", "15/03/2026",
                  "Municipales", "Acquisition de la nationalité française", "place de l'Église"):
        assert value in text


def test_recepisse_lists_the_filing_time_and_every_piece(rco: DossierFacts) -> None:
    text = page_text(render_recepisse(rco))

    for value in ("Récépissé de dépôt", "TD-ABCDEFGH7", "RecensementCitoyen",
                  "Démoville (code INSEE 99999)", "01/03/2026 à 10 h 12", "cni recto.pdf",
                  "Livret de famille", "livret.jpg", "781 Ko", "Justificatif d'identité"):
        assert value in text


def test_refusal_gives_the_motive_and_the_five_day_rapo_once(ile: DossierFacts) -> None:
    text = page_text(refus(ile))

    assert "Vous aurez 18 ans le 01/05/2026." in text
    assert "recours administratif préalable" in text
    assert "commission de contrôle" in text
    assert "5 jours" in text
    assert text.count("recours administratif préalable obligatoire") == 1


def test_same_dossier_gives_the_same_bytes(rco: DossierFacts, ile: DossierFacts) -> None:
    assert render_notice(rco) == render_notice(rco)
    assert render_form(ile) == render_demande(ile)


def test_forms_are_a4(rco: DossierFacts) -> None:
    for page in pages(render_notice(rco)):
        assert [round(float(v)) for v in page["/MediaBox"]] == [0, 0, 595, 842]
