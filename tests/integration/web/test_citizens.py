"""Citizens' pages, the account and the espace confidentiel: as a citizen uses them, in a browser
without JavaScript (Flask's test client), with the mails read from the ``mails`` table."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from pipeline.commands.communes import create_commune
from pipeline.domain.clock import FixedClock
from pipeline.store.model import (
    Base,
    CitizenAccount,
    CitizenDocument,
    EmailLink,
    Mail,
)
from teledossier.bootstrap import Runtime
from tests.pdfs import ONE_PAGE, stored
from web_minimal import create_app

PASSWORD = "une phrase de passe"
AGENTS = "agents@demoville.test"
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
PUBLIC_URL = "http://teledossier.test"


# --- Helpers shared by the citizens' tests ---------------------------------------------------


def make_runtime(runtime_factory: Callable[..., Runtime], url: str, **kwargs: Any) -> Runtime:
    runtime = runtime_factory(url, **kwargs)
    create_commune(runtime.ctx, insee="99999", name="Démoville", agents_email=AGENTS)
    return runtime


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def shown(response: Any) -> str:
    """The words a person reads on the page (markup and line breaks of the source aside)."""
    page = response if isinstance(response, str) else text_of(response)
    return " ".join(lxml.html.fromstring(page).text_content().split())


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def token_for(client: FlaskClient, path: str = "/connexion") -> str:
    return csrf_of(text_of(client.get(path)))


def element(page: str, element_id: str) -> Any:
    """An element of the page by id (lxml), to read what is shown beside a field."""
    return lxml.html.fromstring(page).get_element_by_id(element_id)


def mails(runtime: Runtime, recipient: str, purpose: str | None = None) -> list[Mail]:
    with runtime.ctx.db.transaction() as db:
        query = select(Mail).where(Mail.recipient == recipient).order_by(Mail.created_at)
        if purpose:
            query = query.where(Mail.purpose == purpose)
        return list(db.scalars(query))


def link_in(mail: Mail, path: str) -> str:
    """The path of the link of ``mail`` that starts with ``path`` (site's own address removed)."""
    found = re.search(re.escape(PUBLIC_URL) + "(" + re.escape(path) + r"[^\s]+)", mail.body_text)
    assert found, f"no {path} link in: {mail.body_text}"
    return found.group(1)


def account(runtime: Runtime, email: str) -> CitizenAccount | None:
    with runtime.ctx.db.transaction() as db:
        return db.scalar(select(CitizenAccount).where(CitizenAccount.email == email))


def sign_up(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/inscription", data={
        "csrf_token": token_for(client, "/inscription"), "email": email,
        "mot_de_passe": password, "confirmation": password})


def log_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/connexion", data={"csrf_token": token_for(client), "email": email,
                                           "mot_de_passe": password, **extra})


def confirm(client: FlaskClient, runtime: Runtime, email: str, password: str = PASSWORD) -> Any:
    link = link_in(mails(runtime, email, "verify_email")[-1], "/confirmer-adresse/")
    page = text_of(client.get(link))
    return client.post(link, data={"csrf_token": csrf_of(page), "mot_de_passe": password})


def verified_citizen(client: FlaskClient, runtime: Runtime, email: str) -> None:
    """Sign up and confirm the address: the citizen is then logged in."""
    assert sign_up(client, email).status_code == 200
    assert confirm(client, runtime, email).status_code == 303


def row_counts(runtime: Runtime) -> dict[str, Any]:
    """Every table's rows, for checking that a page changed nothing."""
    with runtime.ctx.db.transaction() as db:
        counts: dict[str, Any] = {table.name: db.scalar(select(func.count()).select_from(table))
                                  for table in Base.metadata.sorted_tables}
        counts["used links"] = db.scalar(select(func.count()).select_from(EmailLink)
                                         .where(EmailLink.used_at.is_not(None)))
        counts["verified"] = db.scalar(select(func.count()).select_from(CitizenAccount)
                                       .where(CitizenAccount.verified_at.is_not(None)))
    return counts


def deposit_for(runtime: Runtime, email: str, filename: str = "attestation.pdf",
                kind: str = "attestation", dossier_id: str | None = None) -> int:
    """A document the commune deposits for an address (an account or not)."""
    ctx = runtime.ctx
    now = ctx.clock.now()
    with ctx.db.transaction() as db:
        digest = ctx.blobs.put(db, PDF + filename.encode(), now)
        return db.execute(insert(CitizenDocument.__table__).values(
            owner_email=email, dossier_id=dossier_id, kind=kind, filename=filename,
            media_type="application/pdf", size=len(PDF), sha256=digest,
            deposited_by="Mairie de Démoville", deposited_at=now).returning(
                CitizenDocument.id)).scalar_one()


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Runtime:
    return make_runtime(runtime_factory, sqlite_url)


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime).test_client()


# --- Account ---------------------------------------------------------------------------------


def test_sign_up_mails_a_link_whose_page_changes_nothing_until_confirmed(
        client: FlaskClient, runtime: Runtime) -> None:
    answer = sign_up(client, "Lea.Martin@Example.org")

    assert answer.status_code == 200
    assert "Consultez votre messagerie" in shown(answer)
    mail = mails(runtime, "lea.martin@example.org", "verify_email")[0]
    link = link_in(mail, "/confirmer-adresse/")
    before = row_counts(runtime)
    form = client.get(link)
    assert form.status_code == 200
    assert "Confirmer mon adresse" in shown(form)
    assert client.get(link).status_code == 200  # a mail scanner's visit used nothing up
    assert row_counts(runtime) == before
    assert account(runtime, "lea.martin@example.org").verified_at is None

    done = client.post(link, data={"csrf_token": csrf_of(text_of(form)),
                                   "mot_de_passe": PASSWORD})

    assert done.status_code == 303 and done.location.endswith("/espace")
    assert account(runtime, "lea.martin@example.org").verified_at is not None
    assert "votre espace confidentiel est activé" in shown(client.get("/espace"))
    assert client.get(link).status_code == 404  # the link served once
    client.post("/deconnexion", data={"csrf_token": token_for(client, "/")})
    assert log_in(client, "lea.martin@example.org").status_code == 303
    assert "Se déconnecter" in shown(client.get("/"))


def test_confirmation_asks_the_password_of_whoever_signed_up(client: FlaskClient,
                                                             runtime: Runtime) -> None:
    sign_up(client, "lea@example.org")

    wrong = confirm(client, runtime, "lea@example.org", password="pas le bon mot")

    assert wrong.status_code == 400
    assert "Mot de passe incorrect" in shown(wrong)
    assert account(runtime, "lea@example.org").verified_at is None
    assert confirm(client, runtime, "lea@example.org").status_code == 303


def test_sign_up_with_a_known_address_answers_the_same_and_tells_only_the_owner(
        client: FlaskClient, runtime: Runtime) -> None:
    first = text_of(sign_up(client, "lea@example.org"))
    second = text_of(sign_up(client, "lea@example.org", "un autre mot de passe"))

    assert second == first
    with runtime.ctx.db.transaction() as db:
        assert db.scalar(select(func.count()).select_from(CitizenAccount)) == 1
    exists = mails(runtime, "lea@example.org", "account_exists")
    assert len(exists) == 1 and "Un compte existe déjà" in exists[0].body_text
    assert f"{PUBLIC_URL}/mot-de-passe-perdu" in exists[0].body_text
    assert log_in(client, "lea@example.org", "un autre mot de passe").status_code == 400


def test_sign_up_shows_each_problem_beside_its_field_and_keeps_the_address(
        client: FlaskClient) -> None:
    answer = client.post("/inscription", data={
        "csrf_token": token_for(client, "/inscription"), "email": "lea@example.org",
        "mot_de_passe": "court", "confirmation": "autre"})

    page = text_of(answer)
    assert answer.status_code == 400
    assert "au moins 10 caractères" in element(page, "mot_de_passe-erreur").text_content()
    assert "ne correspond pas" in element(page, "confirmation-erreur").text_content()
    assert element(page, "email").get("value") == "lea@example.org"
    assert "mot_de_passe-erreur" in element(page, "mot_de_passe").get("aria-describedby")


def test_wrong_password_says_so_then_five_failures_block_even_the_right_one(
        client: FlaskClient, runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")
    client.post("/deconnexion", data={"csrf_token": token_for(client, "/")})

    wrong = log_in(client, "lea@example.org", "mauvais mot de passe")
    assert wrong.status_code == 400
    assert "Adresse électronique ou mot de passe incorrect" in shown(wrong)
    for _ in range(4):
        log_in(client, "lea@example.org", "mauvais mot de passe")

    blocked = log_in(client, "lea@example.org", PASSWORD)

    assert blocked.status_code == 429
    assert "Trop de tentatives" in shown(blocked)
    assert client.get("/suivi").status_code == 302  # still not logged in


def test_login_goes_back_to_the_page_asked_and_never_elsewhere(client: FlaskClient,
                                                               runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")
    client.post("/deconnexion", data={"csrf_token": token_for(client, "/")})

    asked = client.get("/suivi")
    assert asked.status_code == 302 and "/connexion?suivant=/suivi" in asked.location
    login_page = text_of(client.get(asked.location))
    assert "Mot de passe perdu ?" in login_page

    back = log_in(client, "lea@example.org", suivant="/suivi")
    assert back.location == "/suivi"
    client.post("/deconnexion", data={"csrf_token": token_for(client, "/")})
    assert log_in(client, "lea@example.org", suivant="//ailleurs.example").location == "/"


def test_lost_password_answers_the_same_whether_or_not_an_account_exists(
        client: FlaskClient, runtime: Runtime) -> None:
    sign_up(client, "lea@example.org")

    def ask(email: str) -> str:
        page = text_of(client.post("/mot-de-passe-perdu", data={
            "csrf_token": token_for(client, "/mot-de-passe-perdu"), "email": email}))
        return page.replace(email, "@")

    assert ask("lea@example.org") == ask("personne@example.org")
    assert len(mails(runtime, "lea@example.org", "reset_password")) == 1
    assert mails(runtime, "personne@example.org") == []


def test_reset_link_sets_the_password_once_and_expires(runtime_factory: Callable[..., Runtime],
                                                       sqlite_url: str) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    runtime = make_runtime(runtime_factory, sqlite_url, clock=clock)
    client = create_app(runtime).test_client()
    sign_up(client, "lea@example.org")

    def ask_link() -> str:
        client.post("/mot-de-passe-perdu", data={
            "csrf_token": token_for(client, "/mot-de-passe-perdu"), "email": "lea@example.org"})
        return link_in(mails(runtime, "lea@example.org", "reset_password")[-1],
                       "/nouveau-mot-de-passe/")

    def set_password(link: str, password: str) -> Any:
        return client.post(link, data={"csrf_token": token_for(client),
                                       "mot_de_passe": password, "confirmation": password})

    link = ask_link()
    before = row_counts(runtime)
    assert "Choisir un nouveau mot de passe" in shown(client.get(link))
    assert row_counts(runtime) == before
    assert set_password(link, "court").status_code == 400  # the link is still usable after
    assert set_password(link, "nouvelle phrase secrète").location.endswith("/connexion")
    used_twice = set_password(link, "encore une autre phrase")
    assert used_twice.status_code == 404 and "n'est plus valable" in shown(used_twice)
    assert log_in(client, "lea@example.org", "nouvelle phrase secrète").status_code == 303
    # The link reached the address: following it confirmed the address too.
    assert account(runtime, "lea@example.org").verified_at is not None

    clock.instant += timedelta(minutes=5)  # a new hour's quota is not needed for one more link
    late = ask_link()
    clock.instant += timedelta(hours=2)
    assert client.get(late).status_code == 404
    assert set_password(late, "trop tard pour changer").status_code == 404


def test_a_password_reset_ends_the_sessions_opened_before(client: FlaskClient,
                                                          runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")
    assert client.get("/suivi").status_code == 200
    other = create_app(runtime).test_client()
    other.post("/mot-de-passe-perdu", data={
        "csrf_token": token_for(other, "/mot-de-passe-perdu"), "email": "lea@example.org"})
    link = link_in(mails(runtime, "lea@example.org", "reset_password")[-1],
                   "/nouveau-mot-de-passe/")
    other.post(link, data={"csrf_token": token_for(other, link), "mot_de_passe": "toute neuve !",
                           "confirmation": "toute neuve !"})

    assert client.get("/suivi").status_code == 302


def test_an_unconfirmed_address_is_told_how_to_confirm(client: FlaskClient,
                                                       runtime: Runtime) -> None:
    sign_up(client, "lea@example.org")
    log_in(client, "lea@example.org")

    for path in ("/demarches", "/demarches/recensement", "/suivi", "/espace"):
        page = client.get(path)
        assert page.status_code == 403
        assert "Confirmez d'abord votre adresse électronique" in shown(page)
    resent = client.post("/confirmer-adresse/renvoyer",
                         data={"csrf_token": token_for(client, "/")})

    assert resent.status_code == 303
    assert len(mails(runtime, "lea@example.org", "verify_email")) == 2
    assert confirm(client, runtime, "lea@example.org").status_code == 303
    assert client.get("/demarches").status_code == 200


def test_home_says_what_one_can_do_and_where_to_start(client: FlaskClient,
                                                      runtime: Runtime) -> None:
    page = text_of(client.get("/"))
    assert "recensement citoyen obligatoire" in shown(page)
    assert "inscription sur les listes électorales" in shown(page)
    assert 'href="/connexion"' in page and 'href="/inscription"' in page

    verified_citizen(client, runtime, "lea@example.org")
    page = text_of(client.get("/"))
    assert 'href="/suivi"' in page and 'href="/demarches"' in page


# --- Espace confidentiel ---------------------------------------------------------------------


def test_confidential_space_keeps_downloads_and_deletes_own_documents(
        client: FlaskClient, runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")

    added = client.post("/espace/documents", data={
        "csrf_token": token_for(client, "/espace"), "fichier": (_file(PDF), "cni recto.pdf")},
        content_type="multipart/form-data")

    assert added.status_code == 303
    page = shown(client.get("/espace"))
    assert "« cni recto.pdf » a été ajouté" in page
    with runtime.ctx.db.transaction() as db:
        document = db.scalars(select(CitizenDocument)).one()
    assert (document.kind, document.owner_email) == ("usager", "lea@example.org")
    download = client.get(f"/espace/documents/{document.id}")
    assert download.data == stored(PDF)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"].startswith("sandbox;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"

    refused = client.post("/espace/documents", data={
        "csrf_token": token_for(client, "/espace"), "fichier": (_file(b"MZ\x90"), "virus.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "format non accepté" in element(text_of(refused), "champ-fichier-erreur").text_content()

    asked = client.get(f"/espace/documents/{document.id}/supprimer")
    assert "Supprimer « cni recto.pdf » ?" in shown(asked)
    removed = client.post(f"/espace/documents/{document.id}/supprimer",
                          data={"csrf_token": csrf_of(text_of(asked))})
    assert removed.status_code == 303
    assert "« cni recto.pdf » a été supprimé" in shown(client.get("/espace"))
    assert client.get(f"/espace/documents/{document.id}").status_code == 404


def test_documents_deposited_before_the_address_is_confirmed_appear_after(
        client: FlaskClient, runtime: Runtime) -> None:
    deposited = deposit_for(runtime, "lea@example.org", "attestation-recensement.pdf")
    sign_up(client, "lea@example.org")
    log_in(client, "lea@example.org")
    assert client.get(f"/espace/documents/{deposited}").status_code == 403

    confirm(client, runtime, "lea@example.org")

    page = shown(client.get("/espace"))
    assert "Documents déposés par la mairie" in page
    assert "attestation-recensement.pdf" in page and "Attestation de recensement" in page
    assert client.get(f"/espace/documents/{deposited}").status_code == 200
    # The commune's documents are its acts: the citizen cannot delete them.
    assert client.get(f"/espace/documents/{deposited}/supprimer").status_code == 404


def test_another_citizens_document_is_not_found(client: FlaskClient, runtime: Runtime) -> None:
    theirs = deposit_for(runtime, "paul@example.org")
    verified_citizen(client, runtime, "lea@example.org")

    assert client.get(f"/espace/documents/{theirs}").status_code == 404
    assert client.get(f"/espace/documents/{theirs}/supprimer").status_code == 404
    removed = client.post(f"/espace/documents/{theirs}/supprimer",
                          data={"csrf_token": token_for(client, "/espace")})
    assert removed.status_code == 404
    assert "paul" not in shown(client.get("/espace"))


def test_usual_data_are_kept_and_prefill_new_forms(client: FlaskClient,
                                                   runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")

    wrong = client.post("/espace/donnees", data={
        "csrf_token": token_for(client, "/espace/donnees"), "Personne.NomFamille": "MARTIN",
        "Personne.DateNaissance": "31/02/2010"})
    assert wrong.status_code == 400
    page = text_of(wrong)
    assert "jj/mm/aaaa" in element(page, "champ-Personne-DateNaissance-erreur").text_content()
    assert element(page, "champ-Personne-NomFamille").get("value") == "MARTIN"

    saved = client.post("/espace/donnees", data={
        "csrf_token": token_for(client, "/espace/donnees"), "Personne.NomFamille": "MARTIN",
        "Personne.PrenomUsuel": "Léa", "Personne.AdresseDomicile.CodePostal": "99999"})
    assert saved.status_code == 303
    form = text_of(client.get("/demarches/recensement"))
    assert element(form, "champ-Personne-NomFamille").get("value") == "MARTIN"
    assert element(form, "champ-Personne-PrenomUsuel").get("value") == "Léa"
    assert element(form, "champ-Personne-AdresseDomicile-CodePostal").get("value") == "99999"


# --- Security --------------------------------------------------------------------------------


def test_forms_posted_without_their_csrf_token_are_refused(client: FlaskClient,
                                                           runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")
    client.get("/")
    before = row_counts(runtime)

    for path in ("/inscription", "/connexion", "/deconnexion", "/mot-de-passe-perdu",
                 "/espace/documents", "/espace/donnees", "/demarches/recensement",
                 "/demarches/recensement/envoyer", "/confirmer-adresse/renvoyer"):
        assert client.post(path, data={"email": "lea@example.org"}).status_code == 400, path

    assert row_counts(runtime) == before
    assert client.get("/suivi").status_code == 200  # still logged in: logout was refused too


def test_citizen_pages_are_never_cached(client: FlaskClient, runtime: Runtime) -> None:
    verified_citizen(client, runtime, "lea@example.org")
    for path in ("/", "/espace", "/suivi", "/connexion"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_routes_answer_with_and_without_a_trailing_slash(client: FlaskClient) -> None:
    for path in ("/connexion", "/inscription", "/mot-de-passe-perdu"):
        assert client.get(path).status_code == 200
        assert client.get(path + "/").status_code == 200


def _file(content: bytes) -> Any:
    import io

    return io.BytesIO(content)


def test_a_document_deposited_for_a_dossier_is_listed_with_its_reference(
        client: FlaskClient, runtime: Runtime) -> None:
    from pipeline.commands.communes import find_commune
    from pipeline.commands.submit import Submission, submit_dossier

    receipt = submit_dossier(runtime.ctx, find_commune(runtime.ctx, "99999").id, Submission(
        demarche="RecensementCitoyen", data={"Personne": {
            "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
            "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
            "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville",
                                "NomVoie": "rue Haute"},
            "MethodeContact": [{"URI": "lea@example.org", "CanalCode": "EMAIL"}]}}))
    deposit_for(runtime, "lea@example.org", "attestation-recensement.pdf",
                dossier_id=receipt.dossier_id)
    verified_citizen(client, runtime, "lea@example.org")

    page = client.get("/espace")

    assert page.status_code == 200
    assert "attestation-recensement.pdf" in shown(page) and receipt.reference in shown(page)
