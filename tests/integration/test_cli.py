"""The ``teledossier`` command: communes, tokens, accounts, processes that refuse to start."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.store.model import ApiToken, Commune
from teledossier.bootstrap import Runtime
from tests.integration.conftest import Cli
from tests.processes import TELEDOSSIER, app_env, free_port
from web_minimal import create_app

INSEE = "06088"
#: A well-formed reference no dossier has: authenticated callers get 404, others 401.
ABSENT_DOSSIER = "/api/v1/dossiers/TD-7K3M9QXAX"


@pytest.fixture
def runtime(runtime_factory: Callable[..., Runtime], database_url: str) -> Runtime:
    """A runtime on the CLI's own database, for looking at rows and serving the API."""
    return runtime_factory(database_url)


def token_rows(runtime: Runtime) -> list[ApiToken]:
    with runtime.ctx.db.transaction() as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def commune_row(runtime: Runtime, insee: str = INSEE) -> Commune:
    with runtime.ctx.db.transaction() as session:
        return session.scalars(select(Commune).where(Commune.insee == insee)).one()


# --- web and worker need RabbitMQ -------------------------------------------------------------


@pytest.mark.parametrize("command", ["web", "worker"])
def test_web_and_worker_refuse_the_embedded_broker(command: str, tmp_path: Path) -> None:
    env = app_env(tmp_path, database_url=f"sqlite:///{tmp_path / 'teledossier.db'}",
                  broker_url="", port=str(free_port()))

    # Were the process to start, it would serve until killed: the timeout fails the test.
    done = subprocess.run([TELEDOSSIER, command], env=env, capture_output=True, text=True,
                          timeout=60)

    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert "file de messages intégrée" in message
    assert "processus séparés" in message
    assert "teledossier up" in message
    assert "TELEDOSSIER_BROKER_URL" in message and "RabbitMQ" in message


# --- Tokens -----------------------------------------------------------------------------------


def test_token_list_shows_each_token_but_never_its_secret(cli: Cli, runtime: Runtime) -> None:
    portal = cli.ok("token", "create", "--commune", INSEE, "--label", "Portail famille").strip()
    reader = cli.ok("token", "create", "--commune", INSEE, "--scope", "submit").strip()

    listing = cli.ok("token", "list", "--commune", INSEE)

    first, second = token_rows(runtime)
    lines = listing.splitlines()
    assert lines[0].split()[:2] == ["ID", "PORTÉES"]
    assert re.match(rf"\s*{first.id}\s+submit,decide\s+\d\d/\d\d/\d{{4}} \d\d:\d\d\s+-\s+"
                    r"Portail famille$", lines[1])
    assert re.match(rf"\s*{second.id}\s+submit\s+\d\d/\d\d/\d{{4}} \d\d:\d\d\s+-$", lines[2])
    for secret in (portal, reader):
        assert secret not in listing
    for row in (first, second):
        assert row.token_sha256 not in listing
    assert "tdk_" not in listing


def test_token_list_of_a_commune_without_tokens(cli: Cli) -> None:
    assert "Aucun jeton" in cli.ok("token", "list", "--commune", INSEE)


@pytest.mark.parametrize(("insee", "message"), [
    ("13055", "aucune commune 13055"),
    ("nice", "code INSEE invalide"),
])
def test_token_list_names_a_bad_commune(cli: Cli, insee: str, message: str) -> None:
    code, _, err = cli("token", "list", "--commune", insee)

    assert code == 1
    assert message in err


def test_revoked_token_is_refused_by_the_api_at_once(cli: Cli, runtime: Runtime) -> None:
    kept = cli.ok("token", "create", "--commune", INSEE).strip()
    revoked = cli.ok("token", "create", "--commune", INSEE).strip()
    client = create_app(runtime, {"TESTING": True}).test_client()

    def answer(token: str) -> int:
        return client.get(ABSENT_DOSSIER, headers={"Authorization": f"Bearer {token}"}
                          ).status_code

    assert answer(revoked) == 404  # accepted: the dossier simply does not exist
    revoked_id = token_rows(runtime)[1].id

    out = cli.ok("token", "revoke", str(revoked_id))

    assert f"Jeton {revoked_id} révoqué" in out
    assert answer(revoked) == 401  # the same application, the very next request
    assert answer(kept) == 404
    rows = token_rows(runtime)
    assert rows[0].revoked_at is None and rows[1].revoked_at is not None
    listed = cli.ok("token", "list", "--commune", INSEE).splitlines()
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d\s+\d\d/\d\d/\d{4} \d\d:\d\d", listed[2])


def test_revoking_twice_keeps_the_first_date(cli: Cli, runtime: Runtime) -> None:
    cli.ok("token", "create", "--commune", INSEE)
    token_id = token_rows(runtime)[0].id
    cli.ok("token", "revoke", str(token_id))
    first = token_rows(runtime)[0].revoked_at

    out = cli.ok("token", "revoke", str(token_id))

    assert "déjà révoqué" in out
    assert token_rows(runtime)[0].revoked_at == first


@pytest.mark.parametrize(("token_id", "message"), [
    ("999", "aucun jeton n° 999"),
    ("abc", "numéro de jeton invalide"),
    ("-3", "numéro de jeton invalide"),
])
def test_revoking_a_bad_token_id_is_an_error(cli: Cli, token_id: str, message: str) -> None:
    code, _, err = cli("token", "revoke", "--", token_id)

    assert code == 1
    assert message in err


# --- Communes ---------------------------------------------------------------------------------


def test_commune_set_changes_the_proof_of_address_and_the_mailbox(cli: Cli,
                                                                  runtime: Runtime) -> None:
    assert commune_row(runtime).rco_requires_proof_of_address is False

    out = cli.ok("commune", "set", "--insee", INSEE, "--rco-proof-of-address", "oui")

    assert "justificatif de domicile exigé (RCO) : oui" in out
    assert commune_row(runtime).rco_requires_proof_of_address is True

    cli.ok("commune", "set", "--insee", INSEE, "--agents-email", " etat-civil@nice.example ")

    commune = commune_row(runtime)
    assert commune.agents_email == "etat-civil@nice.example"
    assert commune.rco_requires_proof_of_address is True  # left as it was

    cli.ok("commune", "set", "--insee", INSEE, "--rco-proof-of-address", "NON")

    assert commune_row(runtime).rco_requires_proof_of_address is False


@pytest.mark.parametrize(("args", "message"), [
    (["--rco-proof-of-address", "peut-être"], "attend « oui » ou « non »"),
    (["--agents-email", "pas-une-adresse"], "adresse de la boîte du service invalide"),
    ([], "rien à modifier"),
])
def test_commune_set_refuses_bad_values(cli: Cli, runtime: Runtime, args: list[str],
                                        message: str) -> None:
    code, _, err = cli("commune", "set", "--insee", INSEE, *args)

    assert code == 1
    assert message in err
    commune = commune_row(runtime)
    assert (commune.agents_email, commune.rco_requires_proof_of_address) == (
        "agents@nice.example", False)


def test_commune_set_on_an_unknown_commune_is_an_error(cli: Cli) -> None:
    code, _, err = cli("commune", "set", "--insee", "13055", "--rco-proof-of-address", "oui")

    assert code == 1
    assert "aucune commune 13055" in err


def test_commune_list_shows_every_commune_and_its_settings(cli: Cli) -> None:
    cli.ok("commune", "create", "--insee", "2a004", "--name", "Ajaccio",
           "--agents-email", "agents@ajaccio.example", "--alias", "20004")
    cli.ok("commune", "set", "--insee", "2A004", "--rco-proof-of-address", "oui")

    listing = cli.ok("commune", "list")

    nice, ajaccio = listing.index("06088  Nice"), listing.index("2A004  Ajaccio")
    assert nice < ajaccio
    assert "agents@nice.example" in listing[nice:ajaccio]
    assert "justificatif de domicile exigé (RCO) : non" in listing[nice:ajaccio]
    assert "agents@ajaccio.example" in listing[ajaccio:]
    assert "justificatif de domicile exigé (RCO) : oui" in listing[ajaccio:]
    assert "anciens codes INSEE : 20004" in listing[ajaccio:]


def test_commune_list_on_an_empty_installation(database_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert "Aucune commune" in Cli(capsys).ok("commune", "list")


# --- Accounts ---------------------------------------------------------------------------------


def test_user_end_sessions_logs_the_account_out_of_every_browser(cli: Cli,
                                                                 runtime: Runtime) -> None:
    created = cli.ok("user", "create", "--role", "agent", "--commune", INSEE,
                     "--email", "agent@nice.example")
    password = re.search(r"Mot de passe : (\S+)", created)
    assert password is not None
    app = create_app(runtime, {"TESTING": True})
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        form = browser.get("/gestion/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        assert browser.post("/gestion/connexion", data={
            "csrf_token": token[1], "email": "agent@nice.example",
            "password": password[1]}).status_code == 303
        assert browser.get("/gestion").status_code == 200

    out = cli.ok("user", "end-sessions", "--email", "Agent@Nice.example")

    assert "Sessions du compte agent@nice.example fermées" in out
    for browser in browsers:
        assert browser.get("/gestion").status_code == 302


def test_user_end_sessions_of_an_unknown_account_is_an_error(cli: Cli) -> None:
    code, _, err = cli("user", "end-sessions", "--email", "personne@nice.example")

    assert code == 1
    assert "aucun compte pour personne@nice.example" in err


# --- Status -----------------------------------------------------------------------------------


def test_status_shows_each_queue_from_the_database_when_the_broker_cannot_tell(
        cli: Cli, runtime: Runtime) -> None:
    from pipeline.commands.submit import Submission, submit_dossier
    from pipeline.domain.attachments import IncomingAttachment
    from tests.integration.web.test_agents import JPEG, PDF, rco_data

    submit_dossier(runtime.ctx, commune_row(runtime).id, Submission(
        demarche="RecensementCitoyen", data=rco_data(), attachments=[
            IncomingAttachment("justificatif_identite", "cni.pdf", PDF),
            IncomingAttachment("livret_famille", "livret.jpg", JPEG)]))

    shown = json.loads(cli.ok("status", "--json"))
    text = cli.ok("status")

    # The in-process broker cannot be measured from outside: the database's figures only.
    assert "intégrée au processus" in shown["queues_error"]
    assert [q["queue"] for q in shown["queues"]] == [
        "intake", "validation", "notification", "attestation", "deposit", "closure", "mail",
        "inbound", "webhook"]
    assert shown["queues"][0] == {"queue": "intake", "waiting": 1, "outbox": 1, "failed": 0}
    assert shown["outbox_backlog"] == 1 and shown["dossiers_by_stage"] == {"intake": 1}
    assert "chiffres de RabbitMQ indisponibles" in text
    assert re.search(r"^  intake\s+1\s+1\s+0$", text, re.M), text


@pytest.mark.rabbitmq
def test_status_reads_each_queue_from_rabbitmq_management_api(
        cli: Cli, amqp_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import services

    monkeypatch.setenv("TELEDOSSIER_BROKER_URL", amqp_url)
    monkeypatch.setenv("TELEDOSSIER_RABBITMQ_API_URL", services.RABBIT_API)

    shown = json.loads(cli.ok("status", "--json"))
    text = cli.ok("status")

    assert shown["queues_error"] is None
    assert all({"waiting", "outbox", "failed", "messages", "unacknowledged", "consumers",
                "delayed", "dead"} <= set(q) for q in shown["queues"])
    assert "RabbitMQ : prêts / en cours / consommateurs" in text
