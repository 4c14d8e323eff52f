"""Reading replies: a corpus of real-world client layouts, then commands, automatic mail, tokens,
DMARC and malformed input, one rule at a time."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from pipeline.mail.replies.automatic import automatic_reason
from pipeline.mail.replies.commands import read_command
from pipeline.mail.replies.html_text import html_to_text
from pipeline.mail.replies.quotes import trim_reply
from pipeline.mail.replies.reply import MAX_MULTIPARTS, Reply, read_reply

DOMAIN = "mairie.example"
CORPUS = Path(__file__).parent / "mail_corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
MESSAGES = sorted(path.name for path in CORPUS.glob("*.eml"))
#: Every field an expectation states, so a typo in expected.json cannot silently skip a check.
EXPECTATION_KEYS = {"token", "references", "bounce_mail_id", "sender", "automatic", "command",
                    "argument", "comment", "text", "attachments"}

TOKEN_A = "dixznbtq3wuishnl"
TOKEN_B = "vnia5gbu3h5dqrwp"
TOKEN_C = "7r66h7forgwfoww3"
TOKEN_D = "njadt4bavbhhgldk"
OURS_1 = f"<td.td-3tpp7m8dk.4f9a1c2b3d4e@{DOMAIN}>"
OURS_2 = f"<td.td-czx834vca.9b0e17c44a21@{DOMAIN}>"
OURS_3 = f"<td.td-b0emggfy1.e2d6a8f01b37@{DOMAIN}>"


def mail(headers: str, body: str = "Reçu\n") -> bytes:
    """A minimal message: the given header lines, a UTF-8 plain-text body."""
    head = "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" + headers.strip()
    return (head + "\n\n" + body).encode("utf-8")


# --- the corpus ---------------------------------------------------------------------------------


def test_the_corpus_is_large_and_every_message_has_an_expectation() -> None:
    assert len(MESSAGES) >= 35
    assert sorted(EXPECTED) == MESSAGES, "expected.json and the .eml files must name the same set"
    for name, expectation in EXPECTED.items():
        assert set(expectation) == EXPECTATION_KEYS, name


@pytest.mark.parametrize("name", MESSAGES)
def test_corpus_message(name: str) -> None:
    assert name in EXPECTED, f"{name} has no expectation in expected.json"
    expected = EXPECTED[name]
    raw = (CORPUS / name).read_bytes()

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.text == expected["text"]
    assert (reply.command, reply.argument, reply.comment) == (
        expected["command"], expected["argument"], expected["comment"])
    assert reply.token == expected["token"]
    assert list(reply.references) == expected["references"]
    assert reply.bounce_mail_id == expected["bounce_mail_id"]
    assert reply.sender == expected["sender"]
    assert (reply.automatic is not None) == expected["automatic"], reply.automatic
    assert [a.filename for a in reply.attachments] == expected["attachments"]
    assert reply.digest == hashlib.sha256(raw).hexdigest()


def _html_alternative(raw: bytes) -> str | None:
    message = message_from_bytes(raw, policy=policy.default)
    kinds = {part.get_content_type() for part in message.walk()}
    if "text/plain" not in kinds:
        return None
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_content()
    return None


WITH_BOTH_BODIES = [name for name in MESSAGES if _html_alternative((CORPUS / name).read_bytes())]


@pytest.mark.parametrize("name", WITH_BOTH_BODIES)
def test_html_alternative_reads_as_the_plain_text(name: str) -> None:
    """The HTML fallback finds the same lines and command (paragraph spacing may differ)."""
    html = _html_alternative((CORPUS / name).read_bytes())
    assert html is not None

    text = trim_reply(html_to_text(html))

    assert read_command(text)[0] == EXPECTED[name]["command"]
    assert [line for line in text.split("\n") if line] == [
        line for line in EXPECTED[name]["text"].split("\n") if line]


# --- commands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Reçu", ("recu", "", "")),
    ("reçu", ("recu", "", "")),
    ("RECU.", ("recu", "", "")),
    ("Reçu !", ("recu", "", "")),
    ("Reçu, merci", ("recu", "merci", "")),
    ("Accepter:", ("accepter", "", "")),
    ("Valider, c'est bon\nMerci", ("accepter", "c'est bon", "Merci")),
    ("VALIDER", ("accepter", "", "")),
    ("Refuser : motif\n\nligne 1\n\nligne 2\n", ("refuser", "motif", "ligne 1\n\nligne 2")),
    ("Refuser motif : pièce illisible", ("refuser", "motif : pièce illisible", "")),
    ("Refuser - hors délai", ("refuser", "hors délai", "")),
    ("COMPLÉTER", ("completer", "", "")),
    ("completer\tle livret", ("completer", "le livret", "")),
    ("Compléter: le livret", ("completer", "le livret", "")),
    ("Clore", ("clore", "", "")),
    ("clos.", ("clore", "", "")),
    ("Clôturer!", ("clore", "", "")),
    ("CLOTURER", ("clore", "", "")),
    ("\n\n   Accepter   \n\n  indented comment  \n\n", ("accepter", "", "indented comment")),
])
def test_commands(text: str, expected: tuple[str | None, str, str]) -> None:
    assert read_command(text) == expected


@pytest.mark.parametrize("text", [
    "Je vais accepter le dossier.",
    "Accepté",
    "Reçus",
    "Refuser ?",
    "Refuser?",
    "Pouvez-vous clore ?",
    "recu2",
    "Merci\nAccepter",
])
def test_no_command(text: str) -> None:
    assert read_command(text) == (None, "", text.strip())


def test_empty_text_has_no_command() -> None:
    assert read_command("") == (None, "", "")
    assert read_command("\n \n") == (None, "", "")


def test_a_command_in_the_quoted_original_is_not_read() -> None:
    raw = mail(f"To: reponse+{TOKEN_A}@{DOMAIN}",
               "Merci pour l'information.\n\nLe 03/03/2025 à 10:12, Mairie a écrit :\n> Clore\n")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert (reply.command, reply.text) == (None, "Merci pour l'information.")


# --- automatic mail -----------------------------------------------------------------------------


def reason(headers: str, body: str = "Bonjour\n") -> str | None:
    return automatic_reason(message_from_bytes(mail(headers, body), policy=policy.default))


@pytest.mark.parametrize("headers", [
    "Auto-Submitted: auto-replied",
    "Auto-Submitted: auto-generated",
    "Auto-Submitted: auto-replied; owner-email=\"a@b.fr\"",
    "X-Autoreply: yes",
    "X-Autorespond: Out of office",
    "Precedence: bulk",
    "Precedence: JUNK",
    "Precedence: list",
    "Precedence: auto_reply",
    "From: MAILER-DAEMON@mx.orange.fr (Mail Delivery System)",
    "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
    "From: postmaster@laposte.net",
    "From: MAILER-DAEMON",
    "Return-Path: <>",
    "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
    "X-MS-Exchange-Inbox-Rules-Loop: a@b.fr\nX-Auto-Response-Suppress: All",
    "Subject: Réponse automatique : Dossier TD-3TPP7M8DK",
    "Subject: =?utf-8?Q?R=C3=A9ponse_automatique_:_Dossier?=",
    "Subject: RE: TR: Absent du bureau",
    "Subject: Absence du 3 au 14 mars",
    "Subject: Absente jusqu'au 7 mars",
    "Subject: REPONSE AUTOMATIQUE",
    "Subject: Out of Office: Dossier",
    "Subject: Automatic reply: Dossier",
    "Subject: Autoreply: Dossier",
    "Subject: Auto-Reply: Dossier",
    "Subject: AW: Abwesenheitsnotiz",
    "Subject: Fwd: Out of the office",
])
def test_automatic_mail_is_recognised(headers: str) -> None:
    found = reason(headers)

    assert found
    assert found.isprintable()


@pytest.mark.parametrize("headers", [
    "Auto-Submitted: no",
    "Precedence: first-class",
    "X-Auto-Response-Suppress: All",
    "X-Auto-Response-Suppress: RN, NRN, OOF",
    "Return-Path: <julien.moreau@gmail.com>",
    "From: Postmistress Anne <anne@mairie.fr>",
    "Subject: Re: Dossier TD-3TPP7M8DK : absence de pièce",
    "Subject: RE: Dossier TD-3TPP7M8DK : recensement citoyen transmis",
    "Subject: Absentéisme",
])
def test_ordinary_mail_is_not_automatic(headers: str) -> None:
    assert reason(headers) is None


def test_delivery_report_is_automatic_whatever_its_sender() -> None:
    raw = (b"From: someone@example.org\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
           b"--b\nContent-Type: text/plain\n\nfailed\n"
           b"--b\nContent-Type: message/delivery-status\n\nAction: failed\n\n--b--\n")

    found = automatic_reason(message_from_bytes(raw, policy=policy.default))

    assert found is not None and "remise" in found


def test_read_receipt_is_automatic() -> None:
    raw = (b"From: agent@mairie.fr\nMIME-Version: 1.0\nContent-Type: multipart/report; "
           b"report-type=disposition-notification; boundary=b\n\n--b\n"
           b"Content-Type: text/plain\n\nLu\n--b\n"
           b"Content-Type: message/disposition-notification\n\nDisposition: manual\n\n--b--\n")

    found = automatic_reason(message_from_bytes(raw, policy=policy.default))

    assert found is not None and "lecture" in found


# --- token and references -----------------------------------------------------------------------


def test_token_is_looked_up_in_to_then_cc_then_delivered_to_then_x_original_to() -> None:
    every = (f"To: Mairie <reponse+{TOKEN_A}@{DOMAIN}>\nCc: reponse+{TOKEN_B}@{DOMAIN}\n"
             f"Delivered-To: reponse+{TOKEN_C}@{DOMAIN}\nX-Original-To: reponse+{TOKEN_D}@{DOMAIN}")
    lines = every.split("\n")

    found = [read_reply(mail("\n".join(lines[start:])), mail_domain=DOMAIN).token
             for start in range(4)]

    assert found == [TOKEN_A, TOKEN_B, TOKEN_C, TOKEN_D]


def test_token_among_several_recipients_and_in_any_case() -> None:
    raw = mail(f"To: etat-civil@commune.fr, \"Suivi, mairie\" <REPONSE+{TOKEN_B.upper()}@"
               f"{DOMAIN.upper()}>")

    assert read_reply(raw, mail_domain=DOMAIN).token == TOKEN_B


def test_no_token_for_another_domain_or_a_wrong_shape() -> None:
    raw = mail(f"To: reponse+{TOKEN_A}@autre.example, reponse+court@{DOMAIN}, "
               f"reponse+{TOKEN_A}x@{DOMAIN}")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.token is None


def test_references_in_reply_to_first_then_references_from_the_last() -> None:
    raw = mail(f"To: etat-civil@commune.fr\nIn-Reply-To: {OURS_3}\n"
               f"References: <CAx1@mail.gmail.com> {OURS_1}\n {OURS_2.upper()} {OURS_3}")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.token is None
    assert reply.references == (OURS_3, OURS_2, OURS_1)


def test_address_token_and_references_are_both_kept() -> None:
    raw = mail(f"To: reponse+{TOKEN_A}@{DOMAIN}\nIn-Reply-To: {OURS_1}")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert (reply.token, reply.references) == (TOKEN_A, (OURS_1,))


def test_bounce_address_gives_the_mail_id() -> None:
    mail_id = "51bffbcf-8c96-40cf-9539-a1ae4fee56d1"
    raw = mail(f"To: <rebond+{mail_id}@{DOMAIN}>\nFrom: MAILER-DAEMON@mx.example")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert (reply.bounce_mail_id, reply.token) == (mail_id, None)
    assert reply.automatic


# --- DMARC --------------------------------------------------------------------------------------


def dmarc(*headers: str) -> bool:
    lines = "\n".join(f"Authentication-Results: {value}" for value in headers)
    return read_reply(mail(lines), mail_domain=DOMAIN).dmarc_passed(f"mx.{DOMAIN}")


def test_dmarc_pass_from_our_server() -> None:
    assert dmarc(f"mx.{DOMAIN}; spf=pass smtp.mailfrom=gmail.com;\n"
                 "\tdmarc=pass (p=NONE sp=QUARANTINE) header.from=gmail.com")
    assert dmarc(f"MX.{DOMAIN.upper()} 1; dmarc=pass header.from=mairie.fr")


def test_dmarc_fail_or_none_from_our_server() -> None:
    assert not dmarc(f"mx.{DOMAIN}; dmarc=fail (p=REJECT) header.from=gmail.com")
    assert not dmarc(f"mx.{DOMAIN}; dmarc=none header.from=free.fr")
    assert not dmarc(f"mx.{DOMAIN}; dkim=pass header.d=gmail.com")
    assert not dmarc()


def test_dmarc_pass_forged_by_another_server_is_ignored() -> None:
    assert not dmarc("mx.google.com; dmarc=pass header.from=mairie.fr",
                     f"mx.{DOMAIN}; dmarc=fail header.from=mairie.fr")
    assert not dmarc("mx.google.com; dmarc=pass header.from=mairie.fr")
    assert not dmarc(f"evil.{DOMAIN}; dmarc=pass", f"mx.{DOMAIN}.evil.example; dmarc=pass")


def test_only_the_topmost_header_of_our_server_counts() -> None:
    # A sender can write a header in our server's name; ours is added above it.
    assert not dmarc(f"mx.{DOMAIN}; dmarc=fail header.from=mairie.fr",
                     f"mx.{DOMAIN}; dmarc=pass header.from=mairie.fr")


def test_dmarc_pass_inside_a_comment_does_not_count() -> None:
    assert not dmarc(f"mx.{DOMAIN}; spf=pass (dmarc=pass) smtp.mailfrom=a.fr; dmarc=fail")
    assert not dmarc(f"mx.{DOMAIN}; spf=pass smtp.mailfrom=dmarc=pass")


# --- quotes and HTML ----------------------------------------------------------------------------


def test_trim_reply_keeps_inner_blank_lines_and_strips_the_edges() -> None:
    text = "\r\n\r\nAccepter\r\n\r\n\r\nVu avec le maire.  \r\n\r\n\r\n"

    assert trim_reply(text) == "Accepter\n\n\nVu avec le maire."


def test_french_sentence_is_not_an_attribution() -> None:
    text = "On a écrit :\nque le dossier était complet."

    assert trim_reply(text) == text


def test_attribution_without_quote_cuts_everything_below() -> None:
    text = "Reçu\n\nLe 3 mars 2025 à 10:12, Mairie a écrit :\nBonjour,\nclore"

    assert trim_reply(text) == "Reçu"


def test_mobile_footer_must_stand_alone() -> None:
    text = "Envoyé de mon bureau de la mairie annexe, le dossier est complet et je le valide."

    assert trim_reply(text) == text
    assert trim_reply("Reçu\nEnvoyé depuis mon mobile Orange\nbla") == "Reçu"


def test_html_to_text_line_breaks_and_quotes() -> None:
    html = ("<html><head><title>x</title><style>p {}</style></head><body>"
            "<p>Refuser</p><div>Motif&nbsp;: <b>hors</b> commune<br>Deuxième ligne</div>"
            "<div><br></div><div>Fin</div><blockquote>Clore</blockquote>"
            "<script>alert(1)</script></body></html>")

    assert html_to_text(html) == "Refuser\nMotif : hors commune\nDeuxième ligne\n\nFin\n> Clore"
    assert trim_reply(html_to_text(html)) == "Refuser\nMotif : hors commune\nDeuxième ligne\n\nFin"


def test_html_to_text_cuts_below_outlook_reply_header() -> None:
    html = ('<div>Reçu</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">'
            "<b>De :</b> Mairie</div><div>Clore</div>")

    assert html_to_text(html) == "Reçu"


def test_html_to_text_of_nothing() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   ") == ""
    assert html_to_text("<<<>>>") in ("", "<<<>>>")


# --- malformed input never raises -------------------------------------------------------------


MALFORMED = {
    "empty": b"",
    "garbage": bytes(range(256)) * 4,
    "headers only": b"From: a@b.fr\nTo: reponse+dixznbtq3wuishnl@mairie.example\nSubject: x",
    "no header": b"\n\nRe\xc3\xa7u\n",
    "unknown charset": (b"Content-Type: text/plain; charset=x-no-such-charset\n\n"
                        b"Re\xc3\xa7u\n"),
    "broken charset parameter": b'Content-Type: text/plain; charset="\n\nRe\xe7u\n',
    "eight-bit headers": (b"From: Ren\xe9e <renee@b.fr>\nSubject: R\xc3\xa9ponse\n"
                          b"To: reponse+dixznbtq3wuishnl@mairie.example\n\nRe\xe7u\n"),
    "bad encoded words": (b"From: =?x-unknown?B?AAAA?= <a@b.fr>\nSubject: =?utf-8?B?###?= "
                          b"=?utf-8?Q?=ZZ?=\n\nRe\xc3\xa7u\n"),
    "bad addresses": b'From: "unterminated <a@b\nTo: <<<@@@>>>, ,,@\nCc: (((\n\nRe\xc3\xa7u\n',
    "bad base64": (b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                   b"!!!not base64***\n"),
    "multipart without boundary": b"Content-Type: multipart/mixed\n\n--x\n\nRe\xc3\xa7u\n--x--\n",
    "multipart never closed": (b'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
                               b"Content-Type: text/plain\n\nRe\xc3\xa7u\n--b\n"
                               b"Content-Type: text/html"),
    "attachment with broken name": (b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
                                    b"Content-Type: text/plain\n\nRe\xe7u\n--b\n"
                                    b"Content-Type: application/pdf\nContent-Disposition: "
                                    b"attachment; filename*=x-bad''%FF%FE; filename*1*=%\n"
                                    b"Content-Transfer-Encoding: base64\n\nJVBERi0=\n--b--\n"),
    "html only, broken": b"Content-Type: text/html\n\n<div><p>Re\xc3\xa7u<blockquote></div",
    "long header line": b"Subject: " + b"x" * 100_000 + b"\n\nRe\xc3\xa7u\n",
    "nul bytes": b"From: a@b.fr\x00\nSubject: \x00\n\nRe\x00\xe7u\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_gives_a_reply(name: str) -> None:
    raw = MALFORMED[name]

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert isinstance(reply, Reply)
    assert reply.digest == hashlib.sha256(raw).hexdigest()
    json.dumps(reply.to_json())


def test_broken_charsets_still_decode() -> None:
    assert read_reply(MALFORMED["unknown charset"], mail_domain=DOMAIN).command == "recu"
    assert read_reply(MALFORMED["broken charset parameter"], mail_domain=DOMAIN).text == "Reçu"
    eight_bit = read_reply(MALFORMED["eight-bit headers"], mail_domain=DOMAIN)
    assert (eight_bit.sender, eight_bit.command) == ("renee@b.fr", "recu")
    assert eight_bit.subject.startswith("Réponse")


def test_attachment_with_broken_name_is_kept() -> None:
    reply = read_reply(MALFORMED["attachment with broken name"], mail_domain=DOMAIN)

    assert [a.media_type for a in reply.attachments] == ["application/pdf"]
    assert reply.attachments[0].filename
    assert reply.command == "recu"


# --- the Reply itself ---------------------------------------------------------------------------


def test_to_json_shape() -> None:
    raw = (CORPUS / "gmail_citizen_pdf_attachment.eml").read_bytes()

    document = read_reply(raw, mail_domain=DOMAIN).to_json()

    assert set(document) == {"token", "automatic", "command", "argument", "comment", "attachments",
                             "automatic_reason", "text", "sender", "message_id",
                             "suggested_command", "suggested_argument", "suggested_comment",
                             "answer"}
    assert isinstance(document["automatic"], bool)
    [attachment] = document["attachments"]
    assert set(attachment) == {"filename", "media_type", "size", "sha256"}
    assert attachment["media_type"] == "application/pdf"
    assert attachment["size"] > 0 and len(attachment["sha256"]) == 64
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document


def test_headers_are_decoded_and_identity_kept() -> None:
    raw = mail("From: =?utf-8?Q?Ren=C3=A9e_Faure?= <Renee.Faure@Mairie.FR>\n"
               "Subject: =?utf-8?Q?Re=C3=A7u?=\n =?utf-8?Q?_et_trait=C3=A9?=\n"
               "Message-ID:  <abc@client.example>\n"
               f"Authentication-Results: mx.{DOMAIN};\n\tdmarc=pass header.from=mairie.fr")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.sender == "renee.faure@mairie.fr"
    assert reply.subject == "Reçu et traité"
    assert reply.message_id == "<abc@client.example>"
    assert reply.authentication_results == (f"mx.{DOMAIN}; dmarc=pass header.from=mairie.fr",)


def test_no_message_id_leaves_the_digest_as_identity() -> None:
    raw = mail("From: a@b.fr")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.message_id is None
    assert reply.digest == hashlib.sha256(raw).hexdigest()


def test_attachment_file_names_lose_their_directories() -> None:
    raw = (b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
           b"Content-Type: text/plain; charset=utf-8\n\nBonjour\n--b\n"
           b'Content-Type: application/pdf\nContent-Disposition: attachment; '
           b'filename="..\\\\..\\\\windows\\\\evil.pdf"\nContent-Transfer-Encoding: base64\n\n'
           b"JVBERi0=\n--b\nContent-Type: application/octet-stream\n"
           b"Content-Disposition: attachment\n\nAAAA\n--b--\n")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert [a.filename for a in reply.attachments] == ["evil.pdf", "piece-jointe-2.bin"]
    assert reply.attachments[0].content == b"%PDF-"


def test_a_report_forwarded_by_a_person_is_not_automatic() -> None:
    raw = (b"MIME-Version: 1.0\nFrom: agent@mairie.fr\n"
           b'Content-Type: multipart/mixed; boundary="o"\n\n'
           b"--o\nContent-Type: text/plain\n\nAccepter, voir le rebond joint\n--o\n"
           b"Content-Type: message/rfc822\nContent-Disposition: attachment\n\n"
           b"From: MAILER-DAEMON@mx.example\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
           b"--b\nContent-Type: text/plain\n\nfailed\n"
           b"--b\nContent-Type: message/delivery-status\n\nAction: failed\n\n--b--\n\n--o--\n")

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert reply.automatic is None
    assert (reply.command, reply.argument) == ("accepter", "voir le rebond joint")
    [attachment] = reply.attachments
    assert (attachment.filename, attachment.media_type) == ("piece-jointe-1.eml", "message/rfc822")
    assert attachment.content.startswith(b"From: MAILER-DAEMON@mx.example")


def test_message_nested_past_the_limit_is_unreadable_and_does_nothing() -> None:
    def nested(depth: int) -> bytes:
        body = "accepter\r\n"
        for level in range(depth):
            body = (f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n'
                    f"--b{level}\r\n{body}\r\n--b{level}--\r\n")
        return ("From: agent@demoville.test\r\nTo: reponse+abc@demoville.test\r\n"
                "Subject: Re\r\nMIME-Version: 1.0\r\n" + body).encode()

    fine = read_reply(nested(5), mail_domain="demoville.test")
    assert fine.unreadable is None and fine.command == "accepter"
    refused = read_reply(nested(MAX_MULTIPARTS + 1), mail_domain="demoville.test")
    assert refused.unreadable and "trop imbriqué" in refused.unreadable
    assert (refused.command, refused.sender, refused.token) == (None, "", None)


# --- speed on pathological input ----------------------------------------------------------------

MEGABYTE = 1_000_000
PATHOLOGICAL = {
    "one long line": b"Re\xc3\xa7u " + b"x" * MEGABYTE,
    "quoted lines": b"Recu\n" + b"> Clore et encore\n" * (MEGABYTE // 18),
    "header-like lines": b"Recu\n" + b"De : Jean <j@x.fr>\n" * (MEGABYTE // 19),
    "attribution-like lines": b"Recu\n" + b"Le 3 mars, X <x@y.fr> a ecrit :\n" * (MEGABYTE // 33),
    "short lines": b"Recu\n" + b"a\n" * (MEGABYTE // 2),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_megabyte_of_pathological_text_is_read_fast(name: str) -> None:
    import time

    raw = mail(f"To: reponse+{TOKEN_A}@{DOMAIN}", "").rstrip(b"\n") + b"\n\n" + PATHOLOGICAL[name]
    started = time.perf_counter()

    reply = read_reply(raw, mail_domain=DOMAIN)

    assert time.perf_counter() - started < 5
    assert reply.command == "recu"
