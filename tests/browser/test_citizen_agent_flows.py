"""A citizen and an agent, each in Chromium, through the pages only: an RCO filed, accepted and
its attestation downloaded; an ILE refused with a motive. The pipeline runs behind the pages
(``live_app``): each page is reloaded until its step shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from pipeline.documents import verify_attestation
from pipeline.documents.stored import trusted_communes
from tests.browser.live import (
    LiveApp,
    attach,
    born_years_ago,
    fill_form,
    minimal_pdf,
    minimal_png,
    reload_until,
)

pytestmark = pytest.mark.browser


def menu(page: Page, name: str) -> Locator:
    """A link of the main menu."""
    return page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name)


def file_request(page: Page, heading: str, fields: dict[str, str],
                 pieces: dict[str, tuple[str, bytes]]) -> str:
    """From « Faire une démarche »: fill the form, join the files, check the recap, send;
    return the Numéro de télédossier read on the confirmation page."""
    menu(page, "Faire une démarche").click()
    page.get_by_role("link", name=heading).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    fill_form(page, fields)
    for piece, (filename, content) in pieces.items():
        attach(page, piece, filename, content)
    page.get_by_role("button", name="Continuer vers le récapitulatif").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Récapitulatif de votre demande")
    for piece, (filename, _) in pieces.items():
        expect(page.get_by_role("listitem").filter(has_text=f"{piece} : {filename}")
               ).to_be_visible()
    page.get_by_role("button", name="Valider et envoyer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande a été envoyée")
    expect(page.get_by_role("status")).to_contain_text(f"Votre demande « {heading} »")
    found = re.search(r"Numéro de télédossier : (TD-\S+)", page.get_by_role("main").inner_text())
    assert found, page.get_by_role("main").inner_text()
    return found.group(1)


def decide(page: Page, choice: str, comment: str) -> None:
    """On the agent's dossier page: « Nouvel état du dossier », « Nouveau commentaire »,
    « Envoyer », then the confirmation a closing choice asks for."""
    page.get_by_label("Nouvel état du dossier").select_option(label=choice)
    page.get_by_label("Nouveau commentaire").fill(comment)
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirmer : {choice}")
    expect(page.get_by_role("row", name=re.compile("^Commentaire transmis à l'usager"))
           ).to_contain_text(comment)
    page.get_by_role("button", name=f"Confirmer : {choice}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Suivi de la démarche pour votre instruction")


def open_space(page: Page) -> None:
    """Open the espace confidentiel from the menu."""
    with page.expect_response(re.compile(r"/espace$")) as answer:
        menu(page, "Espace confidentiel").click()
    assert answer.value.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace confidentiel")


def test_an_rco_with_two_files_is_accepted_and_its_attestation_downloaded(
        live_app: LiveApp, new_page: Callable[[], Page]) -> None:
    citizen = new_page()
    live_app.sign_up(citizen, "lea.dupont@example.org")
    reference = file_request(citizen, "Recensement citoyen obligatoire", {
        "Sexe": "Féminin", "Nom de famille (nom de naissance)": "Dupont",
        "Prénom usuel": "Léa", "Date de naissance": born_years_ago(16, 20),
        "Commune de naissance": "Lyon", "Numéro dans la voie": "12", "Voie": "rue Haute",
        "Code postal": "99999", "Commune": "Démoville",
        "Nom de famille de la mère": "Dupont", "Prénom de la mère": "Sophie",
    }, {
        "Justificatif d'identité et de nationalité": (
            "carte-identite.pdf", minimal_pdf("Carte nationale d'identite - DUPONT Lea")),
        "Livret de famille": ("livret-de-famille.png", minimal_png()),
    })

    agent = new_page()
    live_app.log_in(agent, live_app.user("agent"))
    menu(agent, "Rechercher").click()
    agent.get_by_label("Numéro de télédossier").fill(reference)
    agent.get_by_role("button", name="Rechercher").click()
    reload_until(agent, "Dossier transmis au service traitant")  # validated by the pipeline
    row = agent.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Léa Dupont")
    row.get_by_role("link", name=reference).click()
    expect(agent.get_by_role("row", name=re.compile("^Numéro de télédossier"))
           ).to_contain_text(reference)
    expect(agent.get_by_role("listitem").filter(has_text="carte-identite.pdf")).to_be_visible()
    expect(agent.get_by_role("listitem").filter(has_text="livret-de-famille.png")
           ).to_be_visible()
    decide(agent, "Demande acceptée — Dossier clos", "Bienvenue, votre recensement est fait.")
    expect(agent.get_by_role("status")).to_contain_text("Demande acceptée")

    # The pipeline signs the attestation, deposits it, closes the dossier.
    menu(citizen, "Tableau de bord de suivi").click()
    citizen.get_by_role("link", name=reference).click()
    reload_until(citizen, "Dossier clos — demande acceptée")
    expect(citizen.get_by_role("definition").filter(
        has_text="Bienvenue, votre recensement est fait.")).to_be_visible()
    attestation = f"attestation-recensement-{reference}.pdf"
    expect(citizen.get_by_role("link", name=attestation)).to_be_visible()

    open_space(citizen)
    expect(citizen.get_by_role("row").filter(has_text=attestation)).to_contain_text(
        "Attestation de recensement")
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name=f"Télécharger {attestation}").click()
    download = download_info.value
    pdf = Path(download.path()).read_bytes()

    assert download.suggested_filename == attestation
    assert pdf.startswith(b"%PDF-")
    with live_app.runtime.ctx.db.transaction() as session:
        trusted = trusted_communes(session)
    # Off this thread: pyHanko runs its own event loop, and Playwright's runs in this one.
    with ThreadPoolExecutor(1) as executor:
        verdict = executor.submit(verify_attestation, pdf, trusted).result()
    assert verdict.genuine, verdict.reason
    assert verdict.facts["reference"] == reference


def test_an_ile_refused_with_a_motive_shows_it_and_the_refusal_notice(
        live_app: LiveApp, new_page: Callable[[], Page]) -> None:
    account = live_app.citizen("camille.durand@example.org")
    citizen = new_page()
    live_app.citizen_log_in(citizen, account)
    reference = file_request(citizen, "Inscription sur les listes électorales", {
        "Civilité": "Madame", "Sexe": "Féminin",
        "Nom de famille (nom de naissance)": "Durand", "Prénom usuel": "Camille",
        "Date de naissance": "02/05/1990", "Commune de naissance": "Lyon",
        "Nationalité": "Française", "Voie": "place de la Mairie", "Code postal": "99999",
        "Commune": "Démoville",
        "Motif de l'inscription dans cette commune": "J'ai mon domicile dans la commune",
    }, {
        "Justificatif d'identité et de nationalité": ("passeport.pdf",
                                                      minimal_pdf("Passeport - DURAND Camille")),
        "Justificatif de domicile": ("facture.png", minimal_png()),
    })

    agent = new_page()
    live_app.log_in(agent, live_app.user("agent"))
    expect(agent.get_by_role("heading", level=1)).to_have_text("Télédossiers à traiter")
    reload_until(agent, reference)  # listed once validated and transmitted
    agent.get_by_role("link", name=reference).click()
    expect(agent.get_by_role("row", name=re.compile("^Identifiant de la démarche"))
           ).to_contain_text("InscriptionListesElectorales")
    motive = ("Le justificatif de domicile est au nom d'un tiers, sans attestation "
              "d'hébergement.")
    decide(agent, "Demande refusée — Dossier clos", motive)
    expect(agent.get_by_role("status")).to_contain_text("Demande refusée")

    menu(citizen, "Tableau de bord de suivi").click()
    citizen.get_by_role("link", name=reference).click()
    reload_until(citizen, "Dossier clos — demande refusée")
    expect(citizen.get_by_role("definition").filter(has_text=motive)).to_be_visible()
    history = citizen.get_by_role("list").filter(has_text="Demande refusée")
    expect(history).to_contain_text(motive)

    notice = f"refus-inscription-{reference}.pdf"
    expect(citizen.get_by_role("link", name=notice)).to_be_visible()

    open_space(citizen)
    expect(citizen.get_by_role("row").filter(has_text=notice)).to_contain_text(
        "Décision de refus")
    expect(citizen.get_by_role("link", name=f"Télécharger {notice}")).to_be_visible()
