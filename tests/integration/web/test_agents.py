"""Agents' pages: identification, password reset, and who may open what (roles, CSRF, GET).

The helpers at the top are shared with the other ``test_agents_*`` modules.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from pipeline.commands.accounts import create_user, set_active
from pipeline.commands.communes import create_commune
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.context import PipelineContext
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.clock import FixedClock
from pipeline.flow import ROUTES
from pipeline.store.model import Dossier, HistoryEntry, Mail, OutboxMessage
from teledossier.bootstrap import Runtime
from tests.pdfs import ONE_PAGE
from web_minimal import create_app

PASSWORD = "cheval agrafe batterie"
INSEE, OTHER_INSEE = "06088", "13055"
AGENT, ADMIN, OTHER_AGENT, OPERATOR = (
    "agent@nice.example", "admin@nice.example", "agent@marseille.example", "ops@example.org")
#: A PDF the upload checks accept.
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9"
#: Mid-morning in Paris, 12 March 2026: the tests' "now" unless they move the clock.
NOW = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
HANDLERS = {route.actor: route.handler for route in ROUTES}


# --- Shared helpers -----------------------------------------------------------------------------


def run_outbox(ctx: PipelineContext) -> None:
    """Run every queued stage and mail synchronously, as the relay and workers would."""
    for _ in range(500):
        with ctx.db.transaction() as session:
            row = session.scalars(select(OutboxMessage)
                                  .order_by(OutboxMessage.created_at).limit(1)).first()
            if row is None:
                return
            session.delete(row)
            actor, target = row.actor, str(row.args[0])
        HANDLERS[actor](target, ctx)
    raise AssertionError("the outbox never drained")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def text_of(response: TestResponse) -> str:
    """The page's text as a user reads it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


def rco_data(name: str = "MARTIN", first: str = "Lucas",
             email: str = "lucas.martin@example.org") -> dict[str, Any]:
    return {
        "Formalite": {"FormaliteType": "DECL", "FormaliteMotifCode": "RECENSEMENT"},
        "Personne": {
            "Civilite": "M", "Sexe": "1", "NomFamille": name, "PrenomUsuel": first,
            "DateNaissance": "20/10/2009", "PaysNaissance": "FRA",
            "LieuNaissance": {"Code": "COMMUNE", "Nom": "Nice"},
            "AdresseDomicile": {"NumeroVoie": "3", "TypeVoie": "RUE", "NomVoie": "des Lilas",
                                "CodePostal": "06000", "Localite": "Nice", "CodeINSEE": INSEE},
            "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"},
                               {"URI": "0600000000", "CanalCode": "TEL"}],
        },
        "FiliationPere": {"NomFamille": name, "PrenomUsuel": "Paul"},
    }


def ile_data(name: str = "BERNARD", first: str = "Julie",
             email: str = "julie.bernard@example.org", insee: str = INSEE) -> dict[str, Any]:
    return {
        "Personne": {
            "Civilite": "MME", "Sexe": "2", "NomFamille": name, "PrenomUsuel": first,
            "DateNaissance": "05/06/1990", "Nationalite": "FRA",
            "LieuNaissance": [{"Code": "COMMUNE", "Nom": "Lyon"}],
            "AdresseDomicile": {"CodePostal": "06000", "Localite": "Nice", "CodeINSEE": insee},
            "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"}],
        },
        "Rattachement": {"Motif": "DOMICILE"},
    }


class Desk:
    """One installation (SQLite or PostgreSQL) with two communes, their accounts and a client."""

    def __init__(self, runtime: Runtime, clock: FixedClock) -> None:
        self.runtime = runtime
        self.ctx = runtime.ctx
        self.clock = clock
        self.commune_id = create_commune(self.ctx, insee=INSEE, name="Nice",
                                         agents_email="mairie@nice.example").id
        self.other_commune_id = create_commune(self.ctx, insee=OTHER_INSEE, name="Marseille",
                                               agents_email="mairie@marseille.example").id
        for email, role, insee in ((AGENT, "agent", INSEE), (ADMIN, "admin", INSEE),
                                   (OTHER_AGENT, "agent", OTHER_INSEE),
                                   (OPERATOR, "operator", None)):
            create_user(self.ctx, email=email, role=role, commune_insee=insee, password=PASSWORD)
        self.app = create_app(runtime, {"TESTING": True})
        self.client = self.app.test_client()

    def new_client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, email: str = AGENT, password: str = PASSWORD, suivant: str = "",
              client: FlaskClient | None = None) -> TestResponse:
        client = client or self.client
        page = text_of(client.get("/gestion/connexion"))
        return client.post("/gestion/connexion", data={
            "csrf_token": csrf_of(page), "email": email, "password": password,
            "suivant": suivant})

    def post(self, path: str, data: dict[str, Any] | None = None, *, form_page: str = "/gestion",
             client: FlaskClient | None = None, **kwargs: Any) -> TestResponse:
        """POST a form with the CSRF token read from ``form_page``."""
        client = client or self.client
        token = csrf_of(text_of(client.get(form_page)))
        return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)

    def file(self, demarche: str = "RecensementCitoyen", data: dict[str, Any] | None = None,
             *, commune_id: int | None = None, at: datetime | None = None,
             attachments: list[IncomingAttachment] | None = None, process: bool = True) -> str:
        """File a dossier (at ``at``), run the pipeline to « transmis », return its reference."""
        if at is not None:
            self.clock.instant = at
        ile = demarche == "InscriptionListesElectorales"
        pieces = attachments if attachments is not None else [
            IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
            IncomingAttachment("justificatif_domicile" if ile else "livret_famille",
                               "piece.jpg", JPEG)]
        receipt = submit_dossier(self.ctx, commune_id or self.commune_id, Submission(
            demarche=demarche, data=data or (ile_data() if ile else rco_data()),
            attachments=pieces))
        if process:
            run_outbox(self.ctx)
        self.clock.instant = NOW
        return receipt.reference

    def dossier(self, reference: str) -> Dossier:
        with self.ctx.db.transaction() as session:
            return session.scalars(select(Dossier).where(Dossier.reference == reference)).one()

    def history_count(self, reference: str) -> int:
        with self.ctx.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(HistoryEntry).join(Dossier)
                                  .where(Dossier.reference == reference)) or 0

    def mails(self, recipient: str | None = None, purpose: str | None = None) -> list[Mail]:
        with self.ctx.db.transaction() as session:
            query = select(Mail).order_by(Mail.created_at, Mail.id)
            if recipient:
                query = query.where(Mail.recipient == recipient)
            if purpose:
                query = query.where(Mail.purpose == purpose)
            return list(session.scalars(query))


def make_desk(runtime_factory: Callable[..., Runtime], url: str) -> Desk:
    clock = FixedClock(NOW)
    return Desk(runtime_factory(url, clock=clock), clock)


@pytest.fixture
def desk(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Desk:
    return make_desk(runtime_factory, sqlite_url)


def link_in(mail: Mail) -> str:
    """The path of the set-password link a mail carries."""
    found = re.search(r"http://teledossier\.test(/gestion/nouveau-mot-de-passe/\S+)",
                      mail.body_text)
    assert found, mail.body_text
    return found.group(1)


# --- Identification -----------------------------------------------------------------------------


def test_login_page_has_the_seed_words_and_links(desk: Desk) -> None:
    page = text_of(desk.client.get("/gestion/connexion"))

    assert "Identification" in page and "Utilisateur" in page and "Mot de passe" in page
    assert "Valider" in page
    assert 'href="/gestion/mot-de-passe-perdu"' in page and "Mot de passe perdu" in page
    assert 'href="/gestion/pas-de-compte"' in page and "Pas de compte utilisateur" in page
    assert '<label for="email">' in page and '<label for="password">' in page


def test_agent_logs_in_to_the_list_and_logs_out(desk: Desk) -> None:
    response = desk.login()

    assert response.status_code == 303
    assert response.headers["Location"] == "/gestion/"
    page = text_of(desk.client.get("/gestion"))
    assert "Télédossiers à traiter" in page and f"Utilisateur : {AGENT}" in page

    out = desk.post("/gestion/deconnexion")

    assert out.status_code == 303 and out.headers["Location"] == "/gestion/connexion"
    assert desk.client.get("/gestion").status_code == 302


def test_operator_lands_on_the_operator_pages(desk: Desk) -> None:
    response = desk.login(OPERATOR)

    assert response.status_code == 303 and response.headers["Location"] == "/ops"


def test_wrong_password_says_so_without_telling_whether_the_account_exists(desk: Desk) -> None:
    wrong = desk.login(password="pas le bon mot de passe")
    unknown = desk.login("personne@nice.example")

    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect." in text_of(response)
    assert f'value="{AGENT}"' in text_of(wrong)  # the typed identifier is kept
    assert desk.client.get("/gestion").status_code == 302


def test_disabled_account_cannot_log_in(desk: Desk) -> None:
    set_active(desk.ctx, AGENT, active=False)

    assert "Identifiant ou mot de passe incorrect." in text_of(desk.login())


def test_five_failures_block_the_account_even_with_the_right_password(desk: Desk) -> None:
    for _ in range(5):
        desk.login(password="mauvais mot de passe")

    blocked = desk.login()
    unknown_blocked = [desk.login("inconnu@nice.example", "x") for _ in range(6)][-1]

    assert blocked.status_code == 429
    assert "Trop de tentatives : réessayez dans 15 minutes" in text_of(blocked)
    assert "Trop de tentatives : réessayez dans 15 minutes" in text_of(unknown_blocked)
    desk.clock.instant = NOW + timedelta(minutes=16)
    assert desk.login().status_code == 303


def test_login_goes_back_to_the_page_asked_but_never_elsewhere(desk: Desk) -> None:
    assert desk.login(suivant="/gestion/archives").headers["Location"] == "/gestion/archives"
    other = desk.new_client()
    assert desk.login(suivant="https://evil.example/", client=other).headers["Location"] \
        == "/gestion/"


def test_no_account_page_sends_to_the_commune_administrator(desk: Desk) -> None:
    page = text_of(desk.client.get("/gestion/pas-de-compte"))

    assert "Pas de compte utilisateur" in page and "administrateur de votre commune" in page


# --- Mot de passe perdu -----------------------------------------------------------------------


def test_lost_password_link_sets_a_new_password_once(desk: Desk) -> None:
    answer = desk.post("/gestion/mot-de-passe-perdu", {"email": AGENT.upper()},
                       form_page="/gestion/mot-de-passe-perdu")
    assert "un courriel vient de lui être envoyé" in text_of(answer)
    [mail] = desk.mails(AGENT, "password_reset")
    assert "nouveau mot de passe" in mail.body_text and mail.dossier_id is None
    link = link_in(mail)

    form = desk.client.get(link)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in text_of(form)
    assert desk.client.get(link).status_code == 200  # reading it does not use it
    too_short = desk.client.post(link, data={"csrf_token": csrf_of(text_of(form)),
                                             "password": "court", "confirmation": "court"})
    assert too_short.status_code == 422 and "au moins 12 caractères" in text_of(too_short)
    done = desk.client.post(link, data={"csrf_token": csrf_of(text_of(form)),
                                        "password": "un tout nouveau secret",
                                        "confirmation": "un tout nouveau secret"})

    assert done.status_code == 303 and done.headers["Location"] == "/gestion/connexion"
    assert desk.login(password="un tout nouveau secret").status_code == 303
    used = desk.new_client().get(link)
    assert used.status_code == 410 and "Ce lien n'est plus valable" in text_of(used)
    assert "Identifiant ou mot de passe incorrect." in text_of(desk.login(client=desk.new_client()))


def test_lost_password_link_expires_after_an_hour(desk: Desk) -> None:
    desk.post("/gestion/mot-de-passe-perdu", {"email": AGENT},
              form_page="/gestion/mot-de-passe-perdu")
    link = link_in(desk.mails(AGENT, "password_reset")[0])
    token = csrf_of(text_of(desk.client.get(link)))

    desk.clock.instant = NOW + timedelta(hours=1, minutes=1)

    assert desk.client.get(link).status_code == 410
    late = desk.client.post(link, data={"csrf_token": token, "password": "un secret tardif!",
                                        "confirmation": "un secret tardif!"})
    assert late.status_code == 410
    assert desk.login(password="un secret tardif!").status_code == 200


def test_lost_password_answers_the_same_for_an_unknown_address(desk: Desk) -> None:
    known = desk.post("/gestion/mot-de-passe-perdu", {"email": AGENT},
                      form_page="/gestion/mot-de-passe-perdu")
    unknown = desk.post("/gestion/mot-de-passe-perdu", {"email": "nul@nice.example"},
                        form_page="/gestion/mot-de-passe-perdu")

    def answer(response: TestResponse) -> str:
        return text_of(response).replace(AGENT, "X").replace("nul@nice.example", "X")

    assert answer(known) == answer(unknown)
    assert desk.mails("nul@nice.example") == []
    assert len(desk.mails(AGENT, "password_reset")) == 1


# --- Who may open what ------------------------------------------------------------------------


def test_mailed_dossier_link_asks_for_login_then_opens_the_dossier(desk: Desk) -> None:
    reference = desk.file()
    [notification] = desk.mails("mairie@nice.example", "agent_notification")
    path = f"/gestion/dossiers/{reference}"
    assert f"http://teledossier.test{path}" in notification.body_text

    anonymous = desk.client.get(path)

    assert anonymous.status_code == 302
    location = urlsplit(anonymous.headers["Location"])
    assert location.path == "/gestion/connexion"
    assert parse_qs(location.query) == {"suivant": [path]}
    form = text_of(desk.client.get(anonymous.headers["Location"]))
    assert f'name="suivant" value="{path}"' in form
    logged = desk.client.post("/gestion/connexion", data={
        "csrf_token": csrf_of(form), "email": AGENT, "password": PASSWORD, "suivant": path})
    assert logged.status_code == 303 and logged.headers["Location"] == path
    page = desk.client.get(path)
    assert page.status_code == 200 and reference in text_of(page)


def test_another_communes_agent_gets_404_on_every_dossier_url(desk: Desk) -> None:
    reference = desk.file()
    with desk.ctx.db.transaction() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.reference == reference)).one()
        piece_id = dossier.attachments[0].id
    desk.login(OTHER_AGENT)
    base = f"/gestion/dossiers/{reference}"

    for path in (base, f"{base}/pieces/{piece_id}", f"{base}/elements.zip", f"{base}/depot",
                 f"{base}/documents/1", f"{base}/depots/1"):
        assert desk.client.get(path).status_code == 404, path
    for path, data in ((f"{base}/etat", {"action": "recu"}),
                       (f"{base}/etat", {"action": "message", "commentaire": "Bonjour"}),
                       (f"{base}/depot", {"fichier": (io.BytesIO(PDF), "a.pdf")})):
        assert desk.post(path, data).status_code == 404, path
    assert desk.dossier(reference).status == "transmitted"
    found = text_of(desk.client.get(f"/gestion/rechercher?numero={reference}"))
    assert "Nombre : 0" in found and f'href="{base}"' not in found


def test_a_plain_agent_and_an_operator_get_403_on_the_admin_pages(desk: Desk) -> None:
    desk.login(AGENT)
    assert desk.client.get("/gestion/administration").status_code == 403
    assert desk.post("/gestion/administration/comptes", {"email": "x@nice.example"}
                     ).status_code == 403
    operator = desk.new_client()
    desk.login(OPERATOR, client=operator)
    assert operator.get("/gestion/administration").status_code == 403
    assert operator.get("/gestion").status_code == 403


def test_post_without_csrf_token_is_refused(desk: Desk) -> None:
    reference = desk.file()
    desk.login()

    response = desk.client.post(f"/gestion/dossiers/{reference}/etat", data={"action": "recu"})

    assert response.status_code == 400
    assert "Formulaire expiré ou invalide" in text_of(response)
    assert desk.dossier(reference).status == "transmitted"
    login = desk.new_client().post("/gestion/connexion",
                                   data={"email": AGENT, "password": PASSWORD})
    assert login.status_code == 400


def test_get_never_changes_a_dossier(desk: Desk) -> None:
    reference = desk.file()
    desk.login()
    before = desk.history_count(reference), desk.dossier(reference).status
    mails = len(desk.mails())

    for path in ("", "/etat", "/etat?action=clore", "/depot", "/elements.zip"):
        desk.client.get(f"/gestion/dossiers/{reference}{path}")

    assert (desk.history_count(reference), desk.dossier(reference).status) == before
    assert len(desk.mails()) == mails


def test_pages_answer_with_and_without_a_trailing_slash(desk: Desk) -> None:
    desk.login()
    for path in ("/gestion", "/gestion/", "/gestion/rechercher/", "/gestion/archives/"):
        assert desk.client.get(path).status_code == 200, path
