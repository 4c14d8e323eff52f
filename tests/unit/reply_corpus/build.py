"""Write the reply corpus: each class of difficulty in the layouts of each client family.

The .eml files and expected.json are committed; run this again only after changing a layout:
``.venv/bin/python tests/unit/reply_corpus/build.py``. Layouts follow what each client writes
(attribution lines, header blocks, HTML markup, footers), in French unless a case says otherwise.
"""

from __future__ import annotations

import hashlib
import html
import json
import quopri
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).parent
DOMAIN = "mairie.example"
REPLY_TO = f"reponse+dixznbtq3wuishnl@{DOMAIN}"
OURS = f"<td.td-3tpp7m8dk.4f9a1c2b3d4e@{DOMAIN}>"
TEAM = "Suivi des démarches en ligne"
AGENT = "marie.lambert@demoville.fr"
SUBJECT = "Dossier TD-3TPP7M8DK : recensement citoyen transmis"
#: The mail being answered. Its first line is a command, as in a thread where the agent's own
#: earlier reply is quoted: it must never be read as one.
ORIGINAL = [
    "Clore",
    "",
    "Bonjour,",
    "",
    "Le dossier TD-3TPP7M8DK (recensement citoyen) a été transmis à votre service.",
    "",
    "Pour agir sans vous connecter, répondez à ce courriel en commençant par : reçu, accepter,",
    "refuser <motif>, compléter <motif> ou clore.",
    "",
    "Cordialement,",
    "L'équipe « Suivi des démarches en ligne »",
]


@dataclass(frozen=True)
class Case:
    """What the agent typed, and what must be read from it."""

    written: list[str]
    command: str | None
    argument: str = ""
    comment: str = ""
    automatic: bool = False
    suggested: str | None = None
    subject: str | None = None
    sender: str = AGENT
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    """How a client lays a reply out: its text and HTML bodies, and its own headers."""

    plain: Callable[[list[str], str], str] | None
    html: Callable[[list[str], str], str] | None
    headers: dict[str, str]


def quoted(lines: list[str], prefix: str = "> ") -> list[str]:
    return [(prefix + line).rstrip() for line in lines]


def divs(lines: list[str], tag: str = "div") -> str:
    return "".join(f"<{tag}>{html.escape(line) if line else '<br>'}</{tag}>" for line in lines)


def attribution(lang: str, style: str) -> str:
    who = f"{TEAM} <{REPLY_TO}>"
    forms = {
        ("fr", "gmail"): f"Le lun. 3 mars 2025 à 10:12, {who} a écrit :",
        ("en", "gmail"): f"On Mon, Mar 3, 2025 at 10:12 AM {who} wrote:",
        ("de", "gmail"): f"Am Mo., 3. März 2025 um 10:12 Uhr schrieb {who}:",
        ("nl", "gmail"): f"Op ma 3 mrt 2025 om 10:12 schreef {who}:",
        ("it", "gmail"): f"Il giorno lun 3 mar 2025 alle ore 10:12 {who} ha scritto:",
        ("es", "gmail"): f"El lun, 3 mar 2025 a las 10:12, {who} escribió:",
        ("old", "gmail"): f"2025-03-03 10:12 GMT+01:00 {who}:",
        ("fr", "thunderbird"): f"Le 03/03/2025 à 10:12, {TEAM} a écrit :",
        ("en", "thunderbird"): f"On 3/3/25 10:12, {TEAM} wrote:",
        ("pl", "thunderbird"): f"W dniu 3.03.2025 o 10:12, {TEAM} pisze:",
        ("fr", "apple"): f"Le 3 mars 2025 à 10:12, {who} a écrit :",
        ("en", "apple"): f"On Mar 3, 2025, at 10:12, {who} wrote:",
        ("de", "apple"): f"Am 03.03.2025 um 10:12 schrieb {who}:",
        ("pt", "apple"): f"Em 3 de mar. de 2025, à(s) 10:12, {who} escreveu:",
        ("fr", "roundcube"): f"Le 2025-03-03 10:12, {TEAM} a écrit :",
        ("ru", "roundcube"): f"{TEAM} писал 2025-03-03 10:12:",
        ("fr", "horde"): f"Citation {who} :",
        ("en", "horde"): f"Quoting {who}:",
        ("de", "horde"): f"Zitat von {who}:",
        ("fr", "proton"): f"Le lundi 3 mars 2025 à 10:12, {who} a écrit :",
        ("en", "proton"): f"On Monday, March 3rd, 2025 at 10:12, {who} wrote:",
        ("fr", "yahoo"): f"Le lundi 3 mars 2025 à 10:12:37 UTC+1, {who} a écrit :",
        ("en", "yahoo"): f"On Monday, March 3, 2025, 10:12:37 AM GMT+1, {who} wrote:",
        ("fr", "nocolon"): f"On Mon, Mar 3, 2025 at 10:12 AM {who} wrote",
        ("fr", "dashes"): f"---- On Mon, 03 Mar 2025 10:12:00 +0100 {who} wrote ----",
        ("sv", "apple"): f"3 mars 2025 kl. 10:12 skrev {who}:",
    }
    return forms[(lang, style)]


HEADER_BLOCKS = {
    "fr": ("De", "Envoyé", "À", "Objet", "lundi 3 mars 2025 10:12"),
    "de": ("Von", "Gesendet", "An", "Betreff", "Montag, 3. März 2025 10:12"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp", "maandag 3 maart 2025 10:12"),
    "it": ("Da", "Inviato", "A", "Oggetto", "lunedì 3 marzo 2025 10:12"),
    "es": ("De", "Enviado el", "Para", "Asunto", "lunes, 3 de marzo de 2025 10:12"),
    "pt": ("De", "Enviada em", "Para", "Assunto", "segunda-feira, 3 de março de 2025 10:12"),
    "pl": ("Od", "Wysłane", "Do", "Temat", "poniedziałek, 3 marca 2025 10:12"),
    "ru": ("От", "Отправлено", "Кому", "Тема", "3 марта 2025 г. 10:12"),
    "sv": ("Från", "Skickat", "Till", "Ämne", "den 3 mars 2025 10:12"),
    "no": ("Fra", "Sendt", "Til", "Emne", "mandag 3. mars 2025 10:12"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe", "maanantai 3. maaliskuuta 2025"),
    "en": ("From", "Sent", "To", "Subject", "Monday, March 3, 2025 10:12 AM"),
}


def header_block(lang: str, sep: str = " : ", date_first: bool = False) -> list[str]:
    sender, sent, to, subject, when = HEADER_BLOCKS[lang]
    sep = sep if lang == "fr" else ": "
    lines = [f"{sender}{sep}{TEAM} <{REPLY_TO}>", f"{sent}{sep}{when}", f"{to}{sep}{AGENT}",
             f"{subject}{sep}{SUBJECT}"]
    if date_first:
        lines = [lines[1], lines[0], *lines[2:]]
    return lines


def html_page(body: str) -> str:
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"</head><body>{body}</body></html>")


# --- the client families -------------------------------------------------------------------


def outlook(lang: str = "fr", variant: str = "new") -> Layout:
    def plain(written: list[str], footer: str) -> str:
        rule = "-----Message d'origine-----" if variant == "old" else "_" * 32
        block = header_block(lang, date_first=variant == "date")
        return "\n".join([*written, "", rule, *block, "", *ORIGINAL])

    def page(written: list[str], footer: str) -> str:
        block = "<br>".join(
            f"<b>{html.escape(line.split(':', 1)[0])}:</b>{html.escape(line.split(':', 1)[1])}"
            for line in header_block(lang, date_first=variant == "date"))
        return html_page(
            divs(written, "p") + '<div style="border:none;border-top:solid #E1E1E1 1.0pt;'
            f'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{block}</p></div>'
            + divs(ORIGINAL, "p"))

    return Layout(plain, page, {"X-Mailer": "Microsoft Outlook 16.0",
                                "Thread-Index": "AQHbjAbc"})


def outlook_web(lang: str = "fr") -> Layout:
    def page(written: list[str], footer: str) -> str:
        block = "<br>".join(f"<b>{html.escape(line.split(':', 1)[0])}:</b>"
                            f"{html.escape(line.split(':', 1)[1])}"
                            for line in header_block(lang))
        return html_page(
            f'<div dir="ltr">{divs(written)}</div><div id="appendonsend"></div>'
            '<hr style="display:inline-block;width:98%" tabindex="-1">'
            f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri">{block}</font></div>'
            f'<div>{divs(ORIGINAL)}</div>')

    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", "_" * 32, *header_block(lang), "", *ORIGINAL])

    return Layout(plain, page, {"X-MS-Has-Attach": "", "X-MS-TNEF-Correlator": ""})


def gmail(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = [attribution(lang, "gmail"), "", *quoted(ORIGINAL)]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = ('<div class="gmail_quote gmail_quote_container"><div dir="ltr" '
                 f'class="gmail_attr">{html.escape(attribution(lang, "gmail"))}<br></div>'
                 '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
                 f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{divs(ORIGINAL)}'
                 "</blockquote></div>")
        mine = f'<div dir="ltr">{divs(written)}</div>'
        return html_page(quote + mine if bottom else mine + "<br>" + quote)

    return Layout(plain, page, {})


def thunderbird(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = [attribution(lang, "thunderbird"), *quoted(ORIGINAL)]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<div class="moz-cite-prefix">{html.escape(attribution(lang, "thunderbird"))}'
                 f'<br></div><blockquote type="cite" cite="mid:{OURS[1:-1]}">{divs(ORIGINAL)}'
                 "</blockquote>")
        mine = divs(written, "p")
        return html_page(quote + mine if bottom else mine + quote)

    return Layout(plain, page, {"User-Agent": "Mozilla Thunderbird"})


def thunderbird_forward() -> Layout:
    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", "-------- Message transféré --------",
                          f"Sujet : \t{SUBJECT}", "Date : \tMon, 3 Mar 2025 10:12:00 +0100",
                          f"De : \t{TEAM} <{REPLY_TO}>", f"Pour : \t{AGENT}", "", *ORIGINAL])

    return Layout(plain, None, {"User-Agent": "Mozilla Thunderbird"})


def apple(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = [attribution(lang, "apple"), "", *quoted(ORIGINAL)]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<div><br><blockquote type="cite"><div>{html.escape(attribution(lang, "apple"))}'
                 '</div><br class="Apple-interchange-newline"><div>'
                 f"{divs(ORIGINAL)}</div></blockquote></div>")
        mine = divs(written)
        return html_page(quote + mine if bottom else mine + quote)

    return Layout(plain, page, {"X-Mailer": "Apple Mail (2.3776.700.51)"})


def zimbra(forward: bool = False) -> Layout:
    rule = "----- Mail transféré -----" if forward else "----- Mail original -----"
    block = [f'De: "{TEAM}" <{REPLY_TO}>', f'À: "agents" <{AGENT}>',
             "Envoyé: Lundi 3 Mars 2025 10:12:00", f"Objet: {SUBJECT}"]

    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", rule, *block, "", *ORIGINAL])

    def page(written: list[str], footer: str) -> str:
        return html_page(
            f'<div style="font-family: arial">{divs(written)}<br>'
            f'<hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">'
            f'{"<br>".join(html.escape(line) for line in block)}</div><br>'
            f'<div data-marker="__QUOTED_TEXT__">{divs(ORIGINAL)}</div></div>')

    return Layout(plain, page, {"X-Mailer": "Zimbra 9.0.0_GA_4583 (ZimbraWebClient - FF135)"})


def orange(colon: bool = False, bottom: bool = False) -> Layout:
    opener = "Message du : 03/03/2025 10:12" if colon else "Message du 03/03/25 10:12"
    block = [opener, f'De : "{TEAM}" <{REPLY_TO}>', f"A : {AGENT}", "Copie à : ",
             f"Objet : {SUBJECT}", ""]

    def plain(written: list[str], footer: str) -> str:
        quote = quoted([*block, *ORIGINAL]) if not colon else [*block, *ORIGINAL]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<blockquote style="border-left:2px solid #ff6600">{divs(block)}'
                 f"{divs(ORIGINAL)}</blockquote>")
        mine = divs(written, "p")
        return html_page(quote + mine if bottom else mine + "<br><br>" + quote)

    return Layout(plain, page, {"X-Mailer": "Orange Mail"})


def roundcube(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = [attribution(lang, "roundcube"), *quoted(ORIGINAL)]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<p id="reply-intro">{html.escape(attribution(lang, "roundcube"))}</p>'
                 '<blockquote type="cite" style="padding: 0 0.4em; border-left: #1010ff 2px '
                 f'solid; margin: 0"><div class="pre">{divs(ORIGINAL)}</div></blockquote>')
        mine = divs(written, "p")
        return html_page(quote + mine if bottom else mine + quote)

    return Layout(plain, page, {"User-Agent": "Roundcube Webmail/1.6.9"})


def horde(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = [attribution(lang, "horde"), "", *quoted(ORIGINAL)]
        return "\n".join([*quote, "", *written] if bottom else [*written, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f"<div>{html.escape(attribution(lang, 'horde'))}</div>"
                 f'<blockquote type="cite" style="border-left:2px solid blue">{divs(ORIGINAL)}'
                 "</blockquote>")
        mine = divs(written, "p")
        return html_page(quote + mine if bottom else mine + quote)

    return Layout(plain, page, {"User-Agent": "Horde Application Framework 5"})


def proton(lang: str = "fr", bottom: bool = False, old: bool = False) -> Layout:
    footer_line = ("Envoyé avec la messagerie sécurisée Proton Mail." if lang == "fr"
                   else "Sent with Proton Mail secure email.")

    def plain(written: list[str], footer: str) -> str:
        intro = [attribution(lang, "proton")]
        if old:
            intro = ["------- Original Message -------", *intro]
        quote = [*intro, "", *quoted(ORIGINAL)]
        mine = [*written, "", footer_line]
        return "\n".join([*quote, "", *mine] if bottom else [*mine, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<div class="protonmail_quote">{html.escape(attribution(lang, "proton"))}<br>'
                 f'<blockquote class="protonmail_quote" type="cite">{divs(ORIGINAL)}'
                 "</blockquote><br></div>")
        mine = (f'<div style="font-family: Arial">{divs(written)}</div>'
                '<div class="protonmail_signature_block"><div class="protonmail_signature_'
                f'block-proton">{html.escape(footer_line)}</div></div>')
        return html_page(quote + mine if bottom else mine + "<br>" + quote)

    return Layout(plain, page, {})


def yahoo(lang: str = "fr", bottom: bool = False) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        quote = ["", "", "    " + attribution(lang, "yahoo"), "",
                 *["    " + line if line else "" for line in ORIGINAL]]
        return "\n".join([*quote, "", *written] if bottom else [*written, *quote])

    def page(written: list[str], footer: str) -> str:
        quote = ('<div id="yahoo_quoted_8512" class="yahoo_quoted"><div style="font-size:13px">'
                 f"<div>{html.escape(attribution(lang, 'yahoo'))}</div><div><br></div>"
                 f"<div>{divs(ORIGINAL)}</div></div></div>")
        mine = f'<div class="ydp5f2yahoo-style-wrap">{divs(written)}</div>'
        return html_page(quote + mine if bottom else mine + "<br>" + quote)

    return Layout(plain, page, {"X-Mailer": "WebService/1.1.23187 YMailNorrin"})


def ios(lang: str = "fr", bottom: bool = False) -> Layout:
    footer_line = {"fr": "Envoyé de mon iPhone", "de": "Von meinem iPhone gesendet",
                   "it": "Inviato da iPhone", "es": "Enviado desde mi iPhone"}[lang]
    att = attribution("fr" if lang == "fr" else "en", "apple")

    def plain(written: list[str], footer: str) -> str:
        quote = quoted([att, "", *ORIGINAL])
        mine = [*written, "", footer_line]
        return "\n".join([*quote, "", *mine] if bottom else [*mine, "", *quote])

    def page(written: list[str], footer: str) -> str:
        quote = (f'<div dir="ltr"><blockquote type="cite">{html.escape(att)}<br><br>'
                 f'</blockquote></div><blockquote type="cite"><div dir="ltr">{divs(ORIGINAL)}'
                 "</div></blockquote>")
        mine = f'<div dir="ltr">{divs(written)}</div><div dir="ltr">{footer_line}</div>'
        return html_page(quote + mine if bottom else mine + quote)

    return Layout(plain, page, {"X-Mailer": "iPhone Mail (22D72)"})


def samsung(lang: str = "fr") -> Layout:
    footer_line = ("Envoyé depuis mon appareil Galaxy" if lang == "fr"
                   else "Sent from my Galaxy")
    rule = ("-------- Message d'origine --------" if lang == "fr"
            else "-------- Original message --------")
    block = [f"De : {TEAM} <{REPLY_TO}>", "Date : 03/03/2025 10:12 (GMT+01:00)",
             f"À : {AGENT}", f"Objet : {SUBJECT}"] if lang == "fr" else [
        f"From: {TEAM} <{REPLY_TO}>", "Date: 3/3/25 10:12 (GMT+01:00)", f"To: {AGENT}",
        f"Subject: {SUBJECT}"]

    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", "", "", footer_line, "", rule, *block, "", *ORIGINAL])

    def page(written: list[str], footer: str) -> str:
        return html_page(
            f'<div dir="auto">{divs(written)}</div><div id="composer_signature" dir="auto">'
            f'<div style="font-size:85%;color:#575757" dir="auto">{footer_line}</div></div>'
            f'<div dir="auto"><br></div><div align="left" dir="auto">{divs([rule, *block])}'
            f"<div><br></div></div>{divs(ORIGINAL)}")

    return Layout(plain, page, {})


def outlook_mobile(lang: str = "fr") -> Layout:
    footer_line = ("Obtenir Outlook pour iOS<https://aka.ms/o0ukef>" if lang == "fr"
                   else "Get Outlook for Android<https://aka.ms/AAb9ysg>")

    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", footer_line, "_" * 32, *header_block(lang), "",
                          *ORIGINAL])

    def page(written: list[str], footer: str) -> str:
        return html_page(
            f'<div dir="ltr">{divs(written)}</div><div id="ms-outlook-mobile-signature">'
            f"<div>{html.escape(footer_line.split('<')[0])}</div></div>"
            '<div id="mail-editor-reference-message-container"><div class="ms-outlook-mobile-'
            f'reference-message">{"<br>".join(map(html.escape, header_block(lang)))}'
            f"</div>{divs(ORIGINAL)}</div>")

    return Layout(plain, page, {"X-Mailer": "Outlook for iOS and Android"})


#: The families, each in its usual layout.
FAMILIES: dict[str, Callable[[], Layout]] = {
    "outlook": outlook, "outlook_web": outlook_web, "outlook_mobile": outlook_mobile,
    "gmail": gmail, "thunderbird": thunderbird, "apple_mail": apple, "ios_mail": ios,
    "samsung_mail": samsung, "zimbra": zimbra, "orange": orange, "roundcube": roundcube,
    "horde": horde, "proton": proton, "yahoo": yahoo,
}
#: The families whose HTML reply can be written below the quote (the others cut their HTML
#: from the reply header down: anything written there is inside the original).
BOTTOM_POSTING: dict[str, Callable[[], Layout]] = {
    "gmail": lambda: gmail(bottom=True), "thunderbird": lambda: thunderbird(bottom=True),
    "apple_mail": lambda: apple(bottom=True), "ios_mail": lambda: ios(bottom=True),
    "orange": lambda: orange(bottom=True), "roundcube": lambda: roundcube(bottom=True),
    "horde": lambda: horde(bottom=True), "proton": lambda: proton(bottom=True),
    "yahoo": lambda: yahoo(bottom=True),
}
#: Quote headers in other layouts and languages, per family.
QUOTE_VARIANTS: dict[str, list[tuple[str, Callable[[], Layout]]]] = {
    "outlook": [("old_separator", lambda: outlook(variant="old")),
                ("date_first", lambda: outlook(variant="date")),
                ("german", lambda: outlook("de")), ("dutch", lambda: outlook("nl")),
                ("italian", lambda: outlook("it")), ("spanish", lambda: outlook("es")),
                ("portuguese", lambda: outlook("pt")), ("polish", lambda: outlook("pl")),
                ("russian", lambda: outlook("ru")), ("swedish", lambda: outlook("sv")),
                ("norwegian", lambda: outlook("no")), ("finnish", lambda: outlook("fi"))],
    "outlook_web": [("english", lambda: outlook_web("en")), ("german", lambda: outlook_web("de"))],
    "outlook_mobile": [("english", lambda: outlook_mobile("en"))],
    "gmail": [("english", lambda: gmail("en")), ("german", lambda: gmail("de")),
              ("dutch", lambda: gmail("nl")), ("italian", lambda: gmail("it")),
              ("spanish", lambda: gmail("es")), ("date_first", lambda: gmail("old"))],
    "thunderbird": [("english", lambda: thunderbird("en")),
                    ("polish", lambda: thunderbird("pl")), ("forward", thunderbird_forward)],
    "apple_mail": [("english", lambda: apple("en")), ("german", lambda: apple("de")),
                   ("portuguese", lambda: apple("pt")), ("swedish", lambda: apple("sv"))],
    "ios_mail": [("german", lambda: ios("de")), ("italian", lambda: ios("it")),
                 ("spanish", lambda: ios("es"))],
    "samsung_mail": [("english", lambda: samsung("en"))],
    "zimbra": [("forward", lambda: zimbra(forward=True))],
    "orange": [("message_du_colon", lambda: orange(colon=True))],
    "roundcube": [("russian", lambda: roundcube("ru"))],
    "horde": [("english", lambda: horde("en")), ("german", lambda: horde("de"))],
    "proton": [("english", lambda: proton("en")), ("original_message", lambda: proton(old=True))],
    "yahoo": [("english", lambda: yahoo("en"))],
}


def no_colon_layout(style: str) -> Layout:
    def plain(written: list[str], footer: str) -> str:
        return "\n".join([*written, "", attribution("fr", style), "", *quoted(ORIGINAL)])

    return Layout(plain, None, {})


# --- the cases of each class ---------------------------------------------------------------

COMMENT = ["Merci de votre patience.", "", "Cordialement,", "Marie Lambert"]
COMMENT_TEXT = "Merci de votre patience.\n\nCordialement,\nMarie Lambert"

SPACES = [
    Case(["Reçu\u202f!", *COMMENT], "recu", comment=COMMENT_TEXT),
    Case(["« Reçu\u202f!\u202f»", *COMMENT], "recu", comment=COMMENT_TEXT),
    Case(["Accepter\u00a0:", *COMMENT], "accepter", comment=COMMENT_TEXT),
    Case(["Refuser\u2009:\u202fjustificatif illisible", *COMMENT], "refuser",
         "justificatif illisible", COMMENT_TEXT),
    Case(["Compléter\u2002—\u2002le livret de famille", *COMMENT], "completer",
         "le livret de famille", COMMENT_TEXT),
    Case(["Reçu\u3000！", *COMMENT], "recu", comment=COMMENT_TEXT),
    Case(["Clore\u2026", *COMMENT], "clore", comment=COMMENT_TEXT),
    Case(["\u200bRefuser\u00a0–\u00a0hors délai", *COMMENT], "refuser", "hors délai",
         COMMENT_TEXT),
    Case(["Accepter\uff1a vu avec le maire", *COMMENT], "accepter", "vu avec le maire",
         COMMENT_TEXT),
    Case(["Rec\u0327u\u2007!", *COMMENT], "recu", comment=COMMENT_TEXT),
]
EMPHASIS = [
    Case(["*Accepter*", *COMMENT], "accepter", comment=COMMENT_TEXT),
    Case(["*Refuser* : justificatif illisible", *COMMENT], "refuser", "justificatif illisible",
         COMMENT_TEXT),
    Case(["**Reçu**", *COMMENT], "recu", comment=COMMENT_TEXT),
    Case(["_Compléter_ : le livret de famille", *COMMENT], "completer", "le livret de famille",
         COMMENT_TEXT),
    Case(["/Clore/", *COMMENT], "clore", comment=COMMENT_TEXT),
    Case(["*Refuser : hors délai*", *COMMENT], "refuser", "hors délai", COMMENT_TEXT),
    Case(["*Reçu.*", *COMMENT], "recu", comment=COMMENT_TEXT),
]
NEAR = [
    Case(["Accepté.", *COMMENT], None, suggested="accepter", comment=COMMENT_TEXT),
    Case(["Bonjour,", "", "Accepter", "", *COMMENT], None, suggested="accepter",
         comment=COMMENT_TEXT),
    Case(["Ok reçu", *COMMENT], None, suggested="recu", comment=COMMENT_TEXT),
    Case(["Bien reçu, je regarde", *COMMENT], None, suggested="recu", argument="je regarde",
         comment=COMMENT_TEXT),
    Case(["Refusé : justificatif illisible", *COMMENT], None, suggested="refuser",
         argument="justificatif illisible", comment=COMMENT_TEXT),
    Case(["Dossier incomplet : il manque le livret de famille", *COMMENT], None,
         suggested="completer", argument="il manque le livret de famille",
         comment=COMMENT_TEXT),
    Case(["Accpeter", *COMMENT], None, suggested="accepter", comment=COMMENT_TEXT),
    Case(["C'est validé", *COMMENT], None, suggested="accepter", comment=COMMENT_TEXT),
    Case(["Je refuse : hors délai", *COMMENT], None, suggested="refuser", argument="hors délai",
         comment=COMMENT_TEXT),
    Case(["Dossier clôturé", *COMMENT], None, suggested="clore", comment=COMMENT_TEXT),
]
ABSENCE_BODY = ["Bonjour,", "", "Je suis absente du bureau jusqu'au 14 mars inclus.",
                "Pour toute urgence, contactez l'accueil de la mairie au 01 23 45 67 89.", "",
                "Marie Lambert"]
AUTOMATIC = [
    Case(["Bonjour,", "", "Je serai de retour le 14 mars.", "", "Marie Lambert"], None,
         comment="", automatic=True, subject="En congés jusqu'au 14 mars"),
    Case(ABSENCE_BODY, None, automatic=True),
    Case(["Reçu : votre demande a bien été enregistrée sous le numéro 2025-03-1187.",
          "Elle sera traitée dans les meilleurs délais.", "",
          "Ceci est un message automatique, merci de ne pas y répondre."], None,
         automatic=True, subject=f"Reçu : {SUBJECT}"),
    Case(["Reçu : votre message a été transmis au service (ticket #48213).", "",
          "Le service Accueil"], None, automatic=True, subject=f"[Ticket#48213] {SUBJECT}"),
    Case(["Reçu, merci.", "", "Ne pas répondre à ce message."], None, automatic=True,
         sender="ne-pas-repondre@demoville.fr"),
    Case(["Accepter"], None, automatic=True, headers={"List-Id": "<agents.demoville.fr>"}),
    Case(["Hors du bureau jusqu'au 14 mars."], None, automatic=True,
         subject=f"Absente du bureau - RE: {SUBJECT}"),
]


def charset_cases() -> list[tuple[Case, str]]:
    """Windows-1252 bytes under a Latin-1 label: the motive's apostrophes and guillemets."""
    return [
        (Case(["Refuser : l\u2019adresse ne correspond pas \u00ab au justificatif \u00bb\u2026",
               "Merci de renvoyer un justificatif \u0153uvre de moins de 3 mois (5 \u20ac)."],
              "refuser", "l\u2019adresse ne correspond pas \u00ab au justificatif \u00bb\u2026",
              "Merci de renvoyer un justificatif \u0153uvre de moins de 3 mois (5 \u20ac)."),
         "quoted-printable"),
        (Case(["Compléter : il manque l\u2019acte de naissance \u2013 page 2",
               "Bien \u00e0 vous"], "completer",
              "il manque l\u2019acte de naissance \u2013 page 2", "Bien \u00e0 vous"), "8bit"),
    ]


# --- writing the messages ------------------------------------------------------------------


def message(case: Case, layout: Layout, *, html_only: bool = False, charset: str = "utf-8",
            cte: str | None = None, mislabel: bool = False) -> bytes:
    plain = layout.plain(case.written, "") if layout.plain and not html_only else None
    page = layout.html(case.written, "") if layout.html else None
    mail = EmailMessage()
    mail["From"] = f"Marie Lambert <{case.sender}>"
    mail["To"] = REPLY_TO
    mail["Subject"] = case.subject or f"RE: {SUBJECT}"
    mail["Date"] = "Mon, 03 Mar 2025 11:02:00 +0100"
    digest = hashlib.sha256(repr((case.written, plain, page)).encode()).hexdigest()[:16]
    mail["Message-ID"] = f"<corpus.{digest}@demoville.fr>"
    mail["In-Reply-To"] = OURS
    mail["References"] = OURS
    for name, value in {**layout.headers, **case.headers}.items():
        mail[name] = value
    if mislabel:
        return _windows_1252_labelled_latin1(mail, plain, page, cte or "quoted-printable")
    if plain is not None:
        mail.set_content(plain, charset="utf-8", cte=cte or "quoted-printable")
        if page is not None:
            mail.add_alternative(page, subtype="html", charset="utf-8", cte="base64")
    elif page is not None:
        mail.set_content(page, subtype="html", charset="utf-8", cte=cte or "quoted-printable")
    return mail.as_bytes(policy=SMTP)


def _windows_1252_labelled_latin1(mail: EmailMessage, plain: str | None, page: str | None,
                                  cte: str) -> bytes:
    """The message with its text in Windows-1252 bytes under an ISO-8859-1 label, as Windows
    clients send it."""
    def part(text: str, subtype: str) -> bytes:
        data = text.replace("\n", "\r\n").encode("cp1252")
        body = quopri.encodestring(data) if cte == "quoted-printable" else data
        return (f"Content-Type: text/{subtype}; charset=iso-8859-1\r\n"
                f"Content-Transfer-Encoding: {cte}\r\n\r\n").encode() + body + b"\r\n"

    head = b"".join(f"{name}: {value}\r\n".encode() for name, value in mail.items())
    head += b"MIME-Version: 1.0\r\n"
    parts = [part(text, subtype) for text, subtype in ((plain, "plain"), (page, "html"))
             if text is not None]
    if len(parts) == 1:
        return head + parts[0]
    boundary = b"----=_NextPart_000_0001_01DB8C1A.2B3C4D50"
    body = b"".join(b"--" + boundary + b"\r\n" + chunk for chunk in parts)
    return (head + b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n'
            + body + b"--" + boundary + b"--\r\n")


def expectation(case: Case, klass: str, family: str, layout_name: str) -> dict[str, object]:
    return {"class": klass, "client": family, "layout": layout_name,
            "command": case.command, "argument": case.argument if case.command else "",
            "comment": case.comment, "automatic": case.automatic,
            "suggested_command": case.suggested,
            "suggested_argument": case.argument if case.suggested else ""}


def build() -> dict[str, dict[str, object]]:
    for folder in HERE.iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    expected: dict[str, dict[str, object]] = {}

    def write(klass: str, name: str, raw: bytes, case: Case, family: str, layout: str) -> None:
        path = HERE / klass / f"{name}.eml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(raw)
        expected[f"{klass}/{name}.eml"] = expectation(case, klass, family, layout)

    for number, (family, make) in enumerate(FAMILIES.items()):
        layout = make()
        spaces = SPACES[number % len(SPACES)]
        write("spaces", f"{family}_text", message(spaces, layout), spaces, family, "text")
        if layout.html:
            other = SPACES[(number + 3) % len(SPACES)]
            write("spaces", f"{family}_html", message(other, layout, html_only=True), other,
                  family, "html")
        emphasis = EMPHASIS[number % len(EMPHASIS)]
        if layout.plain:
            write("emphasis", f"{family}_text", message(emphasis, layout), emphasis, family,
                  "text")
        near = NEAR[number % len(NEAR)]
        write("near_commands", f"{family}_text", message(near, layout), near, family, "text")
        if layout.html:
            other = NEAR[(number + 5) % len(NEAR)]
            write("near_commands", f"{family}_html", message(other, layout, html_only=True),
                  other, family, "html")
        automatic = AUTOMATIC[number % len(AUTOMATIC)]
        write("automatic", f"{family}_text", message(automatic, layout), automatic, family,
              "text")
        if layout.html:
            other = AUTOMATIC[(number + 3) % len(AUTOMATIC)]
            write("automatic", f"{family}_html", message(other, layout, html_only=True), other,
                  family, "html")
        for index, (case, cte) in enumerate(charset_cases()):
            write("charsets", f"{family}_{index + 1}", message(case, layout, cte=cte,
                                                               mislabel=True),
                  case, family, "text+html" if layout.html else "text")
        quote_case = Case(["Reçu", *COMMENT], "recu", comment=COMMENT_TEXT)
        write("quote_headers", f"{family}_text", message(quote_case, layout), quote_case,
              family, "text")
        if layout.html:
            html_case = Case(["Refuser : justificatif illisible", *COMMENT], "refuser",
                             "justificatif illisible", COMMENT_TEXT)
            write("quote_headers", f"{family}_html", message(html_case, layout, html_only=True),
                  html_case, family, "html")
        for name, variant in QUOTE_VARIANTS.get(family, []):
            variant_layout = variant()
            write("quote_headers", f"{family}_{name}", message(quote_case, variant_layout),
                  quote_case, family, name)
            if variant_layout.html:
                write("quote_headers", f"{family}_{name}_html",
                      message(quote_case, variant_layout, html_only=True), quote_case, family,
                      f"{name} html")
        if family in BOTTOM_POSTING:
            below = Case(["Compléter : il manque le livret de famille", *COMMENT], "completer",
                         "il manque le livret de famille", COMMENT_TEXT)
            write("html_below_quote", family, message(below, BOTTOM_POSTING[family](),
                                                      html_only=True), below, family, "html")
            silent = Case(["Merci pour l'information, je regarde le dossier."], None,
                          comment="Merci pour l'information, je regarde le dossier.")
            write("html_below_quote", f"{family}_message",
                  message(silent, BOTTOM_POSTING[family](), html_only=True), silent, family,
                  "html")
    for style, family in (("nocolon", "gmail"), ("dashes", "zimbra")):
        case = Case(["Reçu", *COMMENT], "recu", comment=COMMENT_TEXT)
        write("quote_headers", f"{family}_{style}_attribution", message(case,
                                                                         no_colon_layout(style)),
              case, family, style)
    (HERE / "expected.json").write_text(
        json.dumps(dict(sorted(expected.items())), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    return expected


if __name__ == "__main__":
    print(f"{len(build())} messages written")
