"""The operators' page and /metrics: who may see them, what they show, replaying failed work."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from pipeline.commands.accounts import create_user
from pipeline.commands.communes import create_commune
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.queues import SEND_ACTOR
from pipeline.mail.outbox import queue_mail
from pipeline.mail.replies.receive import receive_mail
from pipeline.ops.broker import broker_figures, management_api
from pipeline.ops.failed_work import record_failure
from pipeline.settings import Settings
from pipeline.store.model import Dossier, FailedWork, InboundMail, Mail, OutboxMessage
from teledossier.bootstrap import Runtime
from tests import services
from tests.pdfs import ONE_PAGE
from web_minimal import create_app

INSEE = "99999"
CITIZEN = "lea.dupont@example.org"
MASKED_CITIZEN = "l***@example.org"
FAMILY_NAME, FIRST_NAME = "Dupont", "Léa"
OPERATOR = ("exploitation@demoville.test", "operateur-mot-de-passe")
AGENT = ("agent@demoville.test", "agent-mot-de-passe-1")
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
QUEUE_LABELS = ["Réception", "Vérification", "Notification des agents", "Attestation",
                "Dépôt dans l'espace confidentiel", "Clôture", "Envoi des courriels",
                "Courriels reçus", "Appels des partenaires (webhooks)"]
#: A sample line of the Prometheus text format 0.0.4: name, optional labels, value.
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r',?)*)\})? (NaN|[+-]Inf|[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)')
COMMENT = re.compile(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


# --- helpers -----------------------------------------------------------------------------------

class Tables(HTMLParser):
    """The tables of a page by caption: each row a list of its cells' text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._caption = [], []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[" ".join("".join(self._caption or []).split())] = self._rows

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None and not self._rows:
            self._caption.append(data)

    def starting(self, caption: str) -> list[list[str]]:
        """The rows of the table whose caption starts with ``caption``."""
        found = [rows for name, rows in self.tables.items() if name.startswith(caption)]
        assert found, f"no table « {caption} » in {list(self.tables)}"
        return found[0]


def queue_rows(page: str) -> dict[str, list[str]]:
    """The per-queue table: queue name → the row's cells (label first)."""
    rows = Tables(page).starting("Par file")
    return {row[0].split()[-1]: row for row in rows[1:]}


def header(page: str) -> list[str]:
    return Tables(page).starting("Par file")[0]


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: FlaskClient, email: str, password: str) -> None:
    """Log in through the agents' login page, as an operator or agent does."""
    page = client.get("/gestion/connexion").get_data(as_text=True)
    response = client.post("/gestion/connexion", data={
        "email": email, "password": password, "csrf_token": csrf_of(page)})
    assert response.status_code == 303, response.get_data(as_text=True)


def rco_data(email: str = CITIZEN) -> dict[str, Any]:
    return {"Personne": {
        "NomFamille": FAMILY_NAME, "PrenomUsuel": FIRST_NAME, "DateNaissance": "20/10/2010",
        "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
        "AdresseDomicile": {"CodePostal": INSEE, "Localite": "Démoville", "CodeINSEE": INSEE,
                            "NomVoie": "rue Haute"},
        "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"}]}}


def file_dossier(runtime: Runtime, commune_id: int) -> tuple[str, str]:
    """A citizen's RCO, filed as the web form does; returns (dossier id, reference)."""
    receipt = submit_dossier(runtime.ctx, commune_id, Submission(
        demarche="RecensementCitoyen", data=rco_data(), channel="web",
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                     for kind in ("justificatif_identite", "livret_famille")]))
    return receipt.dossier_id, receipt.reference


def fail_stage(runtime: Runtime, dossier_id: str, queue: str = "validation") -> int:
    """What the workers record when a stage gave up on a dossier."""
    with runtime.ctx.db.transaction() as session:
        session.execute(update(Dossier).where(Dossier.id == dossier_id)
                        .values(stage=queue))
    return record_failure(
        runtime.ctx, queue=queue, actor=queue, args=[dossier_id], message_id="msg-1",
        reason=("Traceback (most recent call last):\n  File \"validation.py\", line 3\n"
                f"RuntimeError: lecture impossible pour {CITIZEN}"), attempts=9)


def fail_mail(runtime: Runtime, dossier_id: str) -> tuple[str, int]:
    """A mail the relay refused for good, as send_mail leaves it; returns (mail id, failed id)."""
    ctx = runtime.ctx
    with ctx.db.transaction() as session:
        dossier = session.get(Dossier, dossier_id)
        queue_mail(session, ctx, cause="test:failed", recipient=CITIZEN,
                   purpose="acknowledgement", subject=f"Votre demande {dossier.reference}",
                   body=f"Bonjour {FIRST_NAME} {FAMILY_NAME}", sender_name="Mairie",
                   dossier=dossier)
    with ctx.db.transaction() as session:
        mail = session.scalars(select(Mail).where(Mail.cause == "test:failed")).one()
        mail.status = "failed"
        mail.last_error = f"550 5.1.1 <{CITIZEN}>: Recipient address rejected"
        mail.updated_at = ctx.clock.now()
        mail_id = mail.id
    failed_id = record_failure(ctx, queue="mail", actor=SEND_ACTOR, args=[mail_id],
                               message_id="msg-2",
                               reason=f"SMTPRecipientsRefused: {CITIZEN} refusé", attempts=30)
    return mail_id, failed_id


def citizen_reply(runtime: Runtime, dossier_id: str) -> None:
    """A reply from the citizen, read and rejected (the outcome names the sender)."""
    message = EmailMessage()
    message["From"] = f"{FIRST_NAME} {FAMILY_NAME} <{CITIZEN}>"
    message["To"] = "reponse+abc@demoville.test"
    message["Subject"] = f"Question de {FIRST_NAME} {FAMILY_NAME}"
    message["Message-ID"] = "<question-1@example.org>"
    message.set_content(f"Bonjour, je suis {FIRST_NAME} {FAMILY_NAME}.")
    received = receive_mail(runtime.ctx, message.as_bytes(), source="smtp",
                            envelope_from=CITIZEN, envelope_to="reponse+abc@demoville.test")
    with runtime.ctx.db.transaction() as session:
        session.execute(update(InboundMail).where(InboundMail.id == received.inbound_id).values(
            dossier_id=dossier_id, status="rejected",
            outcome=f"{CITIZEN} : n'est pas le destinataire de ce lien ; "
                    f"déposé : {FAMILY_NAME}_cni.pdf, {FAMILY_NAME}_livret.pdf"))


class Installation:
    """A commune with an operator and an agent, and the web application of its runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.commune_id = create_commune(runtime.ctx, insee=INSEE, name="Démoville",
                                         agents_email="agents@demoville.test").id
        create_user(runtime.ctx, email=OPERATOR[0], role="operator", commune_insee=None,
                    password=OPERATOR[1])
        create_user(runtime.ctx, email=AGENT[0], role="agent", commune_insee=INSEE,
                    password=AGENT[1])
        self.app = create_app(runtime)

    def client(self, who: tuple[str, str] | None = OPERATOR, **environ: str) -> FlaskClient:
        client = self.app.test_client()
        if environ:
            client.environ_base.update(environ)
        if who is not None:
            log_in(client, *who)
        return client


@pytest.fixture
def installation(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Installation:
    """SQLite and the in-process broker, not started: what the page shows stays put."""
    return Installation(runtime_factory(sqlite_url))


def metrics_of(client: FlaskClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Parse /metrics strictly: every line a sample or a HELP/TYPE comment."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    typed: set[str] = set()
    for line in response.get_data(as_text=True).splitlines():
        comment = COMMENT.fullmatch(line)
        if comment:
            if comment[1] == "TYPE":
                assert comment[3] in ("gauge", "counter", "histogram", "summary", "untyped")
                typed.add(comment[2])
            continue
        sample = SAMPLE.fullmatch(line)
        assert sample, f"not a Prometheus line: {line!r}"
        assert sample[1] in typed, f"{sample[1]} has no TYPE line before it"
        labels = frozenset(LABEL.findall(sample[2] or ""))
        samples[(sample[1], labels)] = float(sample[3])
    return samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


# --- who may see the page ----------------------------------------------------------------------

def test_anonymous_visitor_is_sent_to_the_login_page(installation: Installation) -> None:
    response = installation.client(None).get("/ops")

    assert response.status_code == 302
    assert response.location.startswith("/gestion/connexion?suivant=/ops")


def test_agent_is_refused_the_operators_page(installation: Installation) -> None:
    response = installation.client(AGENT).get("/ops")

    assert response.status_code == 403
    assert "réservée aux opérateurs" in response.get_data(as_text=True)


def test_operator_logging_in_lands_on_the_operators_page(installation: Installation) -> None:
    client = installation.client(None)
    page = client.get("/gestion/connexion").get_data(as_text=True)
    response = client.post("/gestion/connexion", data={
        "email": OPERATOR[0], "password": OPERATOR[1], "csrf_token": csrf_of(page)})

    assert response.status_code == 303
    assert response.location.endswith("/ops")
    assert "Supervision de la chaîne de traitement" in client.get("/ops").get_data(as_text=True)


# --- what the operator sees --------------------------------------------------------------------

def test_without_rabbitmq_queues_come_from_the_database_and_say_why(
        installation: Installation) -> None:
    dossier_id, _ = file_dossier(installation.runtime, installation.commune_id)
    fail_stage(installation.runtime, dossier_id)

    page = installation.client().get("/ops/").get_data(as_text=True)

    assert "Profondeur des files indisponible" in page
    assert "intégrée au processus" in page
    rows = queue_rows(page)
    assert [row[0].rsplit(" ", 1)[0] for row in rows.values()] == QUEUE_LABELS
    assert header(page) == ["File", "En attente (base)", "À publier (outbox)", "En échec"]
    # The dossier waits for validation (where its work failed); its intake message is unsent.
    assert rows["validation"][1:] == ["1", "0", "1"]
    assert rows["intake"][1:] == ["0", "1", "0"]
    states = dict(Tables(page).starting("Nombre de dossiers")[1:])
    assert states["Dossier déposé, en cours de vérification"] == "1"
    assert states["Total"] == "1"


def test_broker_that_does_not_answer_is_named_with_the_reason(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    installation = Installation(runtime_factory(
        sqlite_url, broker_url="amqp://teledossier:secret@127.0.0.1:9/prod",
        rabbitmq_api_url="http://127.0.0.1:9/api"))

    page = installation.client().get("/ops").get_data(as_text=True)

    assert "Profondeur des files indisponible" in page
    assert "l&#39;API de gestion de RabbitMQ (http://127.0.0.1:9/api) ne répond pas" in page
    assert "secret" not in page
    assert len(queue_rows(page)) == len(QUEUE_LABELS)


@pytest.mark.rabbitmq
def test_with_rabbitmq_each_queue_shows_its_depth_consumers_and_rates(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, amqp_url: str) -> None:
    runtime = runtime_factory(sqlite_url, broker_url=amqp_url,
                              rabbitmq_api_url=services.RABBIT_API)
    installation = Installation(runtime)
    runtime.start_relay()  # publishes, but no worker consumes: the message stays ready
    file_dossier(runtime, installation.commune_id)
    client = installation.client()

    def intake_ready() -> dict[str, list[str]] | None:
        rows = queue_rows(client.get("/ops").get_data(as_text=True))
        # The management API refreshes its statistics every few seconds.
        return rows if rows["intake"][3] == "1" else None

    rows = wait_for(intake_ready, "the intake message in RabbitMQ's figures")
    page = client.get("/ops").get_data(as_text=True)
    assert "Files lues à l'instant dans RabbitMQ" in page.replace("&#39;", "'")
    assert header(page) == ["File", "En attente (base)", "À publier (outbox)", "Prêts",
                            "En cours (non acquittés)", "Nouvel essai (.DQ)", "Morts (.XQ)",
                            "Consommateurs", "Publiés par s", "Distribués par s", "En échec"]
    assert rows["intake"][1] == "1"  # the dossier waits for intake
    assert rows["intake"][7] == "0 (aucun worker)"
    assert rows["validation"][3] == "0"
    samples = metrics_of(client)
    assert value(samples, "teledossier_queue_figures_available") == 1
    assert value(samples, "teledossier_queue_ready", queue="intake") == 1
    assert value(samples, "teledossier_queue_consumers", queue="intake") == 0


def test_management_api_is_derived_from_the_broker_url() -> None:
    derived = management_api(Settings.from_env({
        "TELEDOSSIER_BROKER_URL": "amqp://teledossier:mot%40passe@rabbit.local:5672/prod"}))
    default_vhost = management_api(Settings.from_env({
        "TELEDOSSIER_BROKER_URL": "amqp://rabbit.local"}))
    given = management_api(Settings.from_env({
        "TELEDOSSIER_BROKER_URL": "amqp://teledossier:x@rabbit.local/%2F",
        "TELEDOSSIER_RABBITMQ_API_URL": "https://supervision:s3cret@gestion.local:443"}))

    assert derived is not None and default_vhost is not None and given is not None
    assert (derived.url, derived.username, derived.password, derived.vhost) == (
        "http://rabbit.local:15672/api", "teledossier", "mot@passe", "prod")
    assert (default_vhost.username, default_vhost.vhost) == ("guest", "/")
    assert (given.url, given.username, given.password, given.vhost) == (
        "https://gestion.local:443/api", "supervision", "s3cret", "/")
    assert "s3cret" not in repr(given)
    assert management_api(Settings.from_env({})) is None
    assert not broker_figures(Settings.from_env({})).known


def test_failed_work_is_listed_then_replayed_by_post(installation: Installation) -> None:
    dossier_id, reference = file_dossier(installation.runtime, installation.commune_id)
    failed_id = fail_stage(installation.runtime, dossier_id)
    client = installation.client()

    page = client.get("/ops").get_data(as_text=True)
    rows = Tables(page).starting("Travail en échec")
    assert rows[1][:6] == [str(failed_id), rows[1][1], "validation", reference, "9",
                           f"RuntimeError: lecture impossible pour {MASKED_CITIZEN}"]
    assert client.get(f"/ops/echecs/{failed_id}/rejouer").status_code == 405

    response = client.post(f"/ops/echecs/{failed_id}/rejouer",
                           data={"csrf_token": csrf_of(page)})

    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert f"Travail n° {failed_id} rejoué" in page
    assert "Aucun travail en échec." in page
    with installation.runtime.ctx.db.transaction() as session:
        assert session.get(FailedWork, failed_id).replayed_at is not None
        assert session.get(Dossier, dossier_id).stage_failed_at is None
        queues = session.scalars(select(OutboxMessage.queue)).all()
    assert "validation" in queues  # the work goes back to its queue
    again = client.post(f"/ops/echecs/{failed_id}/rejouer", data={"csrf_token": csrf_of(page)})
    assert "a déjà été rejoué" in client.get(again.location).get_data(as_text=True)


def test_replay_all_sends_every_failed_work_back(installation: Installation) -> None:
    runtime = installation.runtime
    failed = [fail_stage(runtime, file_dossier(runtime, installation.commune_id)[0])
              for _ in range(3)]
    client = installation.client()
    page = client.get("/ops").get_data(as_text=True)
    assert "Tout rejouer (3)" in page

    response = client.post("/ops/echecs/rejouer-tout", data={"csrf_token": csrf_of(page)})

    assert "3 travail(s) rejoué(s) sur 3." in client.get(response.location).get_data(as_text=True)
    with runtime.ctx.db.transaction() as session:
        assert all(session.get(FailedWork, i).replayed_at is not None for i in failed)


def test_replay_needs_the_form_token_and_an_operator(installation: Installation) -> None:
    dossier_id, _ = file_dossier(installation.runtime, installation.commune_id)
    failed_id = fail_stage(installation.runtime, dossier_id)

    without_token = installation.client().post(f"/ops/echecs/{failed_id}/rejouer")
    agent = installation.client(AGENT)
    agent_page = agent.get("/ops").get_data(as_text=True)  # its logout form has a token
    by_agent = agent.post(f"/ops/echecs/{failed_id}/rejouer",
                          data={"csrf_token": csrf_of(agent_page)})
    anonymous = installation.client(None).post("/ops/echecs/rejouer-tout")

    assert without_token.status_code == 400
    assert by_agent.status_code == 403
    assert anonymous.status_code in (302, 400)
    with installation.runtime.ctx.db.transaction() as session:
        assert session.get(FailedWork, failed_id).replayed_at is None


def test_failed_mail_is_resent_from_the_page(installation: Installation) -> None:
    dossier_id, reference = file_dossier(installation.runtime, installation.commune_id)
    mail_id, failed_id = fail_mail(installation.runtime, dossier_id)
    client = installation.client()

    page = client.get("/ops").get_data(as_text=True)
    rows = Tables(page).starting("Courriels en échec")
    assert rows[1][1:6] == [MASKED_CITIZEN, f"Votre demande {reference}", "échec d'envoi",
                            f"550 5.1.1 <{MASKED_CITIZEN}>: Recipient address rejected",
                            reference]
    assert f'aria-label="Renvoyer le courriel du travail n° {failed_id}"' in page

    response = client.post(f"/ops/echecs/{failed_id}/rejouer", data={"csrf_token": csrf_of(page)})

    page = client.get(response.location).get_data(as_text=True)
    assert "Courriel remis en attente d&#39;envoi" in page
    assert "Aucun courriel non remis." in page
    with installation.runtime.ctx.db.transaction() as session:
        mail = session.get(Mail, mail_id)
        assert (mail.status, mail.attempts) == ("pending", 0)


def test_page_masks_addresses_and_shows_no_personal_data(installation: Installation) -> None:
    runtime = installation.runtime
    dossier_id, reference = file_dossier(runtime, installation.commune_id)
    fail_stage(runtime, dossier_id)
    fail_mail(runtime, dossier_id)
    citizen_reply(runtime, dossier_id)
    with runtime.ctx.db.transaction() as session:
        session.execute(update(Dossier).where(Dossier.id == dossier_id).values(
            stage_since=runtime.ctx.clock.now() - timedelta(hours=1)))

    page = installation.client().get("/ops").get_data(as_text=True)

    assert CITIZEN not in page
    assert FAMILY_NAME not in page and FAMILY_NAME.upper() not in page
    assert FIRST_NAME not in page
    assert MASKED_CITIZEN in page
    stuck = Tables(page).starting("Les dossiers bloqués")
    assert stuck[1][0] == reference and stuck[1][1] == "validation" and stuck[1][3] == "oui"
    inbound = Tables(page).starting("Journal des courriels reçus")
    assert inbound[1][1:] == ["smtp", MASKED_CITIZEN, "refusé",
                              f"{MASKED_CITIZEN} : n'est pas le destinataire de ce lien ; "
                              "déposé : 2 fichier(s)", reference]


# --- /metrics ----------------------------------------------------------------------------------

def test_metrics_parse_and_match_the_database(installation: Installation) -> None:
    runtime = installation.runtime
    dossiers = [file_dossier(runtime, installation.commune_id)[0] for _ in range(2)]
    fail_stage(runtime, dossiers[0])
    fail_mail(runtime, dossiers[1])
    citizen_reply(runtime, dossiers[1])

    samples = metrics_of(installation.client(None))

    assert value(samples, "teledossier_queue_figures_available") == 0
    assert not any(name == "teledossier_queue_ready" for name, _ in samples)
    assert value(samples, "teledossier_dossiers", status="submitted") == 2
    assert value(samples, "teledossier_dossiers", status="closed") == 0
    assert value(samples, "teledossier_dossiers_in_stage", stage="validation") == 1
    assert value(samples, "teledossier_dossiers_in_stage", stage="intake") == 1
    assert value(samples, "teledossier_failed_work", queue="validation") == 1
    assert value(samples, "teledossier_failed_work", queue="mail") == 1
    assert value(samples, "teledossier_failed_work", queue="intake") == 0
    assert value(samples, "teledossier_mails", status="failed") == 1
    assert value(samples, "teledossier_mails", status="sent") == 0
    assert value(samples, "teledossier_inbound_mails", status="rejected") == 1
    assert value(samples, "teledossier_inbound_mails", status="applied") == 0
    assert value(samples, "teledossier_queue_waiting", queue="validation") == 1
    assert value(samples, "teledossier_step_completed", step="verification") == 0
    assert math.isnan(value(samples, "teledossier_step_duration_seconds",
                            step="verification", quantile="0.5"))


def test_metrics_carry_no_personal_data(installation: Installation) -> None:
    runtime = installation.runtime
    dossier_id, reference = file_dossier(runtime, installation.commune_id)
    fail_mail(runtime, dossier_id)
    citizen_reply(runtime, dossier_id)

    text = installation.client(None).get("/metrics").get_data(as_text=True)

    assert "@" not in text
    assert FAMILY_NAME not in text and FIRST_NAME not in text
    assert reference not in text


@pytest.mark.parametrize("database", ["sqlite_url",
                                      pytest.param("pg_url", marks=pytest.mark.postgres)])
def test_metrics_time_the_pipeline_steps(request: pytest.FixtureRequest, database: str) -> None:
    database_url = request.getfixturevalue(database)
    # Asked for after the database: its runtimes stop before the database is dropped.
    runtime = request.getfixturevalue("runtime_factory")(database_url)
    installation = Installation(runtime)
    runtime.start_relay()
    runtime.start_worker()
    dossier_id, _ = file_dossier(runtime, installation.commune_id)

    def verified_and_mailed() -> bool:
        with runtime.ctx.db.transaction() as session:
            status = session.get(Dossier, dossier_id).status
            sent = session.scalar(select(Mail.id).where(Mail.status == "sent"))
        return status == "transmitted" and sent is not None

    wait_for(verified_and_mailed, "validation and a mail sent")
    samples = metrics_of(installation.client(None))

    assert value(samples, "teledossier_step_completed", step="verification") == 1
    assert value(samples, "teledossier_step_completed", step="courriel") >= 1
    verification = value(samples, "teledossier_step_duration_seconds", step="verification",
                         quantile="0.99")
    assert 0 <= verification < 30


def test_metrics_allow_setting_restricts_by_address(runtime_factory: Callable[..., Runtime],
                                                    sqlite_url: str) -> None:
    installation = Installation(runtime_factory(
        sqlite_url, metrics_allow="127.0.0.1/32, 10.0.0.0/8"))

    def status(address: str) -> int:
        return installation.client(None, REMOTE_ADDR=address).get("/metrics").status_code

    assert status("127.0.0.1") == 200
    assert status("10.20.30.40") == 200
    assert status("::ffff:10.0.0.7") == 200
    assert status("192.168.1.10") == 403
    refused = installation.client(None, REMOTE_ADDR="192.168.1.10").get("/metrics")
    assert "TELEDOSSIER_METRICS_ALLOW" in refused.get_data(as_text=True)
    assert status("::1") == 403


def test_metrics_are_open_when_no_network_is_set(installation: Installation) -> None:
    client = installation.client(None, REMOTE_ADDR="203.0.113.9")

    assert client.get("/metrics").status_code == 200
