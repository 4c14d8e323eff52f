"""Hostile mail at the gateway: refused at SMTP time, or read and rejected without effect."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.abuse.conftest import INBOUND_MAX_BYTES, Instance
from tests.processes import wait_until

pytestmark = pytest.mark.abuse

REPLY_ADDRESS = re.compile(r"reponse\+[a-z0-9]+@demoville\.test")


def notified(instance: Instance) -> tuple[str, str]:
    """File an ordinary dossier; its reference and the reply address of the agents' mail."""
    reference = instance.keeps_moving()
    wait_until(lambda: any(reference in r.subject and instance.agents_mailbox in r.recipients
                           for r in instance.sink.received), 30, "the agents' notification")
    mail = next(r for r in instance.sink.received
                if reference in r.subject and instance.agents_mailbox in r.recipients)
    address = REPLY_ADDRESS.search(str(mail.message["Reply-To"]))
    assert address, mail.message["Reply-To"]
    return reference, address[0]


def reply(sender: str, to: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: votre dossier"
    # Quoted-printable, as a mail client sends long lines (SMTP lines stop at 1000 octets).
    message.set_content(text, cte="quoted-printable")
    return message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire


def nested_multipart(depth: int, sender: str, to: str) -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: Re\r\nMIME-Version: 1.0\r\n"
    body = "reçu\r\n"
    for level in range(depth):
        body = (f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n'
                f"--b{level}\r\n{body}\r\n--b{level}--\r\n")
    return (head + body).encode()


def send(instance: Instance, sender: str, to: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", instance.smtp_port, timeout=60) as smtp:
        smtp.sendmail(sender, [to], raw)


def history_of(instance: Instance, reference: str) -> list[dict[str, object]]:
    return instance.api("GET", f"/api/v1/dossiers/{reference}").json()["history"]


@dataclass(frozen=True)
class Refused:
    name: str
    #: (sender, reply address) -> (envelope sender, recipient, raw message)
    build: Callable[[str, str], tuple[str, str, bytes]]
    code: int
    #: The reply address's owner is told someone else used it (one mail to the agents).
    tells_owner: bool = False


REFUSED_AT_SMTP = [
    Refused("adresse de réponse inventée", lambda s, to: (
        s, "reponse+aaaaaaaaaaaaaaaa@demoville.test", reply(s, to, "accepter")),
        550),
    Refused("message plus grand que SIZE", lambda s, to: (
        s, to, reply(s, to, "reçu\n" + "x" * INBOUND_MAX_BYTES)), 552),
    Refused("mauvais expéditeur", lambda s, to: (
        "intrus@example.org", to, reply("intrus@example.org", to, "accepter")),
        550, tells_owner=True),
    Refused("deux mille parties imbriquées", lambda s, to: (
        s, to, nested_multipart(2000, s, to)), 554),
]


@pytest.mark.parametrize("case", REFUSED_AT_SMTP, ids=[c.name for c in REFUSED_AT_SMTP])
def test_hostile_mail_is_refused_at_smtp_time(instance: Instance, case: Refused) -> None:
    reference, address = notified(instance)
    before, history = instance.stored(), history_of(instance, reference)
    envelope_from, recipient, raw = case.build(instance.agents_mailbox, address)
    with pytest.raises((smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused)) as refused:
        send(instance, envelope_from, recipient, raw)
    codes = ([code for code, _ in refused.value.recipients.values()]
             if isinstance(refused.value, smtplib.SMTPRecipientsRefused)
             else [refused.value.smtp_code])
    assert codes == [case.code]
    if case.tells_owner:  # written by the inbound-mail handler, a moment later
        wait_until(lambda: instance.stored()["mails"] == before["mails"] + 1, 30,
                   "the owner told")
        before["mails"] += 1
    assert instance.stored() == before
    assert history_of(instance, reference) == history
    instance.keeps_moving()


@dataclass(frozen=True)
class Unreadable:
    name: str
    build: Callable[[str, str], bytes]


READ_AND_REJECTED = [
    Unreadable("réponse d'un mégaoctet sur une ligne", lambda s, to: reply(
        s, to, "x" * (INBOUND_MAX_BYTES - 64 * 1024))),
    Unreadable("commande suivie d'un commentaire géant", lambda s, to: reply(
        s, to, "compléter " + "motif " * 150_000)),
]


@pytest.mark.parametrize("case", READ_AND_REJECTED, ids=[c.name for c in READ_AND_REJECTED])
def test_hostile_reply_changes_nothing_and_the_gateway_goes_on(instance: Instance,
                                                               case: Unreadable) -> None:
    reference, address = notified(instance)
    history = history_of(instance, reference)
    received = len(instance.inbound_statuses())
    citizen_mails = sum("lou" in r.recipients[0] for r in instance.sink.received)
    send(instance, instance.agents_mailbox, address, case.build(instance.agents_mailbox, address))
    wait_until(lambda: len(instance.inbound_statuses()) > received, 30, "the reply received")
    # Handled: rejected with its reason (the agent is told), never applied nor relayed.
    wait_until(lambda: instance.inbound_statuses()[-1] != "queued", 60, "the reply handled")
    assert instance.inbound_statuses()[-1] == "rejected"
    assert history_of(instance, reference) == history
    assert sum("lou" in r.recipients[0] for r in instance.sink.received) == citizen_mails
    # The gateway and the pipeline go on: a real command from the same mailbox still acts.
    send(instance, instance.agents_mailbox, address,
         reply(instance.agents_mailbox, address, "reçu"))
    wait_until(lambda: instance.status_of(reference) == "received", 30, "« reçu » applied")
    instance.keeps_moving()
