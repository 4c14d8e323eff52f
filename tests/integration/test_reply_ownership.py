"""Who may use a reply address: the SMTP server refuses exactly what the handler rejects for it.

Each reply goes through the gateway's DATA answer, then through the inbound handler; the two
must agree on the sender (owner of the token, DMARC where required), with the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from mail_gateway.smtp_server import GatewayHandler
from pipeline.commands.communes import create_commune
from pipeline.commands.reply_by_mail import handle_inbound
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.stages.intake import acknowledge_submission
from pipeline.stages.notification import notify_agents
from pipeline.stages.validation import validate_dossier
from pipeline.store.model import InboundMail, Mail
from teledossier.bootstrap import Runtime
from tests.pdfs import ONE_PAGE

AGENTS = "agents@demoville.test"
INTRUDER = "intrus@example.net"
AUTHSERV = "mx.demoville.test"
NOT_OWNER = "cette adresse n'est pas celle à qui le courriel a été envoyé"
NOT_AUTHENTICATED = "l'expéditeur n'est pas authentifié (DMARC)"
RCO = {"Personne": {
    "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010", "Sexe": "2",
    "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
    "AdresseDomicile": {"CodePostal": "99999", "Localite": "Démoville", "CodeINSEE": "99999",
                        "NomVoie": "rue Haute"},
    "MethodeContact": [{"URI": "lea@example.org", "CanalCode": "EMAIL"}]}}


@dataclass(frozen=True)
class Case:
    name: str
    sender: str
    #: The reason both sides give, None when the sender may use the address.
    refused: str | None
    require_dmarc: bool = False
    envelope_from: str | None = None  # the sender's, unless given ("" is the null sender)
    headers: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("le destinataire du courriel", AGENTS, None),
    Case("le destinataire, en majuscules", AGENTS.upper(), None),
    Case("une autre adresse", INTRUDER, NOT_OWNER),
    Case("une autre adresse, même authentifiée", INTRUDER, NOT_OWNER, require_dmarc=True,
         headers={"Authentication-Results": f"{AUTHSERV}; dmarc=pass header.from=example.net"}),
    Case("le destinataire sans DMARC exigé", AGENTS, NOT_AUTHENTICATED, require_dmarc=True),
    Case("le destinataire avec DMARC", AGENTS, None, require_dmarc=True,
         headers={"Authentication-Results": f"{AUTHSERV}; dmarc=pass header.from=demoville.test"}),
    Case("le destinataire, DMARC attesté par un autre serveur", AGENTS, NOT_AUTHENTICATED,
         require_dmarc=True,
         headers={"Authentication-Results": "mx.ailleurs.example; dmarc=pass"}),
    # A machine's mail is logged and ignored, never refused: a refusal would bounce back.
    Case("une réponse automatique d'une autre adresse", INTRUDER, None,
         headers={"Auto-Submitted": "auto-replied"}),
    Case("une autre adresse avec l'expéditeur nul", INTRUDER, None, envelope_from=""),
]


def notified(runtime: Runtime) -> Mail:
    """A dossier filed and transmitted: the agents' notification, with its reply address."""
    ctx = runtime.ctx
    commune_id = create_commune(ctx, insee="99999", name="Démoville", agents_email=AGENTS).id
    receipt = submit_dossier(ctx, commune_id, Submission(
        demarche="RecensementCitoyen", data=RCO,
        attachments=[IncomingAttachment(kind, f"{kind}.pdf", ONE_PAGE)
                     for kind in ("justificatif_identite", "livret_famille")]))
    for stage in (acknowledge_submission, validate_dossier, notify_agents):
        stage(receipt.dossier_id, ctx)
    with ctx.db.transaction() as session:
        return session.scalars(select(Mail).where(Mail.purpose == "agent_notification")).one()


def reply(notification: Mail, case: Case) -> bytes:
    message = EmailMessage()
    message["From"] = case.sender
    message["To"] = notification.reply_to
    message["Subject"] = f"RE: {notification.subject}"
    message["Message-ID"] = make_msgid(domain="client.example")
    message["In-Reply-To"] = notification.message_id
    for name, value in case.headers.items():
        message[name] = value
    message.set_content("reçu")
    return message.as_bytes()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_smtp_refuses_what_the_handler_rejects_for_the_sender(
        runtime_factory: Callable[..., Runtime], sqlite_url: str, case: Case) -> None:
    runtime = runtime_factory(sqlite_url, require_dmarc_pass=int(case.require_dmarc),
                              authserv_id=AUTHSERV)
    notification = notified(runtime)
    assert notification.reply_to is not None
    envelope_from = case.sender if case.envelope_from is None else case.envelope_from

    answer = GatewayHandler(runtime.ctx).accept(reply(notification, case), envelope_from,
                                                [notification.reply_to])
    with runtime.ctx.db.transaction() as session:
        inbound_id = session.scalars(select(InboundMail.id)).one()
    handle_inbound(inbound_id, runtime.ctx)
    with runtime.ctx.db.transaction() as session:
        handled = session.get(InboundMail, inbound_id)
        assert handled is not None
        status, outcome = handled.status, handled.outcome

    if case.refused is None:
        assert answer.startswith("250 "), answer
        assert not (status == "rejected" and (NOT_OWNER in outcome
                                              or NOT_AUTHENTICATED in outcome)), outcome
    else:
        assert answer.startswith("550 5.7.1 ") and answer.endswith(case.refused), answer
        assert status == "rejected" and case.refused in outcome, outcome
