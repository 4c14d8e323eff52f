"""The agents' daily work: triage signals, citizens' messages read, a completion's mail, the REU
step in bulk with its CSV, exports (the CSV as a spreadsheet reads it, the XLSX opened with
openpyxl cell by cell), notification preferences, charts, the partner API's list."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import update

from pipeline.commands.act import act_on_dossier
from pipeline.commands.communes import issue_token
from pipeline.commands.complete import complete_dossier
from pipeline.commands.message import send_citizen_message
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.lifecycle import Action
from pipeline.ops.schedule import send_reu_reminders
from pipeline.store.model import Mail, User
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import (
    ADMIN,
    AGENT,
    NOW,
    OPERATOR,
    PDF,
    Desk,
    ile_data,
    make_desk,
    rco_data,
    run_outbox,
    text_of,
)


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def accept(desk: Desk, reference: str) -> None:
    act_on_dossier(desk.ctx, desk.commune_id, reference, Action.ACCEPTER, actor=AGENT,
                   channel="web")
    run_outbox(desk.ctx)


# --- Triage signals ------------------------------------------------------------------------------


def test_citizen_message_shows_on_top_of_the_dossier_until_marked_read(desk: Desk) -> None:
    reference = desk.file()
    send_citizen_message(desk.ctx, desk.dossier(reference).id, "Je joins ma carte demain.")
    desk.login()

    listing = text_of(desk.client.get("/gestion"))
    page = text_of(desk.client.get(f"/gestion/dossiers/{reference}"))

    assert "1 message de l'usager non lu" in listing
    top = page[page.index("<h1>"):page.index('id="etat"')]
    assert "Messages de l'usager non lus (1)" in top and "Je joins ma carte demain." in top

    read = desk.post(f"/gestion/dossiers/{reference}/lu",
                     form_page=f"/gestion/dossiers/{reference}")

    assert read.status_code == 303
    page = text_of(desk.client.get(f"/gestion/dossiers/{reference}"))
    assert "Messages de l'usager non lus" not in page
    assert "Je joins ma carte demain." in page  # still in the history
    assert "message de l'usager non lu" not in text_of(desk.client.get("/gestion"))


def test_a_completion_is_flagged_and_its_mail_says_so_with_the_citizens_note(desk: Desk) -> None:
    data = rco_data()
    reference = desk.file(data=data, attachments=[
        IncomingAttachment("justificatif_identite", "cni.pdf", PDF)])  # no livret: incomplete
    assert desk.dossier(reference).status == "incomplete"
    complete_dossier(desk.ctx, desk.dossier(reference).id,
                     [IncomingAttachment("livret_famille", "livret.pdf", PDF)],
                     actor="lucas.martin@example.org", channel="web",
                     comment="Voici le livret de famille.")
    run_outbox(desk.ctx)
    desk.login()

    mails = desk.mails(recipient="mairie@nice.example", purpose="agent_notification")
    assert [m.subject for m in mails] == [
        f"Dossier complété {reference} — RecensementCitoyen"]
    assert "Précision de l'usager : Voici le livret de famille." in mails[0].body_text
    assert "Nouveau dossier" not in mails[0].body_text
    assert "Complété par l'usager" in text_of(desk.client.get("/gestion"))
    page = text_of(desk.client.get(f"/gestion/dossiers/{reference}"))
    assert "Dossier complété par l'usager" in page and "Voici le livret de famille." in page


def test_bounced_address_points_to_check_overdue_and_duplicates_are_flagged(desk: Desk) -> None:
    first = desk.file("InscriptionListesElectorales", ile_data(),
                      at=NOW - timedelta(days=8))
    twin = desk.file("InscriptionListesElectorales", ile_data(first="JULIE"))
    other = desk.file()  # an RCO of someone else: no duplicate
    with desk.ctx.db.transaction() as session:
        session.execute(update(Mail).where(Mail.recipient == "julie.bernard@example.org")
                        .values(status="bounced"))
    desk.login()

    listing = text_of(desk.client.get("/gestion"))
    row = listing[listing.index(f">{first}<"):]
    row = row[:row.index("</tr>")]
    page = text_of(desk.client.get(f"/gestion/dossiers/{twin}"))

    assert "Décision en retard" in row and "Courriel de l'usager en erreur" in row
    assert "Doublon possible (1)" in row
    assert f'Doublon possible : <a href="/gestion/dossiers/{first}">{first}</a>' in page
    other_row = listing[listing.index(f">{other}<"):]
    assert "Doublon" not in other_row[:other_row.index("</tr>")]


# --- The REU step ------------------------------------------------------------------------------


def test_accepted_ile_are_marked_entered_in_the_reu_in_bulk(desk: Desk) -> None:
    references = [desk.file("InscriptionListesElectorales",
                            ile_data(name=name, email=f"{name.lower()}@example.org"))
                  for name in ("BERNARD", "PETIT", "ROUX")]
    for reference in references:
        accept(desk, reference)
    desk.login()

    listing = text_of(desk.client.get("/gestion/reu"))
    exported = desk.client.get("/gestion/reu.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig")), delimiter=";"))
    marked = desk.post("/gestion/reu", {"dossiers": references[:2], "date": "2026-03-12"},
                       form_page="/gestion/reu")
    run_outbox(desk.ctx)

    assert "3 demandes à saisir" in listing and "liste générale" in listing
    assert rows[0][:4] == ["Référence", "Nom de famille", "Nom d'usage", "Prénoms"]
    assert sorted(row[0] for row in rows[1:]) == sorted(references)
    assert marked.status_code == 303
    assert [desk.dossier(r).status for r in references] == ["closed", "closed", "transmitted"]
    after = text_of(desk.client.get("/gestion/reu"))
    assert "1 demande à saisir" in after and references[2] in after
    refused = desk.post("/gestion/reu", {"dossiers": references[2], "date": "2026-03-20"},
                        form_page="/gestion/reu")
    assert refused.status_code == 422 and "futur" in text_of(refused)


# --- Exports -----------------------------------------------------------------------------------


def test_the_lists_csv_is_what_a_french_spreadsheet_opens(desk: Desk) -> None:
    reference = desk.file(data=rco_data(name="DURAND", first="=Zoé"))
    desk.file(data=rco_data(name="MARTIN"))
    desk.login()

    response = desk.client.get("/gestion/exports/liste?format=csv&vue=rechercher&nom=durand")

    assert response.headers["Content-Disposition"].startswith("attachment")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:9] == ["Référence", "Numéro national", "Démarche", "Déposé le", "Reçu le",
                           "Clos le", "État", "Décision", "Motif"]
    assert len(rows) == 2 and rows[1][0] == reference
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Déposé le"] == "12/03/2026 10:30"  # Paris time
    assert record["Prénoms"] == "'=Zoé"  # never read as a formula
    assert (record["Date de naissance"], record["Lieu de naissance"]) == ("20/10/2009", "Nice")


def test_the_xlsx_has_typed_cells_a_frozen_header_and_filters(desk: Desk) -> None:
    first = desk.file("InscriptionListesElectorales", ile_data())
    accept(desk, first)
    refused = desk.file(data=rco_data(name="PETIT", email="petit@example.org"))
    act_on_dossier(desk.ctx, desk.commune_id, refused, Action.REFUSER, actor=AGENT,
                   channel="web", comment="Domicile hors de la commune.")
    run_outbox(desk.ctx)
    desk.login()

    response = desk.client.get("/gestion/exports/liste?format=xlsx&vue=rechercher&tri=date")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active

    assert response.mimetype.endswith("spreadsheetml.sheet")
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Référence", "Numéro national", "Démarche"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    rows = {row[0].value: {h: c for h, c in zip(header, row, strict=True)}
            for row in sheet.iter_rows(min_row=2)}
    ile, rco = rows[first], rows[refused]
    assert ile["Démarche"].value == "ILE" and rco["Démarche"].value == "RCO"
    assert ile["Déposé le"].value == datetime(2026, 3, 12, 10, 30)  # a date, Paris time
    assert ile["Déposé le"].number_format == "dd/mm/yyyy hh:mm"
    assert ile["Date de naissance"].value == datetime(1990, 6, 5)
    assert ile["Date de naissance"].number_format == "dd/mm/yyyy"
    assert ile["Décision"].value == "Demande acceptée"
    assert ile["Liste électorale"].value == "liste générale"
    assert ile["Clos le"].value is None
    assert rco["Décision"].value == "Demande refusée"
    assert rco["Motif"].value == "Domicile hors de la commune."
    assert rco["État"].value == "Dossier clos"
    assert rco["Clos le"].value == datetime(2026, 3, 12, 10, 30)
    assert rco["Liste électorale"].value is None


def test_the_ready_made_exports_take_a_period(desk: Desk) -> None:
    ile = desk.file("InscriptionListesElectorales", ile_data())
    accept(desk, ile)
    rco = desk.file()
    accept(desk, rco)
    desk.login()

    commission = desk.client.get("/gestion/exports/commission?format=csv&du=2026-03-01&au="
                                 "2026-03-31")
    census = desk.client.get("/gestion/exports/recenses?format=csv&du=2026-03-01")
    earlier = desk.client.get("/gestion/exports/recenses?format=csv&au=2026-02-28")
    backwards = desk.client.get("/gestion/exports/recenses?format=csv&du=2026-03-02&au="
                                "2026-03-01")

    commission_rows = commission.get_data().decode("utf-8-sig").splitlines()
    assert len(commission_rows) == 2 and commission_rows[1].startswith(ile)
    assert "Inscription acceptée" in commission_rows[1]
    census_rows = census.get_data().decode("utf-8-sig").splitlines()
    assert len(census_rows) == 2 and census_rows[1].startswith(rco)
    assert len(earlier.get_data().decode("utf-8-sig").splitlines()) == 1
    assert backwards.status_code == 422


# --- Preferences, charts, the partner API -------------------------------------------------------


def test_an_agent_chooses_a_daily_digest_at_an_hour(desk: Desk) -> None:
    desk.login()

    saved = desk.post("/gestion/notifications", {"choix": "recapitulatif", "heure": "17"},
                      form_page="/gestion/notifications")
    wrong = desk.post("/gestion/notifications", {"choix": "recapitulatif", "heure": "25"},
                      form_page="/gestion/notifications")

    assert saved.status_code == 303 and wrong.status_code == 422
    with desk.ctx.db.transaction() as session:
        user = session.query(User).filter_by(email=AGENT).one()
        assert (user.wants_notifications, user.digest_hour) == (False, 17)
    page = text_of(desk.client.get("/gestion/notifications"))
    assert 'value="recapitulatif" checked' in page and 'value="17" selected' in page


def test_charts_are_svg_with_their_table(desk: Desk) -> None:
    desk.file()
    desk.login(ADMIN)
    stats = text_of(desk.client.get("/gestion/statistiques"))
    desk.login(OPERATOR, client=(ops := desk.new_client()))
    trends = text_of(ops.get("/ops/tendances"))
    days = text_of(ops.get("/ops/tendances?periode=jours"))

    assert '<svg xmlns="http://www.w3.org/2000/svg"' in stats and 'role="img"' in stats
    assert "<script" not in stats + trends
    assert "Tableau des données : Dossiers déposés par semaine" in stats
    assert "RCO en cours" in stats
    assert "Débit : dossiers déposés et clos" in trends and "<polyline" in trends
    assert "Les 30 derniers jours" in days


def test_partner_lists_the_communes_dossiers_page_by_page(desk: Desk) -> None:
    references = [desk.file(at=NOW + timedelta(minutes=i)) for i in range(5)]
    desk.file(commune_id=desk.other_commune_id)
    token = issue_token(desk.ctx, "06088")
    client = desk.new_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    seen, cursor, pages = [], None, 0
    while True:
        answer = client.get("/api/v1/dossiers", query_string={"limit": 2, **(
            {"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["reference"] for item in answer["items"]]
        cursor, pages = answer["next_cursor"], pages + 1
        if cursor is None:
            break

    assert sorted(seen) == sorted(references) and pages == 3
    since = (NOW + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/dossiers", query_string={"updated_since": since}).get_json() \
        == {"items": [], "next_cursor": None}
    bad = client.get("/api/v1/dossiers?limit=0&status=perdu&cursor=xyz")
    assert bad.status_code == 400
    assert {f["field"] for f in bad.get_json()["fields"]} == {"limit", "status"}
    assert client.get("/api/v1/dossiers?cursor=xyz").status_code == 400



def test_reminders_to_enter_in_the_reu_go_once_before_the_registration_deadline(
        desk: Desk) -> None:
    reference = desk.file("InscriptionListesElectorales", ile_data())
    accept(desk, reference)
    # 14 days before the online deadline (3 March 2027) of the 2027 presidential election.
    desk.clock.instant = datetime(2027, 2, 17, 9, 0, tzinfo=UTC)

    sent = [send_reu_reminders(desk.ctx), send_reu_reminders(desk.ctx)]
    desk.clock.instant = datetime(2027, 2, 18, 9, 0, tzinfo=UTC)  # no reminder that day
    sent.append(send_reu_reminders(desk.ctx))

    assert sent == [1, 0, 0]
    [reminder] = desk.mails(recipient="mairie@nice.example", purpose="reu_reminder")
    assert reminder.subject == ("Rappel : 1 inscription(s) à saisir au REU avant le "
                                "03/03/2027")
    assert "dans 14 jours" in reminder.body_text
    assert "http://teledossier.test/gestion/reu" in reminder.body_text
