"""The tools around the mail gateway: ``teledossier mail …`` and the /dev/mail catcher."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.commands.communes import create_commune
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.store.model import Commune, Dossier, InboundMail, Mail, ReplyToken
from teledossier.bootstrap import Runtime
from teledossier.cli import main
from tests.pdfs import ONE_PAGE
from web_minimal import create_app

CORPUS = Path(__file__).parent.parent / "unit" / "mail_corpus"
CITIZEN = "lea@example.org"
AGENTS = "agents@demoville.test"
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def test_parse_reply_prints_what_the_gateway_reads(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEDOSSIER_MAIL_DOMAIN", "mairie.example")
    expected = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    name = "android_samsung_galaxy_clore.eml"

    code, out = run_cli(capsys, "mail", "parse-reply", str(CORPUS / name))

    assert code == 0
    read = json.loads(out)
    assert {"token", "automatic", "command", "argument", "comment", "attachments"} <= set(read)
    assert (read["token"], read["command"], read["automatic"]) == (
        expected[name]["token"], "clore", False)


def test_parse_reply_gives_a_near_command_as_a_suggestion(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEDOSSIER_MAIL_DOMAIN", "mairie.example")
    raw = (b"From: agent@mairie.fr\nTo: reponse+dixznbtq3wuishnl@mairie.example\n"
           b"Content-Type: text/plain; charset=utf-8\n\nAccept\xc3\xa9.\nVu avec le maire.\n")
    monkeypatch.setattr("sys.stdin", type("In", (), {"buffer": __import__("io").BytesIO(raw)}))

    code, out = run_cli(capsys, "mail", "parse-reply", "-")

    read = json.loads(out)
    assert code == 0
    assert (read["command"], read["suggested_command"], read["suggested_comment"]) == (
        None, "accepter", "Vu avec le maire.")


def test_parse_reply_corpus_prints_the_pass_rate_per_class(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEDOSSIER_MAIL_DOMAIN", "mairie.example")
    corpus = CORPUS.parent / "reply_corpus"

    code, out = run_cli(capsys, "mail", "parse-reply", "--corpus", str(corpus))

    assert code == 0, out
    for klass in ("spaces", "quote_headers", "html_below_quote", "charsets", "emphasis",
                  "automatic", "near_commands"):
        assert re.search(rf"^  {klass} +\d+/\d+ +100\.0 %$", out, re.MULTILINE), klass
    assert "par seconde" in out


def test_parse_reply_of_a_missing_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["mail", "parse-reply", "/nulle/part.eml"]) == 1
    assert "lecture de /nulle/part.eml impossible" in capsys.readouterr().err


@pytest.fixture
def catcher(runtime_factory: Callable[..., Runtime], sqlite_url: str,
            monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The embedded default: SQLite, in-process broker, no SMTP relay (mail kept in the base)."""
    for name in list(os.environ):
        if name.startswith("TELEDOSSIER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TELEDOSSIER_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TELEDOSSIER_MAIL_DOMAIN", "demoville.test")
    runtime = runtime_factory(sqlite_url)
    create_commune(runtime.ctx, insee="99999", name="Démoville", agents_email=AGENTS)
    runtime.start_relay()
    runtime.start_worker()
    return runtime


def wait_for(condition: Callable[[], object], what: str, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def notification_of(runtime: Runtime) -> tuple[str, Mail]:
    with runtime.ctx.db.transaction() as session:
        commune_id = session.scalars(select(Commune.id)).one()
    data = {"Personne": {
        "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
        "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
        "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville",
                            "CodeINSEE": "99999", "NomVoie": "rue Haute"},
        "MethodeContact": [{"URI": CITIZEN, "CanalCode": "EMAIL"}]}}
    receipt = submit_dossier(runtime.ctx, commune_id, Submission(
        demarche="RecensementCitoyen", data=data,
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                     for kind in ("justificatif_identite", "livret_famille")]))

    def sent_notification() -> Mail | None:
        with runtime.ctx.db.transaction() as session:
            return session.scalar(select(Mail).where(
                Mail.dossier_id == receipt.dossier_id, Mail.purpose == "agent_notification",
                Mail.status == "sent"))
    return receipt.reference, wait_for(sent_notification, "the agents' notification")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the form"
    return found.group(1)


def test_dev_mail_shows_outgoing_mail_and_its_reply_form_acts(catcher: Runtime) -> None:
    reference, notification = notification_of(catcher)
    client = create_app(catcher).test_client()

    listing = client.get("/dev/mail").get_data(as_text=True)
    assert f"Nouveau dossier {reference}" in listing
    page = client.get(f"/dev/mail/{notification.id}").get_data(as_text=True)
    assert "Répondre" in page and notification.reply_to in page
    answer = client.post(f"/dev/mail/{notification.id}/repondre", data={
        "csrf_token": csrf_of(page), "from": AGENTS,
        "body": "Reçu, nous vous recontactons."})

    assert answer.status_code == 303

    def received() -> bool:
        with catcher.ctx.db.transaction() as session:
            return session.scalar(select(Dossier.status)) == "received"
    wait_for(received, "the dossier received")
    with catcher.ctx.db.transaction() as session:
        inbound = session.scalars(select(InboundMail)).one()
        assert (inbound.source, inbound.status) == ("catcher", "applied")
    told = wait_for(lambda: [m for m in sent_mails(catcher) if m.purpose == "status_change"],
                    "the citizen told")
    assert "nous vous recontactons." in told[0].body_text
    assert "applied" in client.get("/dev/mail").get_data(as_text=True)


def sent_mails(runtime: Runtime) -> list[Mail]:
    with runtime.ctx.db.transaction() as session:
        return list(session.scalars(select(Mail).where(Mail.status == "sent")))


def test_dev_mail_form_without_csrf_token_is_refused(catcher: Runtime) -> None:
    _, notification = notification_of(catcher)
    client = create_app(catcher).test_client()

    answer = client.post(f"/dev/mail/{notification.id}/repondre",
                         data={"from": AGENTS, "body": "accepter"})

    assert answer.status_code == 400
    with catcher.ctx.db.transaction() as session:
        assert session.scalars(select(InboundMail)).all() == []


def test_dev_mail_is_absent_when_a_relay_is_configured(
        runtime_factory: Callable[..., Runtime], sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, smtp_url="smtp://relais.example:25")
    assert create_app(runtime).test_client().get("/dev/mail").status_code == 404


def test_mail_log_and_disabled_agent(catcher: Runtime,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.commands.accounts import create_user
    from pipeline.store.model import User

    create_user(catcher.ctx, email="instructeur@demoville.test", role="agent",
                commune_insee="99999")
    with catcher.ctx.db.transaction() as session:
        session.scalars(select(User)).one().wants_notifications = True
    reference, notification = notification_of(catcher)
    client = create_app(catcher).test_client()
    page = client.get(f"/dev/mail/{notification.id}").get_data(as_text=True)
    client.post(f"/dev/mail/{notification.id}/repondre", data={
        "csrf_token": csrf_of(page), "from": "intrus@example.net", "body": "accepter"})

    def handled() -> bool:
        with catcher.ctx.db.transaction() as session:
            return session.scalar(select(InboundMail.status)) == "rejected"
    wait_for(handled, "the reply handled")
    code, out = run_cli(capsys, "mail", "log")

    assert code == 0
    assert f"rejected [{reference}] de intrus@example.net" in out

    code, out = run_cli(capsys, "user", "disable", "--email", "instructeur@demoville.test")
    assert code == 0
    with catcher.ctx.db.transaction() as session:
        assert session.scalar(select(Dossier.status)) == "transmitted"
        agent_tokens = session.scalars(select(ReplyToken).where(
            ReplyToken.user_id.is_not(None))).all()
        assert agent_tokens and all(token.revoked_at is not None for token in agent_tokens)


def test_dev_mail_answers_only_the_machine_itself(catcher: Runtime) -> None:
    client = create_app(catcher).test_client()
    assert client.get("/dev/mail").status_code == 200
    assert client.get("/dev/mail", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
