"""Citizens file, follow and complete their requests: the forms, the écran récapitulatif, the
tableau de bord de suivi, the pipeline behind them (SQLite in-process, and PostgreSQL)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import lxml.html
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from pipeline.commands.act import act_on_dossier
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.lifecycle import Action
from pipeline.stages.intake import acknowledge_submission
from pipeline.stages.validation import validate_dossier
from pipeline.store.model import Attachment, CitizenAccount, CitizenDocument, Commune, Dossier, Mail
from teledossier.bootstrap import Runtime
from tests.integration.web.test_citizens import (
    AGENTS,
    PDF,
    account,
    csrf_of,
    deposit_for,
    element,
    log_in,
    make_runtime,
    row_counts,
    shown,
    text_of,
    token_for,
    verified_citizen,
)
from web_minimal import create_app

CITIZEN = "lucas@example.org"
PDF_LIVRET = PDF.replace(b"Catalog", b"Catalog /Lang (fr)")
PIPELINE_TIMEOUT_SECONDS = 30


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return make_runtime(runtime_factory, sqlite_url)


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, CITIZEN)
    return client


def commune_id(runtime: Runtime) -> str:
    with runtime.ctx.db.transaction() as db:
        return str(db.scalars(select(Commune.id)).one())


def rco_values(runtime: Runtime, **changes: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "commune": commune_id(runtime),
        "Personne.Civilite": "M", "Personne.Sexe": "1",
        "Personne.NomFamille": "MARTIN", "Personne.PrenomUsuel": "Lucas",
        "Personne.DateNaissance": "12/09/2010", "Personne.LieuNaissance.Nom": "Démoville",
        "Personne.PaysNaissance": "FRA",
        "Personne.AdresseDomicile.NumeroVoie": "3",
        "Personne.AdresseDomicile.NomVoie": "rue des Lilas",
        "Personne.AdresseDomicile.CodePostal": "99999",
        "Personne.AdresseDomicile.Localite": "Démoville",
        "Personne.Telephone": "0600000000",
        "FiliationPere.NomFamille": "MARTIN", "FiliationPere.PrenomUsuel": "Paul",
    }
    values.update(changes)
    return values


def with_files(values: dict[str, Any], **files: tuple[bytes, str]) -> dict[str, Any]:
    return {**values, **{f"fichier-{kind}": (io.BytesIO(content), name)
                         for kind, (content, name) in files.items()}}


TWO_PDFS = {"justificatif_identite": (PDF, "cni.pdf"), "livret_famille": (PDF_LIVRET,
                                                                            "livret.pdf")}


def post_form(client: FlaskClient, values: dict[str, Any],
              slug: str = "recensement") -> Any:
    return client.post(f"/demarches/{slug}",
                       data={"csrf_token": token_for(client, f"/demarches/{slug}"), **values},
                       content_type="multipart/form-data")


def hidden_fields(page: str) -> dict[str, str]:
    """The values a recap page carries, as its form sends them."""
    form = lxml.html.fromstring(page).xpath("//form[contains(@action, '/envoyer')]")[0]
    return {field.get("name"): field.get("value") for field in form.xpath(".//input")
            if field.get("type") == "hidden"}


def file_rco(client: FlaskClient, runtime: Runtime, **changes: str) -> str:
    """Fill the RCO form with two PDFs, confirm the recap; return the reference."""
    recap = post_form(client, with_files(rco_values(runtime, **changes), **TWO_PDFS))
    assert recap.status_code == 200, text_of(recap)
    sent = client.post("/demarches/recensement/envoyer", data=hidden_fields(text_of(recap)))
    assert sent.status_code == 303, text_of(sent)
    return sent.location.rsplit("/", 1)[-1]


def dossier_of(runtime: Runtime, reference: str) -> Dossier:
    with runtime.ctx.db.transaction() as db:
        dossier = db.scalars(select(Dossier).where(Dossier.reference == reference)).one()
        dossier.attachments  # noqa: B018 - loaded for the test
        dossier.history  # noqa: B018
        return dossier


def wait_for(condition: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + PIPELINE_TIMEOUT_SECONDS
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def incomplete_dossier(runtime: Runtime, email: str = CITIZEN) -> str:
    """An RCO filed without its livret de famille, run through intake and validation."""
    data = {"Personne": {
        "NomFamille": "MARTIN", "PrenomUsuel": "Lucas", "DateNaissance": "12/09/2010",
        "LieuNaissance": {"Code": "COMMUNE", "Nom": "Démoville"},
        "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville"},
        "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"}]}}
    receipt = submit_dossier(runtime.ctx, int(commune_id(runtime)), Submission(
        demarche="RecensementCitoyen", data=data, channel="web", actor=email,
        attachments=[IncomingAttachment("justificatif_identite", "cni.pdf", PDF)]))
    acknowledge_submission(receipt.dossier_id, runtime.ctx)
    validate_dossier(receipt.dossier_id, runtime.ctx)
    assert dossier_of(runtime, receipt.reference).status == "incomplete"
    return receipt.reference


# --- The forms -------------------------------------------------------------------------------


def test_the_demarches_are_listed_with_their_titles(client: FlaskClient) -> None:
    raw = text_of(client.get("/demarches"))
    page = shown(raw)

    assert "Recensement citoyen obligatoire" in page
    assert "Démarche d'inscription à la journée d'appel de préparation à la défense" in page
    assert "Demande d'inscription sur les listes électorales" in page
    assert 'href="/demarches/inscription-listes-electorales"' in raw


def test_a_wrong_field_shows_its_message_beside_it_with_the_values_and_files_kept(
        client: FlaskClient, runtime: Runtime) -> None:
    values = rco_values(runtime, **{"Personne.DateNaissance": "31/02/2010",
                                    "Personne.AdresseDomicile.CodePostal": "6000",
                                    "Personne.PrenomUsuel": ""})

    answer = post_form(client, with_files(values, **TWO_PDFS))

    page = text_of(answer)
    assert answer.status_code == 400
    assert "date réelle au format jj/mm/aaaa" in element(
        page, "champ-Personne-DateNaissance-erreur").text_content()
    assert "5 chiffres" in element(
        page, "champ-Personne-AdresseDomicile-CodePostal-erreur").text_content()
    assert "obligatoire" in element(page, "champ-Personne-PrenomUsuel-erreur").text_content()
    field = element(page, "champ-Personne-DateNaissance")
    assert field.get("value") == "31/02/2010"
    assert field.get("aria-invalid") == "true"
    assert "champ-Personne-DateNaissance-erreur" in field.get("aria-describedby")
    assert element(page, "champ-Personne-NomFamille").get("value") == "MARTIN"
    assert "3 points à corriger" in shown(page)
    # The two files were kept in the space and stay chosen: no need to send them again.
    for kind, (_, name) in TWO_PDFS.items():
        chosen = element(page, f"champ-piece-{kind}").xpath("option[@selected]")
        assert chosen and chosen[0].text.startswith(name)


def test_a_refused_upload_says_why_and_keeps_the_rest_of_the_form(
        client: FlaskClient, runtime: Runtime) -> None:
    answer = post_form(client, with_files(rco_values(runtime),
                                          justificatif_identite=(PDF, "cni.pdf"),
                                          livret_famille=(b"pas un scan", "livret.txt")))

    page = text_of(answer)
    assert answer.status_code == 400
    message = element(page, "champ-piece-livret_famille-erreur").text_content()
    assert "livret.txt" in message and "format non accepté" in message
    assert element(page, "champ-Personne-NomFamille").get("value") == "MARTIN"
    chosen = element(page, "champ-piece-justificatif_identite").xpath("option[@selected]")
    assert chosen[0].text.startswith("cni.pdf")


def test_an_ile_request_of_an_eu_citizen_asks_for_the_written_declaration_then_goes(
        client: FlaskClient, runtime: Runtime) -> None:
    values = rco_values(runtime, **{"Personne.DateNaissance": "05/06/1990",
                                    "Personne.Nationalite": "ITA",
                                    "Rattachement.Motif": "DOMICILE"})
    answer = post_form(client, with_files(values, justificatif_identite=(PDF, "passeport.pdf"),
                                          justificatif_domicile=(PDF_LIVRET, "facture.pdf")),
                       slug="inscription-listes-electorales")

    page = text_of(answer)
    assert answer.status_code == 400
    assert "Pièce obligatoire" in element(page, "champ-piece-declaration_ue-erreur").text_content()
    assert "champ-piece-justificatif_domicile-erreur" not in page

    fields = {field.name: field.value for field in lxml.html.fromstring(page).forms[-1].inputs
              if field.name and field.name != "csrf_token" and field.value is not None
              and not field.name.startswith("fichier-")}
    recap = post_form(client, with_files(fields, declaration_ue=(PDF + b"ue", "declaration.pdf")),
                      slug="inscription-listes-electorales")
    assert recap.status_code == 200, shown(recap)
    assert "Italienne" in shown(recap)
    sent = client.post("/demarches/inscription-listes-electorales/envoyer",
                       data=hidden_fields(text_of(recap)))
    dossier = dossier_of(runtime, sent.location.rsplit("/", 1)[-1])
    assert dossier.demarche == "InscriptionListesElectorales"
    assert dossier.data["Personne"]["Nationalite"] == "ITA"
    assert dossier.data["Rattachement"] == {"Motif": "DOMICILE"}
    assert sorted(a.kind for a in dossier.attachments) == [
        "declaration_ue", "justificatif_domicile", "justificatif_identite"]


def test_filing_an_rco_goes_through_the_recap_to_the_confirmation(
        client: FlaskClient, runtime: Runtime) -> None:
    recap = post_form(client, with_files({**rco_values(runtime), "retenir": "oui"}, **TWO_PDFS))

    page = text_of(recap)
    words = shown(page)
    assert recap.status_code == 200
    assert "Récapitulatif de votre demande" in words
    for value in ("MARTIN", "Lucas", "12/09/2010", "rue des Lilas", "Monsieur", "Masculin",
                  "cni.pdf", "livret.pdf", "Démoville (99999)", CITIZEN):
        assert value in words, value
    assert "La validation et l'envoi de votre demande valent signature" in words
    assert "Valider et envoyer" in words and "Modifier" in words
    with runtime.ctx.db.transaction() as db:
        assert db.scalars(select(Dossier)).all() == []  # nothing is filed before validation

    back = client.post("/demarches/recensement",
                       data={**hidden_fields(page), "etape": "modifier"})
    assert back.status_code == 200
    assert element(text_of(back), "champ-Personne-NomFamille").get("value") == "MARTIN"

    sent = client.post("/demarches/recensement/envoyer", data=hidden_fields(page))
    assert sent.status_code == 303
    confirmation = text_of(client.get(sent.location))
    reference = sent.location.rsplit("/", 1)[-1]
    assert "Votre demande a été envoyée" in shown(confirmation)
    assert f"Numéro de télédossier : {reference}" in shown(confirmation)
    assert f'href="/suivi/{reference}/recepisse"' in confirmation

    dossier = dossier_of(runtime, reference)
    assert (dossier.channel, dossier.citizen_email, dossier.demarche) == (
        "web", CITIZEN, "RecensementCitoyen")
    assert dossier.history[0].actor == CITIZEN
    assert sorted(a.filename for a in dossier.attachments) == ["cni.pdf", "livret.pdf"]
    assert dossier.data["Personne"]["NomFamille"] == "MARTIN"
    assert {"URI": "0600000000", "CanalCode": "TEL"} in dossier.data["Personne"]["MethodeContact"]
    assert account(runtime, CITIZEN).profile["Personne.NomFamille"] == "MARTIN"

    again = client.post("/demarches/recensement/envoyer", data=hidden_fields(page))
    assert again.location == sent.location  # a second click files nothing twice
    with runtime.ctx.db.transaction() as db:
        assert len(db.scalars(select(Dossier)).all()) == 1

    dashboard = shown(client.get("/suivi"))
    assert reference in dashboard
    assert "Dossier déposé, en cours de vérification" in dashboard


def test_pieces_kept_in_the_space_are_picked_for_a_new_request(
        client: FlaskClient, runtime: Runtime) -> None:
    file_rco(client, runtime)
    with runtime.ctx.db.transaction() as db:
        kept = {d.filename: d.id for d in db.scalars(select(CitizenDocument))}
    assert set(kept) == {"cni.pdf", "livret.pdf"}

    recap = post_form(client, rco_values(runtime, **{
        "piece-justificatif_identite": str(kept["cni.pdf"]),
        "piece-livret_famille": str(kept["livret.pdf"])}))

    assert recap.status_code == 200, text_of(recap)
    sent = client.post("/demarches/recensement/envoyer", data=hidden_fields(text_of(recap)))
    reference = sent.location.rsplit("/", 1)[-1]
    assert sorted(a.filename for a in dossier_of(runtime, reference).attachments) == [
        "cni.pdf", "livret.pdf"]


def test_the_pipeline_takes_a_web_dossier_to_transmitted_and_the_receipt_downloads(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = file_rco(client, runtime)
    pending = client.get(f"/suivi/{reference}/recepisse")
    assert pending.status_code == 200
    assert "en préparation, rechargez dans un instant" in shown(pending)

    runtime.start_relay()
    runtime.start_worker()

    wait_for(lambda: dossier_of(runtime, reference).status == "transmitted", "transmission")
    receipt = client.get(f"/suivi/{reference}/recepisse")
    assert receipt.status_code == 200
    assert receipt.mimetype == "application/pdf" and receipt.data.startswith(b"%PDF")
    assert receipt.headers["Content-Disposition"].startswith("attachment")
    assert "Dossier transmis au service traitant" in shown(client.get("/suivi"))

    def notified() -> list[str]:
        with runtime.ctx.db.transaction() as db:
            return list(db.scalars(select(Mail.recipient).where(
                Mail.purpose == "agent_notification")))
    assert AGENTS in wait_for(notified, "the agents' notification")


# --- Tableau de bord de suivi ----------------------------------------------------------------


def test_the_dossier_page_shows_its_timeline_and_the_communes_comments(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = file_rco(client, runtime)
    dossier = dossier_of(runtime, reference)
    acknowledge_submission(dossier.id, runtime.ctx)
    validate_dossier(dossier.id, runtime.ctx)
    act_on_dossier(runtime.ctx, dossier.commune_id, reference, Action.RECU,
                   actor="agent@demoville.test", channel="web",
                   comment="Dossier bien reçu, nous le traitons.")

    page = shown(client.get(f"/suivi/{reference}"))

    for step in ("Dossier déposé", "Dossier transmis au service traitant",
                 "Dossier reçu par le service traitant"):
        assert step in page
    assert "Dernier commentaire de la mairie" in page
    assert "Dossier bien reçu, nous le traitons." in page
    assert "Mairie de Démoville" in page and "agent@demoville.test" not in page
    assert "Répondre à la mairie" in page


def test_a_reply_to_the_commune_becomes_a_message_mailed_to_the_agents(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = file_rco(client, runtime)
    page = text_of(client.get(f"/suivi/{reference}"))

    empty = client.post(f"/suivi/{reference}/message",
                        data={"csrf_token": csrf_of(page), "message": "  "})
    assert empty.status_code == 400
    assert "Écrivez votre message" in element(text_of(empty),
                                              "champ-message-erreur").text_content()

    sent = client.post(f"/suivi/{reference}/message", data={
        "csrf_token": csrf_of(page), "message": "Mon fils sera absent jusqu'au 10 mars."})

    assert sent.status_code == 303
    after = shown(client.get(sent.location))
    assert "Votre message a été transmis à la mairie." in after
    assert "Mon fils sera absent jusqu'au 10 mars." in after
    dossier = dossier_of(runtime, reference)
    message = dossier.history[-1]
    assert (message.action, message.actor, message.channel) == ("message", CITIZEN, "web")
    with runtime.ctx.db.transaction() as db:
        mailed = db.scalars(select(Mail).where(Mail.purpose == "message_to_agents")).one()
    assert mailed.recipient == AGENTS
    assert "Mon fils sera absent jusqu'au 10 mars." in mailed.body_text
    assert mailed.reply_to  # the agents answer by replying to it


def test_an_incomplete_dossier_is_completed_and_goes_back_to_validation(
        client: FlaskClient, runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime)
    page = text_of(client.get(f"/suivi/{reference}"))
    assert "Votre dossier est à compléter" in shown(page)
    assert "Pièce justificative manquante : la copie du livret de famille." in shown(page)
    assert "Envoyer les compléments" in shown(page)

    nothing = client.post(f"/suivi/{reference}/completer", data={"csrf_token": csrf_of(page)},
                          content_type="multipart/form-data")
    assert nothing.status_code == 400
    assert "Ajoutez au moins une pièce" in shown(nothing)

    sent = client.post(f"/suivi/{reference}/completer", data={
        "csrf_token": csrf_of(page), "precisions": "Voici le livret.",
        "fichier-livret_famille": (io.BytesIO(PDF_LIVRET), "livret.pdf")},
        content_type="multipart/form-data")

    assert sent.status_code == 303
    dossier = dossier_of(runtime, reference)
    assert (dossier.status, dossier.stage) == ("submitted", "validation")
    assert dossier.history[-1].action == "complete"
    assert dossier.history[-1].comment == "Voici le livret."
    assert sorted(a.kind for a in dossier.attachments) == ["justificatif_identite",
                                                           "livret_famille"]
    assert "Vos compléments ont été envoyés" in shown(client.get(sent.location))
    validate_dossier(dossier.id, runtime.ctx)
    assert dossier_of(runtime, reference).status == "transmitted"
    again = client.post(f"/suivi/{reference}/completer", data={
        "csrf_token": csrf_of(page), "precisions": "Encore"}, content_type="multipart/form-data")
    assert again.status_code == 303
    assert "n'attend plus de compléments" in shown(client.get(again.location))


def test_another_citizens_dossier_is_not_found(client: FlaskClient, runtime: Runtime) -> None:
    theirs = incomplete_dossier(runtime, "paul@example.org")
    token = token_for(client, "/suivi")

    for path in (f"/suivi/{theirs}", f"/suivi/{theirs}/recepisse",
                 f"/demarches/envoyee/{theirs}", "/suivi/TD-PASUNNUM"):
        assert client.get(path).status_code == 404, path
    for path in (f"/suivi/{theirs}/message", f"/suivi/{theirs}/completer"):
        assert client.post(path, data={"csrf_token": token, "message": "Coucou",
                                       "precisions": "x"}).status_code == 404, path
    assert theirs not in shown(client.get("/suivi"))
    with runtime.ctx.db.transaction() as db:
        assert db.scalar(select(Dossier.status)) == "incomplete"


def test_dossiers_filed_elsewhere_with_the_address_show_once_it_is_confirmed(
        runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime, "Lea.Martin@example.org")
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, "lea.martin@example.org")

    assert reference in shown(client.get("/suivi"))
    assert client.get(f"/suivi/{reference}").status_code == 200


def test_get_pages_change_nothing(client: FlaskClient, runtime: Runtime) -> None:
    reference = incomplete_dossier(runtime)
    document = deposit_for(runtime, CITIZEN)
    before = row_counts(runtime)

    for path in ("/", "/connexion", "/inscription", "/mot-de-passe-perdu", "/demarches",
                 "/demarches/recensement", "/demarches/inscription-listes-electorales",
                 "/suivi", f"/suivi/{reference}", f"/suivi/{reference}/recepisse",
                 f"/demarches/envoyee/{reference}", "/espace", "/espace/donnees",
                 f"/espace/documents/{document}", "/confirmer-adresse/inconnu",
                 "/nouveau-mot-de-passe/inconnu"):
        assert client.get(path).status_code in (200, 404), path
    for path in ("/deconnexion", "/demarches/recensement/envoyer", f"/suivi/{reference}/message",
                 f"/suivi/{reference}/completer", "/espace/documents",
                 "/confirmer-adresse/renvoyer"):
        assert client.get(path).status_code in (404, 405), path

    assert row_counts(runtime) == before
    assert client.get("/suivi").status_code == 200  # GET /deconnexion logged no one out


def test_a_citizen_without_account_data_keeps_nothing_unasked(client: FlaskClient,
                                                              runtime: Runtime) -> None:
    file_rco(client, runtime)  # without "Retenir ces données"

    with runtime.ctx.db.transaction() as db:
        assert db.scalar(select(CitizenAccount.profile)) == {}


@pytest.mark.postgres
def test_filing_an_rco_on_postgresql_reaches_transmitted(
        pg_url: str, runtime_factory: Callable[..., Runtime]) -> None:
    # pg_url first: its database is dropped after the runtime has stopped.
    runtime = make_runtime(runtime_factory, pg_url)
    client = create_app(runtime).test_client()
    verified_citizen(client, runtime, CITIZEN)
    runtime.start_relay()
    runtime.start_worker()

    reference = file_rco(client, runtime)

    wait_for(lambda: dossier_of(runtime, reference).status == "transmitted", "transmission")
    dossier = dossier_of(runtime, reference)
    assert dossier.channel == "web" and len(dossier.attachments) == 2
    assert client.get(f"/suivi/{reference}/recepisse").data.startswith(b"%PDF")
    assert reference in shown(client.get("/suivi"))
    log_in(client, CITIZEN)  # a second login on the same browser changes nothing
    with runtime.ctx.db.transaction() as db:
        assert db.scalars(select(Attachment.filename).order_by(Attachment.filename)).all() == [
            "cni.pdf", "livret.pdf"]
