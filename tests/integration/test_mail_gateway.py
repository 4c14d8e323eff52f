"""Acting by e-mail, end to end over SMTP: notifications out through a real SMTP server, replies
in through the gateway's own SMTP server, handled by the workers.

Runs in the embedded default (SQLite, in-process broker) and on PostgreSQL + RabbitMQ.
"""

from __future__ import annotations

import smtplib
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.sink import free_port
from pipeline.commands.communes import create_commune, issue_token
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.store.model import CitizenDocument, Dossier, InboundMail, Mail, ReplyToken
from teledossier.bootstrap import Runtime
from tests.mail_sink import MailSink, Received
from tests.pdfs import ONE_PAGE, stored, with_catalog
from web_minimal import create_app

CITIZEN = "lea@example.org"
AGENTS = "agents@demoville.test"
INTRUDER = "intrus@example.net"
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
DEADLINE = 30.0


@dataclass
class Gateway:
    runtime: Runtime
    sink: MailSink
    smtp_port: int

    @property
    def ctx(self) -> Any:
        return self.runtime.ctx


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres-rabbitmq", marks=[pytest.mark.postgres, pytest.mark.rabbitmq]),
])
def gateway(request: pytest.FixtureRequest,
            runtime_factory: Callable[..., Runtime]) -> Iterator[Gateway]:
    if request.param == "sqlite":
        backend = {"database_url": request.getfixturevalue("sqlite_url")}
    else:
        backend = {"database_url": request.getfixturevalue("pg_url"),
                   "broker_url": request.getfixturevalue("amqp_url")}
    sink = MailSink().start()
    port = free_port()
    runtime = runtime_factory(**backend, smtp_url=sink.url, inbound_smtp=f"127.0.0.1:{port}")
    create_commune(runtime.ctx, insee="99999", name="Démoville", agents_email=AGENTS)
    runtime.start_relay()
    runtime.start_worker()
    runtime.start_mail_gateway()
    try:
        yield Gateway(runtime, sink, port)
    finally:
        sink.stop()


def wait_until(condition: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def file_dossier(gw: Gateway) -> tuple[str, Received]:
    """A citizen files an RCO; return its reference and the agents' notification."""
    data = {"Personne": {
        "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
        "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
        "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville", "CodeINSEE": "99999",
                            "NomVoie": "rue Haute"},
        "MethodeContact": [{"URI": CITIZEN, "CanalCode": "EMAIL"}]}}
    receipt = submit_dossier(gw.ctx, _commune_id(gw), Submission(
        demarche="RecensementCitoyen", data=data,
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                     for kind in ("justificatif_identite", "livret_famille")]))
    notification = mail_to(gw, AGENTS, receipt.reference, "Nouveau dossier")
    return receipt.reference, notification


def _commune_id(gw: Gateway) -> int:
    from pipeline.store.model import Commune

    with gw.ctx.db.transaction() as session:
        return session.scalars(select(Commune.id)).one()


def mail_to(gw: Gateway, recipient: str, reference: str, subject_part: str,
            count: int = 1) -> Received:
    """Wait for the ``count``-th mail to ``recipient`` about ``reference`` whose subject says…"""
    def found() -> list[Received]:
        return [r for r in gw.sink.to(recipient)
                if reference in r.subject and subject_part in r.subject]
    return wait_until(lambda: len(found()) >= count and found(),
                      f"mail « {subject_part} » to {recipient}")[count - 1]


def reply_to(notification: Received, sender: str, body: str, *,
             headers: dict[str, str] | None = None, message_id: str | None = None,
             attachment: tuple[str, bytes] | None = None) -> bytes:
    """The reply a mail client sends: To the Reply-To, quoting the original below."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.message["Reply-To"]
    message["Subject"] = f"RE: {notification.subject}"
    message["Message-ID"] = message_id or make_msgid(domain="client.example")
    message["In-Reply-To"] = notification.message["Message-ID"]
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment[1], maintype="application", subtype="pdf",
                               filename=attachment[0])
    # CRLF, as a mail client sends: smtplib passes bytes on as they are, and the server takes
    # a message in bare LF for one line, too long past 1000 octets.
    return message.as_bytes(policy=policy.SMTP)


def send(gw: Gateway, raw: bytes, envelope_from: str, recipient: str) -> tuple[int, str]:
    """Hand a message to the gateway's SMTP server; the (code, text) of its DATA answer."""
    with smtplib.SMTP("127.0.0.1", gw.smtp_port, timeout=10) as client:
        client.ehlo()
        client.mail(envelope_from)
        code, text = client.rcpt(recipient)
        if code != 250:
            return code, text.decode()
        code, text = client.data(raw)
        return code, text.decode()


def inbound_outcomes(gw: Gateway) -> list[tuple[str, str]]:
    with gw.ctx.db.transaction() as session:
        return [(row.status, row.outcome) for row in
                session.scalars(select(InboundMail).order_by(InboundMail.received_at))]


def handled(gw: Gateway, count: int) -> list[tuple[str, str]]:
    return wait_until(lambda: (lambda rows: len(rows) >= count
                               and all(s != "queued" for s, _ in rows) and rows)(
        inbound_outcomes(gw)), f"{count} inbound message(s) handled")


def dossier(gw: Gateway, reference: str) -> Dossier:
    with gw.ctx.db.transaction() as session:
        found = session.scalars(select(Dossier).where(Dossier.reference == reference)).one()
        found.history  # noqa: B018 - loaded before the session closes
        return found


QUOTED_CLORE = """Reçu, nous étudions votre demande.
Merci de votre patience.

Le jeu. 26 nov. 2026 à 10:12, Suivi <ne-pas-repondre@demoville.test> a écrit :
> clore
> Un usager a déposé un dossier destiné à votre service.
"""


def test_agent_replies_recu_with_comment_and_quoted_clore(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    raw = reply_to(notification, AGENTS, QUOTED_CLORE)

    code, _ = send(gateway, raw, AGENTS, notification.message["Reply-To"])

    assert code == 250
    assert handled(gateway, 1)[0][0] == "applied"
    found = dossier(gateway, reference)
    assert found.status == "received" and found.stage is None and found.outcome is None
    assert [(h.action, h.channel, h.actor) for h in found.history][-1] == \
        ("recu", "email", AGENTS)
    told = mail_to(gateway, CITIZEN, reference, "reçu par le service traitant")
    assert "nous étudions votre demande." in told.body and "Merci de votre patience." in told.body
    assert "clore" not in told.body
    confirmation = mail_to(gateway, AGENTS, reference, "reçu par le service traitant")
    assert "prise en compte" in confirmation.body
    time.sleep(1)  # a duplicate, if any, would arrive now
    assert len([r for r in gateway.sink.to(CITIZEN) if "reçu par" in r.subject]) == 1


def test_reply_from_other_address_is_refused_and_changes_nothing(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    raw = reply_to(notification, INTRUDER, "accepter")

    code, text = send(gateway, raw, INTRUDER, notification.message["Reply-To"])

    assert code == 550, text
    assert handled(gateway, 1)[0][0] == "rejected"
    assert dossier(gateway, reference).status == "transmitted"
    warning = mail_to(gateway, AGENTS, reference, "autre adresse")
    assert INTRUDER in warning.body
    assert gateway.sink.to(INTRUDER) == []


def test_out_of_office_is_ignored_and_never_answered(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    before = len(gateway.sink.to(AGENTS))
    raw = reply_to(notification, AGENTS, "Je suis absente jusqu'au 3 décembre.\nclore",
                   headers={"Auto-Submitted": "auto-replied"})
    raw = raw.replace(b"Subject: RE:", b"Subject: R\xc3\xa9ponse automatique :", 1)

    code, _ = send(gateway, raw, AGENTS, notification.message["Reply-To"])

    assert code == 250
    status, outcome = handled(gateway, 1)[0]
    assert status == "ignored" and "automatique" in outcome
    time.sleep(1)
    assert len(gateway.sink.to(AGENTS)) == before
    assert dossier(gateway, reference).status == "transmitted"


def test_same_message_delivered_twice_is_applied_once(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    raw = reply_to(notification, AGENTS, "reçu", message_id="<une-seule-fois@client.example>")

    first = send(gateway, raw, AGENTS, notification.message["Reply-To"])
    second = send(gateway, raw, AGENTS, notification.message["Reply-To"])

    assert first[0] == 250 and second[0] == 250 and "déjà reçu" in second[1]
    assert [s for s, _ in handled(gateway, 1)] == ["applied"]
    assert [h.action for h in dossier(gateway, reference).history].count("recu") == 1
    mail_to(gateway, CITIZEN, reference, "reçu par le service traitant")
    time.sleep(1)
    assert len([r for r in gateway.sink.to(CITIZEN) if "reçu par" in r.subject]) == 1


def test_refuser_closes_with_motive_and_revokes_reply_addresses(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    raw = reply_to(notification, AGENTS,
                   "Refuser : vous n'avez pas l'âge requis.\nRevenez l'an prochain.")

    send(gateway, raw, AGENTS, notification.message["Reply-To"])

    closed = mail_to(gateway, CITIZEN, reference, "refusée")
    assert "vous n'avez pas l'âge requis." in closed.body
    assert "Revenez l'an prochain." in closed.body
    found = dossier(gateway, reference)
    assert (found.status, found.outcome) == ("closed", "refused")
    with gateway.ctx.db.transaction() as session:
        assert all(t.revoked_at is not None for t in session.scalars(select(ReplyToken)))
    late = reply_to(notification, AGENTS, "accepter", message_id="<tard@client.example>")
    send(gateway, late, AGENTS, notification.message["Reply-To"])
    assert handled(gateway, 2)[1][0] == "rejected"
    rejection = mail_to(gateway, AGENTS, "", "non prise en compte")
    assert "plus valable" in rejection.body


def test_illegal_command_is_rejected_with_the_reason(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    send(gateway, reply_to(notification, AGENTS, "compléter"), AGENTS,
         notification.message["Reply-To"])

    assert handled(gateway, 1)[0][0] == "rejected"
    rejection = mail_to(gateway, AGENTS, reference, "non prise en compte")
    assert "motif est obligatoire" in rejection.body
    assert dossier(gateway, reference).status == "transmitted"


def test_reply_without_command_is_a_message_to_the_citizen(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    send(gateway, reply_to(notification, AGENTS, "Pouvez-vous passer en mairie mardi ?"),
         AGENTS, notification.message["Reply-To"])

    message = mail_to(gateway, CITIZEN, reference, "message de la mairie")
    assert "Pouvez-vous passer en mairie mardi ?" in message.body
    assert message.message["Reply-To"].startswith("reponse+")
    found = dossier(gateway, reference)
    assert found.status == "transmitted"
    assert found.history[-1].action == "message"


def test_citizen_reply_becomes_a_message_for_the_agents_and_never_acts(gateway: Gateway) -> None:
    reference, _ = file_dossier(gateway)
    acknowledgement = mail_to(gateway, CITIZEN, reference, "enregistrée")
    raw = reply_to(acknowledgement, CITIZEN, "clore\nJe voudrais modifier mon adresse.")

    code, _ = send(gateway, raw, CITIZEN, acknowledgement.message["Reply-To"])

    assert code == 250
    relayed = mail_to(gateway, AGENTS, reference, "message de l'usager")
    assert "Je voudrais modifier mon adresse." in relayed.body
    found = dossier(gateway, reference)
    assert found.status == "transmitted" and found.history[-1].action == "message"


def test_agent_attachment_is_deposited_for_the_citizen(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    raw = reply_to(notification, AGENTS, "accepter",
                   attachment=("attestation signée.pdf", PDF))

    send(gateway, raw, AGENTS, notification.message["Reply-To"])

    # Two deposits, two mails: the agent's file now, the attestation after acceptance.
    wait_until(lambda: [r for r in gateway.sink.to(CITIZEN) if "attestation sign" in r.body
                        and reference in r.subject
                        and "un document vous attend" in r.subject], "the deposit mail")
    with gateway.ctx.db.transaction() as session:
        documents = session.scalars(select(CitizenDocument)
                                    .where(CitizenDocument.kind == "depot")).all()
        assert [(d.owner_email, d.media_type, d.size) for d in documents] == \
            [(CITIZEN, "application/pdf", len(stored(PDF)))]


def test_agent_attachment_with_active_content_is_not_deposited_and_the_agent_told_why(
        gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    hostile = with_catalog(b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>",
                           {4: b"<</S/JavaScript/JS(app.alert(1))>>"}, ("ASCII85Decode",))
    raw = reply_to(notification, AGENTS, "reçu", attachment=("facture.pdf", hostile))

    assert send(gateway, raw, AGENTS, notification.message["Reply-To"])[0] == 250

    told = mail_to(gateway, AGENTS, reference, "reçu par le service")
    assert "Pièces jointes non déposées :\n- facture.pdf : le PDF contient du contenu actif" \
        in told.body.replace("\r\n", "\n")
    assert dossier(gateway, reference).status == "received"  # the command itself applies
    with gateway.ctx.db.transaction() as session:
        assert session.scalars(select(CitizenDocument)).all() == []
    assert not [r for r in gateway.sink.to(CITIZEN) if "un document vous attend" in r.subject]


NEAR_COMMAND = """Bien reçu, je regarde votre dossier cette semaine.

Le jeu. 26 nov. 2026 à 10:12, Suivi <ne-pas-repondre@demoville.test> a écrit :
> clore
"""


def test_near_command_is_held_until_the_agent_answers_oui(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    send(gateway, reply_to(notification, AGENTS, NEAR_COMMAND, attachment=("note.pdf", PDF)),
         AGENTS, notification.message["Reply-To"])

    question = mail_to(gateway, AGENTS, reference, "vous vouliez dire « reçu »")
    assert handled(gateway, 1)[0][0] == "suggested"
    assert "Répondez « oui »" in question.body and "je regarde votre dossier" in question.body
    assert question.message["Reply-To"] != notification.message["Reply-To"]
    assert dossier(gateway, reference).status == "transmitted"
    assert not [r for r in gateway.sink.to(CITIZEN) if "message de la mairie" in r.subject
                or "reçu par" in r.subject]

    send(gateway, reply_to(question, AGENTS, "Oui\n\n> Vous vouliez dire « reçu » ?"), AGENTS,
         question.message["Reply-To"])

    told = mail_to(gateway, CITIZEN, reference, "reçu par le service traitant")
    assert "je regarde votre dossier cette semaine." in told.body and "clore" not in told.body
    assert [status for status, _ in handled(gateway, 2)] == ["answered", "applied"]
    assert dossier(gateway, reference).status == "received"
    mail_to(gateway, CITIZEN, reference, "un document vous attend")  # deposited on « oui »

    send(gateway, reply_to(question, AGENTS, "oui", message_id="<encore@client.example>"),
         AGENTS, question.message["Reply-To"])
    assert handled(gateway, 3)[2] == ("rejected",
                                      "cette demande de confirmation a déjà reçu une réponse")


def test_oui_with_nothing_to_confirm_is_rejected_clearly(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    send(gateway, reply_to(notification, AGENTS, "Oui."), AGENTS,
         notification.message["Reply-To"])

    rejection = mail_to(gateway, AGENTS, reference, "non prise en compte")
    assert "aucune commande n'attend de confirmation" in rejection.body
    assert dossier(gateway, reference).status == "transmitted"
    assert not [r for r in gateway.sink.to(CITIZEN) if "message de la mairie" in r.subject]


def test_confirmation_expires_with_its_reply_address(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    send(gateway, reply_to(notification, AGENTS, "Accepté."), AGENTS,
         notification.message["Reply-To"])
    question = mail_to(gateway, AGENTS, reference, "vous vouliez dire « accepter »")
    with gateway.ctx.db.transaction() as session:
        token = session.scalars(select(ReplyToken).where(
            ReplyToken.message_id == question.message["Message-ID"])).one()
        assert token.expires_at - token.created_at <= timedelta(days=7)
        token.expires_at = token.created_at

    send(gateway, reply_to(question, AGENTS, "oui"), AGENTS, question.message["Reply-To"])

    assert handled(gateway, 2)[1] == ("rejected", "cette adresse de réponse a expiré")
    assert dossier(gateway, reference).status == "transmitted"


def test_near_command_from_a_citizen_is_a_message_as_ever(gateway: Gateway) -> None:
    reference, _ = file_dossier(gateway)
    acknowledgement = mail_to(gateway, CITIZEN, reference, "enregistrée")
    send(gateway, reply_to(acknowledgement, CITIZEN, "Bien reçu, merci."), CITIZEN,
         acknowledgement.message["Reply-To"])

    relayed = mail_to(gateway, AGENTS, reference, "message de l'usager")
    assert "Bien reçu, merci." in relayed.body


def test_unknown_address_is_refused_at_rcpt(gateway: Gateway) -> None:
    code, _ = send(gateway, b"Subject: x\r\n\r\nx\r\n", AGENTS, "quelquun@demoville.test")
    assert code == 550


def test_made_up_reply_address_is_refused_at_rcpt_and_nothing_is_stored(
        gateway: Gateway) -> None:
    message = EmailMessage()
    message["From"] = AGENTS
    message["To"] = "reponse+aaaaaaaaaaaaaaaa@demoville.test"
    message["Subject"] = "RE: dossier"
    message.set_content("accepter")
    code, answer = send(gateway, message.as_bytes(), AGENTS, message["To"])
    # The agent's own mail server bounces it back with this reason: nothing to store here.
    assert (code, answer) == (550, "5.1.1 Adresse de réponse inconnue")
    with gateway.ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InboundMail)) == 0


def test_delivery_report_marks_the_mail_bounced_and_the_api_says_so(gateway: Gateway) -> None:
    reference, _ = file_dossier(gateway)
    acknowledgement = mail_to(gateway, CITIZEN, reference, "enregistrée")
    bounce_address = acknowledgement.sender
    report = (
        "From: MAILER-DAEMON@mx.example.org\r\n"
        f"To: {bounce_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {CITIZEN}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "--B--\r\n").encode()

    assert send(gateway, report, "", bounce_address)[0] == 250

    assert handled(gateway, 1)[0][0] == "bounce"
    with gateway.ctx.db.transaction() as session:
        mail = session.scalars(select(Mail).where(Mail.purpose == "acknowledgement")).one()
        assert (mail.status, "User unknown" in (mail.last_error or "")) == ("bounced", True)
    token = issue_token(gateway.ctx, "99999")
    shown = create_app(gateway.runtime).test_client().get(
        f"/api/v1/dossiers/{reference}", headers={"Authorization": f"Bearer {token}"})
    assert shown.json["citizen_email_bounced"] is True


def test_outgoing_mail_is_threaded_and_marked_automatic(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    acknowledgement = mail_to(gateway, CITIZEN, reference, "enregistrée")
    send(gateway, reply_to(notification, AGENTS, "reçu"), AGENTS,
         notification.message["Reply-To"])
    told = mail_to(gateway, CITIZEN, reference, "reçu par le service traitant")

    assert told.message["In-Reply-To"] == acknowledgement.message["Message-ID"]
    assert told.message["References"] == acknowledgement.message["Message-ID"]
    assert told.message["Auto-Submitted"] == "auto-generated"
    assert told.message["X-Auto-Response-Suppress"] == "All"
    assert told.sender.startswith("rebond+") and told.sender.endswith("@demoville.test")
    assert told.message.get_body(preferencelist=("html",)) is not None
    assert told.message["Reply-To"] != acknowledgement.message["Reply-To"]
    with gateway.ctx.db.transaction() as session:
        # Once sent, the reply address lives only in the mailbox; the database keeps a digest.
        assert all(m.reply_to is None for m in session.scalars(select(Mail))
                   if m.status == "sent")


def test_null_envelope_sender_is_never_acted_upon(gateway: Gateway) -> None:
    reference, notification = file_dossier(gateway)
    before = len(gateway.sink.to(AGENTS))

    code, _ = send(gateway, reply_to(notification, AGENTS, "accepter"), "",
                   notification.message["Reply-To"])

    assert code == 250
    assert handled(gateway, 1)[0][0] == "ignored"
    assert dossier(gateway, reference).status == "transmitted"
    time.sleep(1)
    assert len(gateway.sink.to(AGENTS)) == before


def self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=demoville.test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_gateway_offers_starttls_and_enforces_its_size_limit(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    runtime = runtime_factory(sqlite_url, inbound_smtp=f"127.0.0.1:{port}",
                              inbound_tls_cert=cert, inbound_tls_key=key,
                              inbound_max_bytes=4096)
    runtime.start_mail_gateway()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls") and client.esmtp_features["size"] == "4096"
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        client.starttls(context=context)
        client.ehlo()
        client.mail(AGENTS)
        client.rcpt("postmaster@demoville.test")
        code, _ = client.data(b"Subject: gros\r\n\r\n" + (b"x" * 70 + b"\r\n") * 120)
    assert code == 552
    with runtime.ctx.db.transaction() as session:
        assert session.scalars(select(InboundMail)).all() == []
