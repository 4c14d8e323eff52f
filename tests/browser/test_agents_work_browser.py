"""An agent's daily work in Chromium: the list's triage badges and its width on a desktop
screen, the export downloaded, the digest chosen, accepted ILE marked « saisi au REU »."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from pipeline.commands.message import send_citizen_message
from tests.browser.live import LiveApp, reload_until

pytestmark = pytest.mark.browser

ILE = "InscriptionListesElectorales"
ILE_PERSON = {"DateNaissance": "05/06/1990", "Nationalite": "FRA"}


def test_triage_badges_show_in_the_list_and_the_message_until_read(live_app: LiveApp,
                                                                  page: Page) -> None:
    dossier_id, reference = live_app.file_dossier()
    live_app.wait_transmitted(dossier_id)
    _, twin = live_app.file_dossier("autre.adresse@example.org")  # the same person again
    send_citizen_message(live_app.runtime.ctx, dossier_id, "Mon livret arrive demain.")
    live_app.log_in(page, live_app.user("agent"))

    reload_until(page, "Doublon possible")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference,
                                                              exact=True))
    expect(row.get_by_role("listitem")).to_contain_text(["1 message de l'usager non lu",
                                                         "Doublon possible (1)"])
    # At 1280 px, a reference stays on one line.
    link = row.get_by_role("link", name=reference, exact=True)
    assert link.evaluate("element => element.getClientRects().length") == 1

    link.click()
    messages = page.get_by_role("region", name=re.compile("Messages de l'usager non lus"))
    expect(messages).to_contain_text("Mon livret arrive demain.")
    expect(page.get_by_role("link", name=twin)).to_be_visible()  # the possible duplicate
    messages.get_by_role("button", name="Marquer comme lu").click()
    expect(page.get_by_role("status")).to_contain_text("marqués comme lus")
    expect(page.get_by_role("region", name=re.compile("Messages de l'usager"))).to_have_count(0)


def test_the_list_is_exported_as_xlsx_and_csv(live_app: LiveApp, page: Page) -> None:
    dossier_id, reference = live_app.file_dossier()
    live_app.wait_transmitted(dossier_id)
    live_app.log_in(page, live_app.user("agent"))

    with page.expect_download() as download:
        page.get_by_role("link", name="classeur Excel (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="tableur CSV").click()
    text = csv_download.value.path().read_text(encoding="utf-8-sig")

    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = book.active
    assert sheet["A1"].value == "Référence" and sheet["A2"].value == reference
    assert sheet.freeze_panes == "A2"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][0] == reference and "Dupont" in rows[1]


def test_an_agent_chooses_a_daily_digest(live_app: LiveApp, page: Page) -> None:
    live_app.log_in(page, live_app.user("agent"))

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes notifications").click()
    page.get_by_label(re.compile("^Un récapitulatif par jour")).check()
    page.get_by_label(re.compile("^Heure du récapitulatif")).select_option(label="17 h 00")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("status")).to_contain_text("un récapitulatif chaque jour à 17 h")
    page.reload()
    expect(page.get_by_label(re.compile("^Un récapitulatif par jour"))).to_be_checked()
    expect(page.get_by_label(re.compile("^Heure du récapitulatif"))).to_have_value("17")


def test_accepted_ile_are_marked_saisi_au_reu_from_their_list(live_app: LiveApp,
                                                              page: Page) -> None:
    filed = [live_app.file_dossier(f"electeur{i}@example.org", demarche=ILE,
                                   person={**ILE_PERSON, "NomFamille": f"Electeur{i}"},
                                   pieces=("justificatif_identite", "justificatif_domicile"))
             for i in range(2)]
    for dossier_id, _ in filed:
        live_app.wait_transmitted(dossier_id)
    live_app.log_in(page, live_app.user("agent"))
    for _, reference in filed:
        page.goto(f"{live_app.url}/gestion/dossiers/{reference}")
        page.get_by_label("Nouvel état du dossier").select_option(
            label="Demande acceptée — à saisir ensuite au REU")
        page.get_by_role("button", name="Envoyer", exact=True).click()
        page.get_by_role("button", name=re.compile("^Confirmer")).click()
        expect(page.get_by_role("status")).to_contain_text("Demande acceptée")

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="À saisir au REU").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À saisir au REU")
    table = page.get_by_role("table", name=re.compile("^Demandes acceptées à saisir"))
    expect(table.get_by_role("row")).to_have_count(3)
    for _, reference in filed:
        page.get_by_label(f"Saisi au REU : {reference}").check()
    page.get_by_role("button", name="Marquer saisis au REU").click()

    expect(page.get_by_role("status")).to_contain_text("2 dossier(s) marqué(s) saisi(s) au REU")
    expect(page.get_by_text("Aucune demande acceptée n'attend sa saisie au REU.")).to_be_visible()
    for dossier_id, _ in filed:
        live_app.wait_status(dossier_id, "closed")
