"""The dossier page: what it shows, « Nouvel état du dossier », deposits and the ZIP."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, update
from werkzeug.test import TestResponse

from pipeline.store.model import CitizenDocument, Dossier, DossierDocument, Mail
from teledossier.bootstrap import Runtime
from tests.integration.web.test_agents import (
    AGENT,
    JPEG,
    PDF,
    Desk,
    csrf_of,
    ile_data,
    make_desk,
    rco_data,
    run_outbox,
    text_of,
)
from tests.pdfs import stored

CITIZEN = "lucas.martin@example.org"


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def page_of(desk: Desk, reference: str) -> str:
    response = desk.client.get(f"/gestion/dossiers/{reference}")
    assert response.status_code == 200
    return text_of(response)


def send_state(desk: Desk, reference: str, action: str, comment: str = "",
               **extra: str) -> TestResponse:
    return desk.post(f"/gestion/dossiers/{reference}/etat",
                     {"action": action, "commentaire": comment, **extra},
                     form_page=f"/gestion/dossiers/{reference}")


def options_of(page: str) -> list[str]:
    select_ = page[page.index('<select id="action"'):page.index("</select>")]
    return re.findall(r'<option value="([a-z]+)"', select_)


# --- What the page shows ----------------------------------------------------------------------


def test_dossier_page_shows_the_seed_labels_fields_report_pieces_and_history(desk: Desk) -> None:
    national = rco_data()
    national["Formalite"]["Identifiant"] = "A-9-NKT2G5KB"
    reference = desk.file(data=national)
    desk.login()

    page = page_of(desk, reference)

    for words in ("Suivi de la démarche pour votre instruction", "Numéro de télédossier",
                  "Identifiant de la démarche", "RecensementCitoyen", "Intitulé",
                  "Démarche d'inscription à la journée d'appel de préparation à la défense",
                  "Adresse courriel de l'usager", CITIZEN, "12/03/2026 10:30",
                  "Télécharger les éléments du dossier", "Nouvel état du dossier",
                  "Nouveau commentaire", "Envoyer", "État actuel du dossier",
                  "Dossier transmis au service traitant", "Dernier commentaire",
                  "Pièces jointes déposables", "Attestation — taille maximum : 1024 Ko",
                  "Ajouter un exemplaire", "A-9-NKT2G5KB"):
        assert words in page, words
    # The fields, with French labels and readable values (never "None").
    for words in ("Nom de famille", "MARTIN", "Prénom usuel", "Lucas", "Date de naissance",
                  "20/10/2009", "Civilité", "Monsieur (M)", "Sexe", "Masculin (1)",
                  "Adresse du domicile", "3 RUE des Lilas", "06000 Nice",
                  "Courriel : lucas.martin@example.org", "Téléphone : 0600000000",
                  "Filiation — père", "Paul"):
        assert words in page, words
    assert "None" not in page and "null" not in page
    # The validation report: born October 2009, filed in March 2026, a late census.
    assert "Rapport de vérification" in page and "régularisation" in page
    # The pieces, viewable in the browser.
    assert "Justificatif d'identité et de nationalité" in page and "cni.pdf" in page
    assert "Livret de famille" in page
    # The history: filed, then transmitted by the pipeline.
    history = page[page.index('id="historique"'):]
    assert "Dossier déposé" in history and "Dossier transmis au service traitant" in history
    assert "traitement automatique" in history
    assert options_of(page) == ["message", "recu", "completer", "accepter", "refuser", "clore"]
    assert "Récépissé de dépôt" in page  # a document of the commune


def test_pieces_download_sandboxed_and_only_images_open_inline(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    dossier = desk.dossier(reference)
    with desk.ctx.db.transaction() as session:
        pieces = {a.filename: a.id for a in session.scalars(select(Dossier).where(
            Dossier.id == dossier.id)).one().attachments}
    page = page_of(desk, reference)
    path = f"/gestion/dossiers/{reference}/pieces/{pieces['cni.pdf']}"
    assert f'href="{path}"' in page

    opened = desk.client.get(path)
    image_path = f"/gestion/dossiers/{reference}/pieces/{pieces['piece.jpg']}"
    image = desk.client.get(image_path)
    image_download = desk.client.get(f"{image_path}?telecharger=1")
    download = desk.client.get(f"{path}?telecharger=1")

    # An uploaded PDF never opens in the page: it may have been made to run there.
    assert opened.status_code == 200 and opened.data == stored(PDF)
    assert opened.mimetype == "application/pdf"
    assert opened.headers["Content-Disposition"].startswith("attachment")
    assert "cni.pdf" in opened.headers["Content-Disposition"]
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert image.mimetype == "image/jpeg" and image.data == JPEG
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image_download.headers["Content-Disposition"].startswith("attachment")
    for response in (opened, download, image, image_download):
        assert response.headers["Content-Security-Policy"].startswith("sandbox;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert desk.client.get(f"/gestion/dossiers/{reference}/pieces/999999").status_code == 404


def test_a_prepared_refusal_motive_is_shown_as_a_suggestion(desk: Desk) -> None:
    data = rco_data()
    data["Personne"]["DateNaissance"] = "01/01/1995"  # 31 years old: outside the census window
    reference = desk.file(data=data)
    desk.login()

    page = page_of(desk, reference)

    assert "Motif de refus préparé (suggestion)" in page
    assert "n'est plus possible à partir de 25 ans" in page


def test_bounced_mail_to_the_citizen_is_warned_about(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    assert "n'ont pas été remis" not in page_of(desk, reference)
    with desk.ctx.db.transaction() as session:
        session.execute(update(Mail).where(Mail.recipient == CITIZEN).values(status="bounced"))

    assert "n'ont pas été remis" in page_of(desk, reference)


# --- Nouvel état du dossier ---------------------------------------------------------------------


def test_received_with_a_comment_changes_the_state_and_mails_the_citizen(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    response = send_state(desk, reference, "recu", "Bien reçu, nous traitons votre demande.")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/gestion/dossiers/{reference}"
    assert desk.dossier(reference).status == "received"
    [mail] = desk.mails(CITIZEN, "status_change")
    assert "Dossier reçu par le service traitant" in mail.subject
    assert "Bien reçu, nous traitons votre demande." in mail.body_text
    page = page_of(desk, reference)
    assert "Nouvel état enregistré" in page
    state = page[page.index("État actuel du dossier"):page.index('id="depot"')]
    assert "Dossier reçu par le service traitant" in state
    assert "Bien reçu, nous traitons votre demande." in state  # Dernier commentaire
    history = page[page.index('id="historique"'):]
    assert AGENT in history and "Gestionnaire de suivi" in history
    assert "recu" not in options_of(page)


def test_an_illegal_action_shows_its_reason_and_changes_nothing(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    send_state(desk, reference, "recu")
    before = desk.history_count(reference), len(desk.mails())

    response = send_state(desk, reference, "recu", "Encore ?")

    assert response.status_code == 409
    page = text_of(response)
    assert "le dossier est déjà reçu par le service traitant" in page
    assert "Le dossier n'a pas changé." in page
    assert 'aria-describedby="erreur-action"' in page and "Encore ?" in page  # comment kept
    assert (desk.history_count(reference), len(desk.mails())) == before
    assert desk.dossier(reference).status == "received"


def test_asking_to_complete_needs_a_motive_beside_the_comment(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    response = send_state(desk, reference, "completer")

    assert response.status_code == 422
    assert "ce que l'usager doit fournir" in text_of(response)
    assert "erreur-commentaire" in text_of(response)
    assert desk.dossier(reference).status == "transmitted"
    done = send_state(desk, reference, "completer", "Merci de joindre le livret de famille.")
    assert done.status_code == 303 and desk.dossier(reference).status == "incomplete"


def test_closing_asks_for_a_confirmation_first(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    asked = send_state(desk, reference, "clore", "Dossier traité.")

    assert asked.status_code == 200
    page = text_of(asked)
    assert "Confirmer : Dossier clos" in page and reference in page and "Dossier traité." in page
    assert 'name="confirme" value="oui"' in page
    assert desk.dossier(reference).status == "transmitted"
    assert desk.dossier(reference).stage is None

    confirmed = desk.client.post(f"/gestion/dossiers/{reference}/etat", data={
        "csrf_token": csrf_of(page), "action": "clore", "commentaire": "Dossier traité.",
        "confirme": "oui"})
    run_outbox(desk.ctx)

    assert confirmed.status_code == 303
    closed = desk.dossier(reference)
    assert closed.status == "closed" and closed.outcome is None
    assert reference not in text_of(desk.client.get("/gestion"))
    assert reference in text_of(desk.client.get("/gestion/archives"))
    assert "Dossier traité." in desk.mails(CITIZEN, "closed")[0].body_text


def test_refusing_without_comment_applies_the_prepared_motive_after_confirmation(
        desk: Desk) -> None:
    data = rco_data()
    data["Personne"]["DateNaissance"] = "01/01/1995"
    reference = desk.file(data=data)
    desk.login()

    asked = send_state(desk, reference, "refuser")
    assert "Demande refusée — Dossier clos" in text_of(asked)
    assert "Motif préparé par la vérification" in text_of(asked)
    send_state(desk, reference, "refuser", confirme="oui")
    run_outbox(desk.ctx)

    refused = desk.dossier(reference)
    assert (refused.status, refused.outcome) == ("closed", "refused")
    assert "25 ans" in desk.mails(CITIZEN, "closed")[0].body_text


def test_accepting_an_ile_request_leaves_it_to_enter_in_the_reu_then_closes_it(
        desk: Desk) -> None:
    # An accepted ILE closes once entered in the REU (issue 15), no longer at once.
    reference = desk.file("InscriptionListesElectorales", ile_data())
    desk.login()
    page = page_of(desk, reference)
    assert "Document — taille maximum : 1024 Ko" in page  # ILE: no attestation

    asked = send_state(desk, reference, "accepter")
    assert "Confirmer : Demande acceptée — à saisir ensuite au REU" in text_of(asked)
    send_state(desk, reference, "accepter", confirme="oui")
    run_outbox(desk.ctx)

    assert (desk.dossier(reference).status, desk.dossier(reference).outcome,
            desk.dossier(reference).stage) == ("transmitted", "accepted", None)
    told = desk.mails(recipient="julie.bernard@example.org", purpose="status_change")
    assert [m.subject for m in told] == [f"Votre dossier {reference} : Demande acceptée"]
    assert "Marquer saisi au REU" in page_of(desk, reference)

    marked = desk.post("/gestion/reu", {"dossiers": reference, "date": "12/03/2026",
                                        "numero": "123456", "retour": "dossier"},
                       form_page=f"/gestion/dossiers/{reference}")
    run_outbox(desk.ctx)

    assert marked.status_code == 303
    assert (desk.dossier(reference).status, desk.dossier(reference).outcome) == (
        "closed", "accepted")
    [closing] = desk.mails(recipient="julie.bernard@example.org", purpose="closed")
    assert "inscription enregistrée sur la liste électorale, dossier clos" in closing.subject
    assert "saisie au répertoire électoral unique le 12/03/2026 (numéro d'électeur 123456)" \
        in closing.body_text


@contextmanager
def dossier_transactions(desk: Desk) -> Iterator[list[set[str]]]:
    """Each database transaction begun meanwhile, with the statements it ran on the dossiers."""
    engine = desk.ctx.db.engine
    begun: list[set[str]] = []

    def begin(connection: Any) -> None:
        begun.append(set())

    def execute(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if begun and re.search(r"\bdossiers\b", statement):
            begun[-1].add(statement)

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", execute)
    try:
        yield begun
    finally:
        event.remove(engine, "before_cursor_execute", execute)
        event.remove(engine, "begin", begin)


@pytest.mark.parametrize(("action", "form"), [
    ("recu", {}), ("clore", {}), ("clore", {"confirme": "oui"})],
    ids=["reçu", "clore, confirmation demandée", "clore, confirmé"])
def test_a_state_change_reads_and_changes_the_dossier_in_one_transaction(
        desk: Desk, action: str, form: dict[str, str]) -> None:
    reference = desk.file()
    desk.login()
    token = csrf_of(page_of(desk, reference))

    with dossier_transactions(desk) as begun:
        response = desk.client.post(f"/gestion/dossiers/{reference}/etat", data={
            "csrf_token": token, "action": action, "commentaire": "Vu.", **form})

    assert response.status_code in (200, 303)
    assert len([statements for statements in begun if statements]) == 1


def test_a_state_change_that_fails_half_way_leaves_nothing(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = desk.file()
    desk.login()
    token = csrf_of(page_of(desk, reference))
    before = desk.history_count(reference), len(desk.mails())

    def mail_server_gone(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("base indisponible")

    # The citizen's mail is written after the dossier changed, in the same transaction.
    monkeypatch.setattr("pipeline.commands.act.queue_mail", mail_server_gone)
    with pytest.raises(RuntimeError):
        desk.client.post(f"/gestion/dossiers/{reference}/etat", data={
            "csrf_token": token, "action": "recu", "commentaire": "Bien reçu."})

    assert desk.dossier(reference).status == "transmitted"
    assert (desk.history_count(reference), len(desk.mails())) == before


def test_a_message_to_the_citizen_leaves_the_state_as_it_is(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    empty = send_state(desk, reference, "message")
    sent = send_state(desk, reference, "message", "Pouvez-vous nous rappeler ?")

    assert empty.status_code == 422 and "Écrivez le message" in text_of(empty)
    assert sent.status_code == 303
    assert desk.dossier(reference).status == "transmitted"
    [mail] = desk.mails(CITIZEN, "message_to_citizen")
    assert "Pouvez-vous nous rappeler ?" in mail.body_text
    assert mail.reply_to and mail.reply_to.startswith("reponse+")  # the citizen may answer
    page = page_of(desk, reference)
    history = page[page.index('id="historique"'):]
    assert "Message" in history and "Pouvez-vous nous rappeler ?" in history


# --- Pièces jointes déposables -----------------------------------------------------------------


def deposit(desk: Desk, reference: str, content: bytes, name: str) -> TestResponse:
    return desk.post(f"/gestion/dossiers/{reference}/depot",
                     {"fichier": (io.BytesIO(content), name)},
                     form_page=f"/gestion/dossiers/{reference}/depot",
                     content_type="multipart/form-data")


def test_depositing_an_attestation_stores_it_and_tells_the_citizen(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    form = text_of(desk.client.get(f"/gestion/dossiers/{reference}/depot"))
    assert "Attestation — taille maximum : 1024 Ko" in form
    assert "Sélectionnez la pièce jointe à envoyer" in form and "Annuler" in form

    response = deposit(desk, reference, PDF, "attestation-lucas.pdf")

    assert response.status_code == 303
    with desk.ctx.db.transaction() as session:
        [kept] = session.scalars(select(CitizenDocument)).all()
    assert (kept.owner_email, kept.kind, kept.filename, kept.media_type,
            kept.deposited_by) == (CITIZEN, "attestation", "attestation-lucas.pdf",
                                     "application/pdf", AGENT)
    [mail] = desk.mails(CITIZEN, "documents_await")
    assert "attestation-lucas.pdf" in mail.body_text and "/espace" in mail.body_text
    page = page_of(desk, reference)
    assert "attestation-lucas.pdf" in page and "est déposé dans l'espace confidentiel" in page
    shown = desk.client.get(f"/gestion/dossiers/{reference}/depots/{kept.id}")
    assert shown.data == stored(PDF)
    assert shown.headers["Content-Disposition"].startswith("attachment")
    assert shown.headers["Content-Security-Policy"].startswith("sandbox;")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"


def test_the_same_deposit_sent_twice_mails_the_citizen_once(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    first = deposit(desk, reference, PDF, "attestation-lucas.pdf")
    again = deposit(desk, reference, PDF, "attestation-lucas.pdf")  # a retried request

    assert (first.status_code, again.status_code) == (303, 303)
    [mail] = desk.mails(CITIZEN, "documents_await")
    assert "attestation-lucas.pdf" in mail.body_text


def test_a_refused_deposit_says_why_and_stores_nothing(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    too_big = deposit(desk, reference, PDF[:-6] + b" " * (1024 * 1024) + b"%%EOF\n", "gros.pdf")
    not_pdf = deposit(desk, reference, b"MZ\x90\x00 un programme", "attestation.pdf")
    nothing = desk.post(f"/gestion/dossiers/{reference}/depot", {},
                        form_page=f"/gestion/dossiers/{reference}/depot")

    assert too_big.status_code == 422
    assert "dépasse la taille maximale de 1024 Ko" in text_of(too_big)
    assert not_pdf.status_code == 422
    assert "format non accepté : envoyez un PDF, un JPEG ou un PNG" in text_of(not_pdf)
    assert 'aria-describedby="aide-fichier erreur-fichier"' in text_of(not_pdf)
    assert nothing.status_code == 422 and "Choisissez le fichier" in text_of(nothing)
    with desk.ctx.db.transaction() as session:
        assert session.scalars(select(CitizenDocument)).all() == []
    assert desk.mails(CITIZEN, "documents_await") == []


# --- Télécharger les éléments du dossier ------------------------------------------------------


def test_the_zip_holds_the_form_the_pieces_and_the_xml(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    response = desk.client.get(f"/gestion/dossiers/{reference}/elements.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"{reference}-elements-du-dossier.zip" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = set(archive.namelist())
        assert archive.read("pieces-justificatives/cni.pdf") == stored(PDF)
    assert {f"{reference}-notice-individuelle.pdf", f"{reference}.xml",
            "pieces-justificatives/piece.jpg", "manifest.json"} <= names


def test_documents_of_the_commune_open_from_the_page(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    with desk.ctx.db.transaction() as session:
        document = session.scalars(select(DossierDocument).where(
            DossierDocument.kind == "recepisse")).one()

    response = desk.client.get(f"/gestion/dossiers/{reference}/documents/{document.id}")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
