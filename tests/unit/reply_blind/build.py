"""Write the blind replies: a third set of agents' replies, each in a client or a language (most
often both) that the held-out replies lack, written as those clients put them on the wire
(multipart/alternative with the client's own HTML, charsets, quoted-printable or base64, mobile
footers, forwarded and attached originals, top-, bottom- and inline posting).

``.venv/bin/python tests/unit/reply_blind/build.py`` writes the .eml files and expected.json.
Each entry names what the agent wrote (``written``), the command that text gives (``command``,
or null) and a one-line note on the layout; everything else in the message is quoted or added
by the client, and none of it may reach the citizen.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import quopri
import re
import shutil
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import Header
from email.message import Message
from email.utils import formataddr
from pathlib import Path

HERE = Path(__file__).parent

SENDER = "Service Etat Civil Blindville"
ADDRESS = "reponse+blindtoken123456@mairie.example"
WHO = f"{SENDER} <{ADDRESS}>"
SUBJECT = "Dossier BLIND-7731 : demande d'acte de naissance"
NOTIFICATION_ID = "<notif.blind-7731.1741000397@mairie.example>"
NOTIFICATION_DATE = "Mon, 03 Mar 2025 09:53:17 +0100"
#: The notification as the agent received it. Its first line is a command: if quoted text were
#: read as the agent's, the dossier would be accepted.
ORIGINAL = [
    "Accepter",
    "Votre dossier BLIND-7731 est arrivé au service.",
    "Demande d'acte de naissance déposée par M. Quentin Blindmark le 2 mars 2025.",
    "Pièce jointe : justificatif-blind.pdf",
    "",
    "Répondez au-dessus de cette ligne : reçu, accepter, refuser <motif>,",
    "compléter <motif> ou clore. Le reste de votre réponse est transmis à l'usager.",
    "-- ",
    SENDER,
]
#: What only the quoted notification, its attribution or its header block holds (the time of
#: the notification, 09:53, in the forms clients write it).
MARKERS = (SENDER, "blindtoken123456", "BLIND-7731", "Quentin Blindmark", "justificatif-blind",
           "Répondez au-dessus", "transmis à l'usager", "9:53", "9.53", "۹:۵۳", "৯:৫৩")

#: What agents write: (lines, the command they give or None).
WRITTEN: dict[str, tuple[list[str], str | None]] = {
    "recu": (["Reçu"], "recu"),
    "msg_rappel": (["Bonjour,", "", "Pouvez-vous nous rappeler au 05 62 18 40 10 pour préciser "
                    "la date de naissance exacte ?", "", "Bien cordialement,"], None),
    "refuser": (["Refuser : la pièce d'identité fournie est expirée depuis 2019.",
                 "Merci de déposer une nouvelle demande avec un document valide."], "refuser"),
    "accepter_c": (["Accepter", "L'acte vous sera envoyé par courrier dans la semaine."],
                   "accepter"),
    "completer": (["Compléter : il manque le justificatif de domicile de moins de trois mois."],
                  "completer"),
    "vide": ([], None),
    "recu_demain": (["Reçu, je m'en occupe demain matin."], "recu"),
    "clore_c": (["Clore", "Le demandeur a retiré sa demande au guichet ce matin."], "clore"),
    "msg_adresse": (["Nous avons bien noté votre changement d'adresse ; le dossier suit son "
                     "cours."], None),
    "accepter": (["accepter"], "accepter"),
    "refuser_2": (["refuser demande en double, un dossier identique a déjà été traité le mois "
                   "dernier"], "refuser"),
    "completer_2": (["compléter merci de joindre la copie intégrale du livret de famille", "",
                     "Cordialement"], "completer"),
    "recu_long": (["reçu", "Le dossier est en cours d'instruction, comptez une semaine."],
                  "recu"),
    "msg_nantes": (["Madame,", "", "L'acte demandé concerne une naissance à l'étranger : il faut "
                    "vous adresser au Service central d'état civil à Nantes.", "",
                    "Avec nos salutations,"], None),
    "clore": (["clore"], "clore"),
    "msg_collegue": (["Je transmets à ma collègue de l'urbanisme, elle vous recontactera cette "
                      "semaine."], None),
}
CYCLE = list(WRITTEN)

AGENTS = [
    ("Élodie Marchand", "e.marchand@blindville.fr"),
    ("Karim Benali", "k.benali@blindville.fr"),
    ("Anne-Sophie Le Goff", "as.legoff@blindville.fr"),
    ("Jordi Puig", "j.puig@blindville.fr"),
    ("Aino Lehtonen", "a.lehtonen@blindville.fr"),
    ("Théo Garnier", "t.garnier@blindville.fr"),
    ("Nadia Haddad", "n.haddad@blindville.fr"),
    ("Mikel Etxeberria", "m.etxeberria@blindville.fr"),
]


def signature(agent: str) -> list[str]:
    return [agent, "Mairie de Blindville – accueil et population", "05 62 18 40 10"]


# --- MIME ------------------------------------------------------------------------------------


@dataclass
class Part:
    ctype: str
    params: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    cte: str | None = None
    children: list[Part] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)
    preamble: str = ""


def _encode(text: str, charset: str) -> tuple[bytes, str]:
    """The client's charset when the text fits in it, else UTF-8 (what clients fall back to)."""
    try:
        return text.encode({"windows-874": "cp874"}.get(charset, charset)), charset.lower()
    except UnicodeEncodeError:
        return text.encode("utf-8"), "utf-8"


def _qp(data: bytes) -> bytes:
    lines = []
    for line in data.split(b"\r\n"):
        lines.append(quopri.encodestring(line).replace(b"=\n", b"=\r\n"))
    return b"\r\n".join(lines)


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def leaf(text: str, subtype: str = "plain", charset: str = "utf-8",
         cte: str = "quoted-printable", **params: str) -> Part:
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    raw, charset = _encode(text, charset)
    if subtype == "html":
        # The page's own <meta> names the charset the client settled on.
        raw, charset = _encode(re.sub(r"(text/html; charset=)[\w-]+", rf"\g<1>{charset}", text),
                               charset)
    if cte == "quoted-printable":
        data = _qp(raw)
    elif cte == "base64":
        data = _b64(raw)
    else:
        data = raw
        if cte == "7bit" and any(b > 127 for b in raw):
            cte = "8bit"
    return Part(f"text/{subtype}", {"charset": charset, **params}, data, cte)


def multi(subtype: str, *children: Part, preamble: str = "") -> Part:
    return Part(f"multipart/{subtype}", {}, b"", None, list(children), preamble=preamble)


def render(part: Part, boundaries: list[str]) -> bytes:
    params = "".join(f'; {key}="{value}"' if key in ("charset", "boundary") and
                     not value.isalnum() else f"; {key}={value}"
                     for key, value in part.params.items())
    head = [f"Content-Type: {part.ctype}{params}"]
    if part.children:
        boundary = boundaries.pop(0)
        head[0] = f'Content-Type: {part.ctype}; boundary="{boundary}"'
        out = ("\r\n".join(head) + "\r\n\r\n").encode()
        if part.preamble:
            out += part.preamble.encode() + b"\r\n\r\n"
        for child in part.children:
            out += f"--{boundary}\r\n".encode() + render(child, boundaries) + b"\r\n"
        return out + f"--{boundary}--\r\n".encode()
    if part.cte:
        head.append(f"Content-Transfer-Encoding: {part.cte}")
    head += [f"{name}: {value}" for name, value in part.extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + part.data


def encode_header(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(maxlinelen=76).replace("\n", "\r\n")


def notification_bytes(agent: str, address: str) -> bytes:
    """The notification itself, as attached by clients that forward it as a file."""
    head = [f"From: {WHO}", f"To: {formataddr((agent, address), 'utf-8')}",
            f"Subject: {SUBJECT}", f"Date: {NOTIFICATION_DATE}",
            f"Message-ID: {NOTIFICATION_ID}", "MIME-Version: 1.0"]
    body = render(leaf("\n".join(ORIGINAL) + "\n"), [])
    return ("\r\n".join(head) + "\r\n").encode() + body


# --- text helpers ----------------------------------------------------------------------------


def esc(line: str) -> str:
    return html.escape(line, quote=False)


def quoted(lines: list[str], prefix: str = "> ") -> list[str]:
    return [(prefix + line) if line else prefix.rstrip() for line in lines]


def wrap(line: str, width: int = 78, prefix: str = "") -> list[str]:
    """Gmail's plain part: long lines broken at a space, or just after the '<' of an address."""
    out: list[str] = []
    rest = line
    while len(prefix + rest) > width:
        room = width - len(prefix)
        cut = rest.rfind(" ", 0, room + 1)
        angle = rest.rfind("<", 0, room)
        if angle > cut:
            out.append(prefix + rest[:angle + 1])
            rest = rest[angle + 1:]
            continue
        if cut <= 0:
            break
        out.append(prefix + rest[:cut])
        rest = rest[cut + 1:]
    out.append(prefix + rest)
    return out


def flowed(lines: list[str], width: int = 72) -> list[str]:
    """format=flowed as Thunderbird sends it: long lines cut after a space, which stays."""
    out: list[str] = []
    for line in lines:
        prefix = ""
        while line.startswith(">"):
            prefix += ">"
            line = line[1:]
        if prefix and line.startswith(" "):
            prefix += " "
            line = line[1:]
        if line == "-- " or len(prefix + line) <= width:
            out.append(prefix + line)
            continue
        while len(prefix + line) > width:
            cut = line.rfind(" ", 0, width - len(prefix))
            if cut <= 0:
                break
            out.append(prefix + line[:cut + 1])
            line = line[cut + 1:]
        out.append(prefix + line)
    return out


def divs(lines: list[str], tag: str = "div", attrs: str = "") -> str:
    return "".join(f"<{tag}{attrs}>{esc(line) or '<br>'}</{tag}>" for line in lines)


def brs(lines: list[str]) -> str:
    return "<br>\r\n".join(esc(line) for line in lines)


def original_html(style: str) -> str:
    if style == "br":
        return '<div dir="ltr">' + brs(ORIGINAL) + "</div>"
    if style == "div":
        return divs(ORIGINAL)
    if style == "pre":
        return ('<pre class="moz-quote-pre" wrap="">' + "\r\n".join(esc(x) for x in ORIGINAL)
                + "</pre>")
    if style == "mso":
        return "\r\n".join(f"<p class=MsoNormal>{esc(x) or '&nbsp;'}<o:p></o:p></p>"
                           for x in ORIGINAL)
    if style == "p":
        return "<p>" + brs(ORIGINAL) + "</p>"
    raise ValueError(style)


def page(body: str, head: str = "", body_attrs: str = "", charset: str = "utf-8") -> str:
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"{head}</head><body{body_attrs}>\r\n{body}\r\n</body></html>")


# --- the message being written ---------------------------------------------------------------


@dataclass
class M:
    client: str
    lang: str
    key: str
    pos: str  # top, bottom, inline
    agent: str
    address: str
    sig: list[str]
    number: int
    opts: dict[str, object]

    @property
    def w(self) -> list[str]:
        return WRITTEN[self.key][0]

    def own(self, delimiter: str = "", footer: list[str] | None = None) -> list[str]:
        """What the agent's side holds: written text, then signature, then a mobile footer."""
        lines = list(self.w)
        if self.sig:
            if lines:
                lines.append("")
            lines += ([delimiter] if delimiter else []) + self.sig
        if footer:
            if lines:
                lines.append("")
            lines += footer
        return lines

    def arrange(self, own: list[str], above: list[str], quote: list[str],
                gap: int = 1) -> list[str]:
        """Text lines in the order of posting: top, bottom, or answered between quoted lines."""
        if self.pos == "bottom":
            return [*above, *quote, "", *own]
        if self.pos == "inline":
            tail = own[len(self.w):]
            return [*above, *quote[:4], "", *self.w, "", *quote[4:], *tail]
        return [*own, *([""] * gap), *above, *quote]


def out(m: M, body: Part, headers: list[tuple[str, str]], prefix: str = "Re:",
        boundary: str = "----=_Part_{h}", layout: str = "") -> tuple[bytes, str]:
    digest = hashlib.sha256(f"{m.client}{m.lang}{m.number}".encode()).hexdigest()
    minute = 2 + (m.number * 7) % 50
    date = f"Mon, 03 Mar 2025 11:{minute:02d}:{(m.number * 13) % 60:02d} +0100"
    message_id = headers.pop(0)[1] if headers and headers[0][0] == "Message-ID" else \
        f"<{digest[:24]}@blindville.fr>"
    head = [
        ("Date", date),
        ("From", formataddr((m.agent, m.address), "utf-8")),
        ("To", f'"{SENDER}" <{ADDRESS}>'),
        ("Subject", encode_header(f"{prefix} {SUBJECT}")),
        ("Message-ID", message_id.format(h=digest[:20])),
        ("In-Reply-To", NOTIFICATION_ID),
        ("References", NOTIFICATION_ID),
        *headers,
        ("MIME-Version", "1.0"),
    ]
    boundaries = [boundary.format(h=digest[i * 6:i * 6 + 24], i=i) for i in range(4)]
    raw = ("\r\n".join(f"{k}: {v}" for k, v in head) + "\r\n").encode()
    raw += render(body, boundaries)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw, layout


def alt(text: Part, page_: Part, preamble: str = "") -> Part:
    return multi("alternative", text, page_, preamble=preamble)


# --- clients ---------------------------------------------------------------------------------

GMAIL_ATTR = {
    "fi": "ma 3. maalisk. 2025 klo 9.53 {name} ({addr}) kirjoitti:",
    "sv": "Den mån 3 mars 2025 kl 09:53 skrev {name} <{addr}>:",
    "nb": "man. 3. mar. 2025 kl. 09:53 skrev {name} <{addr}>:",
    "es": "El lun, 3 mar 2025 a las 9:53, {name} (<{addr}>) escribió:",
    "et": "E, 3. märts 2025 kell 09:53 kirjutas {name} (<{addr}>):",
    "lv": "pirmd., 2025. g. 3. marts, plkst. 09:53 — lietotājs {name} (<{addr}>) rakstīja:",
    "sl": "V pon., 3. mar. 2025 ob 09:53 je oseba {name} <{addr}> napisala:",
    "sr": "пон, 3. мар 2025. у 09:53 {name} <{addr}> је написао/ла:",
    "bg": "пн, 3.03.2025 г. в 9:53 ч. {name} <{addr}> написа:",
    "is": "mán., 3. mar. 2025 kl. 09:53 skrifaði {name} <{addr}>:",
    "sq": "Më hën, 3 mar 2025 në 9:53 e paradites {name} <{addr}> shkroi:",
    "eu": "{name} (<{addr}>) erabiltzaileak hau idatzi zuen (2025 mar. 3, al. (09:53)):",
    "gl": "O lun., 3 de mar. de 2025 ás 9:53, {name} (<{addr}>) escribiu:",
    "cy": "Ar Llun, 3 Maw 2025 am 09:53, {name} <{addr}> ysgrifennodd:",
    "fa": "\u202b{name} <{addr}>\u200f در تاریخ دوشنبه ۳ مارس ۲۰۲۵ ساعت ۹:۵۳ نوشت:\u202c",
    "hi": "सोम, 3 मार्च 2025 को 9:53 am बजे {name} <{addr}> ने लिखा:",
    "bn": "সোম, ৩ মার্চ, ২০২৫ ৯:৫৩ AM তারিখে {name} <{addr}> লিখেছেন:",
    "th": "เมื่อ วันจันทร์ที่ 3 มี.ค. 2025 เวลา 09:53 {name} <{addr}> เขียนว่า:",
    "ms": "Pada Isn, 3 Mac 2025 pada 9:53 PG {name} <{addr}> menulis:",
    "fil": "Noong Lun, Mar 3, 2025 nang 9:53 AM, sumulat si {name} <{addr}>:",
    "sw": "Mnamo Jumatatu, 3 Machi 2025 saa 09:53, {name} <{addr}> aliandika:",
    "hy": "Երկ, 3 մրտ, 2025 թ., 09:53 {name} <{addr}>-ը գրել է՝",
    "ka": "ორშ, 3 მარ. 2025, 09:53-ზე {name} <{addr}> წერს:",
    "az": "B.e., 3 mar 2025, saat 09:53 tarixində {name} <{addr}> yazdı:",
    "kk": "дс, 3 нау. 2025 ж., 09:53 {name} <{addr}> жазды:",
    "mk": "пон., 3 мар. 2025 во 9:53 {name} <{addr}> напиша:",
    "ur": "\u202b{name} <{addr}>\u200f نے بروز پیر، 3 مارچ، 2025 کو 9:53 AM لکھا:\u202c",
    "ta": "திங்., 3 மார்., 2025, முற்பகல் 9:53 அன்று, {name} <{addr}> எழுதியது:",
}
GMAIL_FORWARD = {
    "es": ["---------- Forwarded message ---------", f"De: {WHO}",
           "Date: lun, 3 mar 2025 a las 9:53", f"Subject: {SUBJECT}", "To: {to}"],
    "fi": ["---------- Välitetty viesti ---------", f"Lähettäjä: {WHO}",
           "Date: ma 3. maalisk. 2025 klo 9.53", f"Subject: {SUBJECT}", "To: {to}"],
    "sv": ["---------- Vidarebefordrat meddelande ---------", f"Från: {WHO}",
           "Date: mån 3 mars 2025 kl 09:53", f"Subject: {SUBJECT}", "To: {to}"],
}


def gmail(m: M) -> tuple[bytes, str]:
    rtl = m.lang in ("fa", "ur")
    own = m.own("-- ")
    direction = 'dir="rtl"' if rtl else 'dir="ltr"'
    written = m.w
    first = esc(written[0]) if written else ""
    page_ = f"<div {direction}>{first}" + divs(written[1:])
    if m.sig:
        page_ += ('<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span>'
                  '<br><div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
                  f'<div dir="ltr">{esc(m.sig[0])}' + divs(m.sig[1:]) + "</div></div>")
    page_ += "</div>"
    to = f"{m.agent} <{m.address}>"
    if m.opts.get("forward"):
        block = [line.format(to=to) for line in GMAIL_FORWARD[m.lang]]
        text = [*own, "", *block, "", "", *ORIGINAL]
        page_ += ('<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
                  'class="gmail_attr">' + "<br>".join(esc(x) for x in block)
                  + "<br></div><br><br>" + original_html("br") + "</div>")
        layout = "alternative; top; Gmail forward of the notification, header block unquoted"
    else:
        attr = GMAIL_ATTR[m.lang].format(name=SENDER, addr=ADDRESS)
        quote = [q for line in ORIGINAL for q in (wrap(line, prefix="> ") if line else [">"])]
        text = m.arrange(own, [*wrap(attr), ""], quote)
        page_ += ('<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
                  f'class="gmail_attr">{esc(attr)}<br></div><blockquote class="gmail_quote" '
                  'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
                  f'padding-left:1ex">{original_html("br")}</blockquote></div>')
        layout = ("alternative; top; gmail_quote, attribution wrapped in the text part"
                  + ("; right-to-left" if rtl else ""))
    body = alt(leaf("\n".join(text) + "\n", charset="UTF-8"),
               leaf(page_ + "\n", "html", charset="UTF-8"))
    digest = hashlib.sha256(f"g{m.lang}{m.number}".encode()).hexdigest()
    return out(m, body, [("Message-ID", f"<CAH{digest[:30]}+{digest[30:40]}@mail.gmail.com>")],
               prefix="Fwd:" if m.opts.get("forward") else "Re:", boundary="000000000000{h}",
               layout=layout)


OUTLOOK = {
    # From, Sent, To, Subject, date, subject prefix, plain-text separator
    "sv": ("Från", "Skickat", "Till", "Ämne", "den 3 mars 2025 09:53", "SV:",
           "-----Ursprungligt meddelande-----"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe",
           "maanantai 3. maaliskuuta 2025 9.53", "VS:", "-----Alkuperäinen viesti-----"),
    "nb": ("Fra", "Sendt", "Til", "Emne", "mandag 3. mars 2025 09:53", "SV:",
           "-----Opprinnelig melding-----"),
    "es": ("De", "Enviado el", "Para", "Asunto", "lunes, 3 de marzo de 2025 9:53", "RE:",
           "-----Mensaje original-----"),
    "et": ("Saatja", "Saadetud", "Adressaat", "Teema", "esmaspäev, 3. märts 2025 9:53", "RE:",
           "-----Algsõnum-----"),
    "lv": ("No", "Nosūtīts", "Kam", "Tēma", "pirmdiena, 2025. gada 3. martā 9:53", "RE:",
           "-----Sākotnējais ziņojums-----"),
    "sl": ("Od", "Poslano", "Za", "Zadeva", "ponedeljek, 03. marec 2025 9:53", "RE:",
           "-----Izvirno sporočilo-----"),
    "bg": ("От", "Изпратено", "До", "Относно", "3 март 2025 г. 9:53", "RE:",
           "-----Original Message-----"),
    "sr": ("Od", "Poslato", "Za", "Tema", "ponedeljak, 3. mart 2025. 9:53", "RE:",
           "-----Originalna poruka-----"),
    "is": ("Frá", "Sent", "Til", "Efni", "3. mars 2025 09:53", "RE:",
           "-----Original Message-----"),
    "fa": ("از", "ارسال شده", "به", "موضوع", "دوشنبه، ۳ مارس ۲۰۲۵ ۹:۵۳", "RE:",
           "-----Original Message-----"),
    "th": ("จาก", "ส่ง", "ถึง", "เรื่อง", "3 มีนาคม 2568 9:53", "RE:",
           "-----Original Message-----"),
    "ms": ("Daripada", "Dihantar", "Kepada", "Subjek", "Isnin, 3 Mac 2025 9:53 PG", "RE:",
           "-----Mesej Asal-----"),
    "eu": ("Nork", "Noiz", "Nori", "Gaia", "2025(e)ko martxoaren 3(a), astelehena 9:53", "RE:",
           "-----Jatorrizko mezua-----"),
}
OUTLOOK_CHARSET = {"sv": "iso-8859-1", "fi": "iso-8859-1", "nb": "iso-8859-1",
                   "es": "iso-8859-1", "et": "windows-1257", "lv": "windows-1257",
                   "sl": "windows-1250", "th": "windows-874", "fa": "windows-1256"}
MSO_HEAD = ('<meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--\r\n'
            "p.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;font-size:11.0pt;"
            'font-family:"Calibri",sans-serif;}\r\n'
            "span.EmailStyle18\r\n\t{mso-style-type:personal-reply;}\r\n"
            "@page WordSection1\r\n\t{size:612.0pt 792.0pt;margin:70.85pt 70.85pt 70.85pt "
            "70.85pt;}\r\ndiv.WordSection1\r\n\t{page:WordSection1;}\r\n--></style>")


def mso_lines(lines: list[str]) -> str:
    return "\r\n".join(f"<p class=MsoNormal>{esc(x) or '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>"
                       for x in lines)


def outlook(m: M) -> tuple[bytes, str]:
    frm, sent, to, subj, date, prefix, separator = OUTLOOK[m.lang]
    charset = OUTLOOK_CHARSET.get(m.lang, "utf-8")
    agent = f"{m.agent} <{m.address}>"
    block = [f"{frm}: {WHO}", f"{sent}: {date}", f"{to}: {agent}", f"{subj}: {SUBJECT}"]
    extra = [("Thread-Topic", encode_header(SUBJECT)), ("Thread-Index", "AQHbjBq1lX2pYw=="),
             ("X-Mailer", "Microsoft Outlook 16.0"), ("Content-Language", m.lang)]
    if m.opts.get("plain"):
        text = [*m.own(), "", separator, *block, "", *ORIGINAL]
        body = leaf("\n".join(text) + "\n", charset=charset)
        return out(m, body, extra, prefix=prefix, boundary="----=_NextPart_000_{h}",
                   layout=f"text only; top; Outlook '{separator}' then header block, original "
                          "unquoted")
    text = [*m.own(), "", "", *block, "", *ORIGINAL]
    rtl = ' dir=RTL' if m.lang == "fa" else ""
    html_ = ("<div class=WordSection1>\r\n" + mso_lines(m.own()) + "\r\n<p class=MsoNormal>"
             "<o:p>&nbsp;</o:p></p>\r\n<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;"
             "padding:3.0pt 0cm 0cm 0cm'>\r\n"
             f"<p class=MsoNormal{rtl}><b><span lang={m.lang.upper()}>{esc(frm)}:</span></b>"
             f"<span lang={m.lang.upper()}> {esc(WHO)} <br><b>{esc(sent)}:</b> {esc(date)}<br>"
             f"<b>{esc(to)}:</b> {esc(agent)}<br><b>{esc(subj)}:</b> {esc(SUBJECT)}"
             "<o:p></o:p></span></p></div></div>\r\n<p class=MsoNormal><o:p>&nbsp;</o:p></p>\r\n"
             + original_html("mso") + "\r\n</div>")
    page_ = ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
             'office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://'
             'schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">'
             f'<head><meta http-equiv=Content-Type content="text/html; charset={charset}">'
             f"{MSO_HEAD}</head><body lang={m.lang.upper()} link=\"#0563C1\" vlink=\"#954F72\" "
             f"style='word-wrap:break-word'>\r\n{html_}\r\n</body></html>\r\n")
    body = alt(leaf("\n".join(text) + "\n", charset=charset),
               leaf(page_, "html", charset=charset))
    return out(m, body, extra, prefix=prefix, boundary="_000_{h}_",
               layout="alternative; top; Word HTML, bordered header block, original unquoted")


OWA = {
    "es": ("De", "Enviado", "Para", "Asunto", "lunes, 3 de marzo de 2025 9:53", "RE:"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe", "maanantai 3. maaliskuuta 2025 9.53",
           "VS:"),
    "sv": ("Från", "Skickat", "Till", "Ämne", "den 3 mars 2025 09:53", "SV:"),
}
OUTLOOK_MOBILE = {"sv": "Hämta Outlook för iOS", "es": "Obtener Outlook para Android",
                  "fi": "Hanki Outlook for iOS"}


def owa(m: M) -> tuple[bytes, str]:
    """Outlook on the web, and the Outlook mobile apps, which write the same block."""
    frm, sent, to, subj, date, prefix = OWA[m.lang]
    mobile = m.client == "outlook_mobile"
    footer = [f"{OUTLOOK_MOBILE[m.lang]}<https://aka.ms/o0ukef>"] if mobile else None
    agent = f"{m.agent} <{m.address}>"
    block = ["________________________________", f"{frm}: {WHO}", f"{sent}: {date}",
             f"{to}: {agent}", f"{subj}: {SUBJECT}"]
    text = [*m.own(footer=footer), *block, "", *ORIGINAL]
    font = ('<div style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, '
            'Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">')
    html_ = font + (divs(m.own()) or "<br>") + "</div>"
    if mobile:
        before, _, after = OUTLOOK_MOBILE[m.lang].partition("Outlook")
        html_ += (f'<div dir="ltr">{esc(before)}<a href="https://aka.ms/o0ukef">Outlook'
                  f"{esc(after)}</a></div>")
    html_ += ('<div id="appendonsend"></div><hr style="display:inline-block;width:98%" '
              'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
              f'style="font-size:11pt" color="#000000"><b>{esc(frm)}:</b> {esc(WHO)}<br>'
              f"<b>{esc(sent)}:</b> {esc(date)}<br><b>{esc(to)}:</b> {esc(agent)}<br>"
              f"<b>{esc(subj)}:</b> {esc(SUBJECT)}</font><div>&nbsp;</div></div>"
              f'<div class="elementToProof">{original_html("div")}</div>')
    body = alt(leaf("\n".join(text) + "\n", charset="iso-8859-1", cte="base64" if mobile else
                    "quoted-printable"),
               leaf(page(html_, body_attrs=' dir="ltr"') + "\n", "html", charset="iso-8859-1",
                    cte="base64" if mobile else "quoted-printable"))
    extra = [("Thread-Topic", SUBJECT), ("Thread-Index", "AQHbjBq1zQ8aLw=="),
             ("Accept-Language", f"{m.lang}-{m.lang.upper()}, fr-FR"),
             ("Content-Language", m.lang)]
    return out(m, body, extra, prefix=prefix, boundary="_000_{h}_",
               layout="alternative; top; '___' rule then header block, original unquoted"
                      + ("; mobile footer" if mobile else "") + ("; base64" if mobile else ""))


IPHONE = {
    "sv": ("Skickat från min iPhone", "3 mars 2025 kl. 09:53 skrev {who}:"),
    "fi": ("Lähetetty iPhonesta", "3.3.2025 kello 9.53 {who} kirjoitti:"),
    "es": ("Enviado desde mi iPhone", "El 3 mar 2025, a las 9:53, {who} escribió:"),
    "nb": ("Sendt fra min iPhone", "3. mar. 2025 kl. 09:53 skrev {who}:"),
    "th": ("ส่งจาก iPhone ของฉัน", "เมื่อ 3 มี.ค. 2568 เวลา 09:53 {who} เขียนว่า:"),
}
APPLE_MAC = {
    "fi": "{who} kirjoitti 3.3.2025 kello 9.53:",
    "sv": "3 mars 2025 kl. 09:53 skrev {who}:",
}


def apple(m: M) -> tuple[bytes, str]:
    """iPhone Mail and Mail for macOS: the attribution sits inside the quote."""
    iphone = m.client == "iphone"
    if m.opts.get("forward"):
        header = ["Inicio del mensaje reenviado:", "", f"De: {WHO}", f"Asunto: {SUBJECT}",
                  "Fecha: 3 de marzo de 2025, 9:53:17 CET",
                  f"Para: {m.agent} <{m.address}>", ""]
        text = [*m.own(), "", "", *header, *ORIGINAL]
        html_ = (divs(m.own()) + '<div><br><blockquote type="cite"><div>Inicio del mensaje '
                 'reenviado:</div><br class="Apple-interchange-newline">'
                 + "".join(f'<div style="margin-top: 0px; margin-right: 0px; margin-bottom: 0px;'
                           f' margin-left: 0px;"><span style="font-family: -webkit-system-font, '
                           f'Helvetica Neue, Helvetica, sans-serif;"><b>{esc(x.split(": ")[0])}:'
                           f" </b></span><span>{esc(x.split(': ', 1)[1])}</span></div>"
                           for x in header[2:6])
                 + "<br>" + divs(ORIGINAL) + "</blockquote></div>")
        body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
        return out(m, body, [("X-Mailer", "Apple Mail (2.3774.500.171.1.1)")], prefix="Fwd:",
                   boundary="Apple-Mail=_{h}", layout="alternative; forward from Mail for macOS,"
                   " header block in a cite blockquote, text part unquoted")
    footer, attr = IPHONE[m.lang] if iphone else (None, APPLE_MAC[m.lang])
    attr = attr.format(who=WHO)
    bom = "\ufeff" if m.opts.get("bom") else ""
    quote = quoted([attr, "", bom + ORIGINAL[0], *ORIGINAL[1:]])
    own = m.own(footer=[footer] if footer else None)
    text = m.arrange(own, [], quote)
    html_ = (divs(own, attrs=' dir="ltr"') + '<div dir="ltr"><br><blockquote type="cite">'
             f"{esc(attr)}<br><br></blockquote></div><blockquote type=\"cite\"><div dir=\"ltr\">"
             f"{bom}" + divs(ORIGINAL) + "</div></blockquote>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_, body_attrs=' dir="auto"') + "\n",
                                                  "html"))
    mailer = "iPhone Mail (22D63)" if iphone else "Apple Mail (2.3826.300.87.4.3)"
    return out(m, body, [("X-Mailer", mailer)], boundary="Apple-Mail-{h}",
               layout="alternative; top; attribution inside the '>' quote"
                      + ("; mobile footer" if iphone else "")
                      + ("; BOM before the first quoted line" if bom else ""))


TB = {
    "eu": "{name}(e)k idatzi zuen (2025/03/03 09:53):",
    "br": "D'ar 03/03/2025 da 09:53, {name} en deus skrivet :",
    "oc": "Lo 03/03/2025 a 09:53, {name} a escrich :",
    "gl": "O 03/03/2025 ás 09:53, {name} escribiu:",
    "cy": "Ar 03/03/2025 09:53, ysgrifennodd {name}:",
    "et": "{name} kirjutas 03.03.2025 9:53:",
    "fi": "{name} kirjoitti 3.3.2025 klo 9.53:",
    "is": "Þann 3.3.2025 kl. 09:53, skrifaði {name}:",
    "sq": "Më 03/03/2025 09:53, {name} shkroi:",
    "mk": "На 03.03.2025 09:53, {name} напиша:",
    "es": "El 3/3/25 a las 9:53, {name} escribió:",
    "th": "เมื่อ 3/3/2568 9:53, {name} เขียน:",
    "lv": "{name} rakstīja 03.03.2025 09:53:",
    "sl": "Dne 03. 03. 25 ob 09:53 je {name} napisal(a):",
    "sv": "Den 2025-03-03 kl. 09:53, skrev {name}:",
    "en": "On 3/3/25 9:53 AM, {name} wrote:",
}
TB_FORWARD = {"es": ("-------- Mensaje reenviado --------", "Asunto", "Fecha", "De", "Para"),
              "fi": ("-------- Välitetty viesti --------", "Aihe", "Päiväys", "Lähettäjä",
                     "Vastaanottaja")}


def thunderbird(m: M) -> tuple[bytes, str]:
    agent_ua = ("User-Agent", "Mozilla Thunderbird")
    postbox = m.client == "postbox"
    if postbox:
        agent_ua = ("X-Mailer", "Postbox 7.0.60 (Windows/20240224)")
    own = m.own("-- ")
    if m.opts.get("attach"):
        text = own
        body = multi("mixed", leaf("\n".join(flowed(text)) + "\n", cte="8bit", format="flowed"),
                     Part("message/rfc822", {}, notification_bytes(m.agent, m.address), "7bit",
                          extra=[("Content-Disposition",
                                  'attachment; filename="Dossier BLIND-7731.eml"')]),
                     preamble="This is a multi-part message in MIME format.")
        return out(m, body, [agent_ua, ("Content-Language", m.lang)], prefix="Fwd:",
                   boundary="------------{h}",
                   layout="mixed; notification forwarded as an attached message/rfc822, text "
                          "above")
    if m.opts.get("forward"):
        title, subj, date, frm, to = TB_FORWARD[m.lang]
        rows = [(subj, SUBJECT), (date, NOTIFICATION_DATE), (frm, WHO),
                (to, f"{m.agent} <{m.address}>")]
        text = [*own, "", "", title, *[f"{k}: \t{v}" for k, v in rows], "", "", *ORIGINAL]
        html_ = ("<p>" + brs(own) + '</p><div class="moz-forward-container"><br><br>'
                 f"{esc(title)}\r\n<table class=\"moz-email-headers-table\" border=\"0\" "
                 'cellpadding="0" cellspacing="0"><tbody>'
                 + "".join(f'<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">{esc(k)}: '
                           f"</th><td>{esc(v)}</td></tr>" for k, v in rows)
                 + "</tbody></table>\r\n<br>\r\n" + original_html("pre") + "</div>")
        body = alt(leaf("\n".join(flowed(text)) + "\n", cte="8bit", format="flowed"),
                   leaf("<!DOCTYPE html>\r\n" + page(html_) + "\n", "html", cte="8bit"),
                   preamble="This is a multi-part message in MIME format.")
        return out(m, body, [agent_ua, ("Content-Language", m.lang)], prefix="Fwd:",
                   boundary="------------{h}",
                   layout="alternative; inline forward, moz-email-headers-table, original "
                          "unquoted")
    attr = TB[m.lang].format(name=SENDER)
    text = m.arrange(own, [attr], quoted(ORIGINAL))
    cite = (f'<div class="moz-cite-prefix">{esc(attr)}<br></div>\r\n<blockquote type="cite" '
            f'cite="mid:{NOTIFICATION_ID[1:-1]}">' + original_html("pre") + "</blockquote>")
    mine = "<p>" + brs(m.w) + "</p>" if m.w else ""
    if m.sig:
        mine += '<div class="moz-signature">-- <br>' + brs(m.sig) + "</div>"
    if m.pos == "bottom":
        html_ = cite + "\r\n" + (mine or "<br>")
    elif m.pos == "inline":
        pre = '<blockquote type="cite"><pre class="moz-quote-pre" wrap="">'
        html_ = (f'<div class="moz-cite-prefix">{esc(attr)}<br></div>\r\n{pre}'
                 + "\r\n".join(esc(x) for x in ORIGINAL[:4]) + "</pre></blockquote>\r\n" + mine
                 + f"\r\n{pre}" + "\r\n".join(esc(x) for x in ORIGINAL[4:])
                 + "</pre></blockquote>")
    else:
        html_ = (mine or "<p><br></p>") + "\r\n" + cite
    where = {"top": "top", "bottom": "bottom-posted", "inline": "inline"}[m.pos]
    if m.opts.get("plain"):
        body = leaf("\n".join(flowed(text)) + "\n", cte="8bit", format="flowed")
        layout = f"text only, format=flowed; {where}; moz attribution then '>' quote"
    else:
        body = alt(leaf("\n".join(flowed(text)) + "\n", cte="8bit", format="flowed"),
                   leaf("<!DOCTYPE html>\r\n" + page(html_) + "\n", "html", cte="8bit"),
                   preamble="This is a multi-part message in MIME format.")
        layout = f"alternative; {where}; moz-cite-prefix and cite blockquote"
    return out(m, body, [agent_ua, ("Content-Language", m.lang)], boundary="------------{h}",
               layout=layout)


def canary(m: M) -> tuple[bytes, str]:
    attr = f"Le 3 mars 2025 à 09:53:17, {WHO} a écrit :"
    own = m.own(delimiter="")
    text = m.arrange(own, [attr, ""], quoted(ORIGINAL), gap=2)
    html_ = ('<div dir="auto">' + divs(own) + '</div><br><div class="canary-quote">'
             f"<div>{esc(attr)}</div><blockquote type=\"cite\" style=\"margin:0 0 0 .8ex;"
             'border-left:1px #ccc solid;padding-left:1ex">' + original_html("div")
             + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Canary Mail (4.62)")], boundary="Canary-{h}",
               layout="alternative; top; attribution with seconds, cite blockquote")


def edison(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="", footer=["Envoyé avec Edison Mail"])
    attr = f"Le 3 mars 2025 à 09:53, {SENDER} &lt;{ADDRESS}&gt; a écrit :"
    html_ = ('<div id="edo-message"><div>' + divs(own) + '</div></div><div id="edo-original">'
             '<div><br><br><blockquote type="cite" style="margin:1ex 0 0 0;border-left:1px #ccc '
             f'solid;padding-left:0.5ex;"><div>{attr}</div><br><div><div>'
             + original_html("div") + "</div></div></blockquote></div></div>")
    body = leaf(page(html_) + "\n", "html")
    return out(m, body, [("X-Mailer", "Edison Mail (iOS 1.56.0)")],
               layout="HTML only; top; edo-original, attribution inside the blockquote")


def nine(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="", footer=["Envoyé depuis Nine"])
    agent = f"{m.agent} <{m.address}>"
    html_ = (divs(own) + "<hr>" f"<b>De:</b> {esc(WHO)}<br><b>Envoyé:</b> lundi 3 mars 2025 09:53"
             f"<br><b>À:</b> {esc(agent)}<br><b>Objet:</b> {esc(SUBJECT)}<br><br>"
             + original_html("br"))
    body = leaf(page(html_) + "\n", "html")
    return out(m, body, [("X-Mailer", "Nine for Android (5.1.3)")], prefix="RE:",
               layout="HTML only; top; <hr> then bold header block, original not in a blockquote")


def newton(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="", footer=["Sent with Newton Mail"])
    attr = f"On Mon, Mar 03, 2025 at 9:53 AM, {SENDER} <{ADDRESS}> wrote:"
    text = m.arrange(own, [attr], quoted(ORIGINAL))
    html_ = (divs(own) + f'<br><div class="cm_quote" style=" color: #787878">{esc(attr)}<br>'
             '</div><br><div id="oldcontent" style="background: rgb(255, 255, 255);"><blockquote '
             'style="">' + original_html("div") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Newton Mail (11.3.4)")], boundary="--=_CM_{h}",
               layout="alternative; top; cm_quote and oldcontent")


def polymail(m: M) -> tuple[bytes, str]:
    own = m.own()
    attr = f"On Mon, Mar 3, 2025 at 9:53 AM {SENDER} <{ADDRESS}> wrote:"
    text = m.arrange(own, wrap(attr), quoted(ORIGINAL), gap=2)
    html_ = ("<div>" + divs(own) + '</div><br><div class="polymail-quote"><div>'
             f"{esc(attr)}</div><blockquote class=\"polymail-quote\" style=\"margin: 0 0 0 .8ex; "
             'border-left: 1px #ccc solid; padding-left: 1ex;">' + original_html("br")
             + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Polymail")], boundary="_Polymail_{h}",
               layout="alternative; top; polymail-quote")


def front(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="")
    attr = f"Le lun. 3 mars 2025 à 09:53, {SENDER} <{ADDRESS}> a écrit :"
    text = m.arrange(own, [attr], quoted(ORIGINAL))
    html_ = ('<div class="front-content">' + divs(own) + '</div><br><div class="front-'
             f'blockquote-intro">{esc(attr)}</div><blockquote class="front-blockquote" '
             'style="border-left: 1px solid #d9d9d9; padding-left: 10px; margin: 0;">'
             + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Front (1.0; +https://frontapp.com)")],
               boundary="=-{h}", layout="alternative; top; front-blockquote")


def superhuman(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="")
    attr = f"On Mon, Mar 03, 2025 at 9:53 AM, {SENDER} <{ADDRESS}> wrote:"
    footer = "Sent via Superhuman iOS" if m.number % 2 else "Sent via Superhuman"
    own_f = [*own, "", footer] if own else [footer]
    text = m.arrange(own_f, [attr, ""], quoted(ORIGINAL))
    html_ = ('<div><div style="display: none; border: 0px; width: 0px; height: 0px; overflow: '
             'hidden; visibility: hidden;"><img src="https://r.superhuman.com/x.gif" alt=" " '
             'width="1" height="1"></div>' + divs(own) + '<br><div class="gmail_signature">'
             f'<div>{esc(footer)}</div></div><br><div class="gmail_quote sh-quoted-content">'
             f'<div class="gmail_attr">{esc(attr)}</div><blockquote class="gmail_quote" '
             'style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
             + original_html("br") + "</blockquote></div></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Superhuman Web (2025-02-27T18:04:11Z)")],
               boundary="-----{h}", layout="alternative; top; sh-quoted-content, tracking pixel")


PROTON = {
    "fr": ("Envoyé avec la messagerie sécurisée Proton Mail.", "------- Message d'origine -------",
           f"Le lundi 3 mars 2025 à 09:53, {WHO} a écrit :"),
    "en": ("Sent with Proton Mail secure email.", "------- Original Message -------",
           f"On Monday, March 3rd, 2025 at 9:53 AM, {WHO} wrote:"),
    "es": ("Enviado con el correo electrónico seguro de Proton Mail.", "",
           f"El lunes, 3 de marzo de 2025 a las 9:53, {WHO} escribió:"),
}


def proton(m: M) -> tuple[bytes, str]:
    footer, rule, attr = PROTON[m.lang]
    own = m.own(footer=[footer])
    above = ([rule] if rule else []) + [attr, ""]
    text = m.arrange(own, above, quoted(ORIGINAL))
    html_ = ('<div style="font-family: Arial, sans-serif; font-size: 14px;">' + divs(m.w)
             + '</div><div class="protonmail_signature_block" style="font-family: Arial, '
             'sans-serif; font-size: 14px;"><div class="protonmail_signature_block-user">'
             + divs(m.sig) + '</div><div class="protonmail_signature_block-proton">'
             + esc(footer) + '</div></div><div class="protonmail_quote">'
             + (esc(rule) + "<br>" if rule else "") + esc(attr) + '<br><br><blockquote '
             'class="protonmail_quote" type="cite">' + original_html("div")
             + "</blockquote><br></div>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [], boundary="b1=_{h}",
               layout="alternative; top; protonmail_quote"
                      + (f"; '{rule.strip('- ')}' rule" if rule else ""))


ROUNDCUBE = {
    "de": "Am 03.03.2025 09:53, schrieb {name}:",
    "es": "El 2025-03-03 09:53, {name} escribió:",
    "sv": "Den 2025-03-03 09:53, skrev {name}:",
}


def roundcube(m: M) -> tuple[bytes, str]:
    attr = ROUNDCUBE[m.lang].format(name=SENDER)
    own = m.own("-- ")
    text = m.arrange(own, [attr], quoted(ORIGINAL))
    ua = ("User-Agent", "Posteo Webmail" if m.client == "posteo" else "Roundcube Webmail/1.6.9")
    where = {"top": "top", "bottom": "bottom-posted", "inline": "inline"}[m.pos]
    if m.opts.get("plain"):
        body = leaf("\n".join(text) + "\n", cte="8bit" if m.client == "posteo" else
                    "quoted-printable", format="flowed")
        return out(m, body, [ua], boundary="=_{h}",
                   layout=f"text only; {where}; Roundcube attribution then '>' quote")
    cite = (f'<p id="reply-intro">{esc(attr)}</p>\r\n<blockquote type="cite" style="padding: 0 '
            '0.4em; border-left: #1010ff 2px solid; margin: 0"><!-- html ignored --><!-- head '
            'ignored --><!-- meta ignored -->\r\n<div class="pre" style="margin: 0; padding: 0; '
            'font-family: monospace">' + brs(ORIGINAL) + "</div>\r\n</blockquote>")
    mine = "<p>" + brs(m.w) + "</p>" if m.w else ""
    if m.sig:
        mine += '<div id="signature">-- <br>' + brs(m.sig) + "</div>"
    html_ = (cite + mine) if m.pos == "bottom" else (mine + "\r\n" + cite)
    body = alt(leaf("\n".join(text) + "\n", format="flowed"),
               leaf(page(html_, body_attrs=' style="font-size: 10pt; font-family: Verdana,'
                         'Geneva,sans-serif"') + "\n", "html"))
    return out(m, body, [ua], boundary="=_{h}",
               layout=f"alternative; {where}; reply-intro and cite blockquote")


UNITED = {
    # GMX platform brands: Sent, From, To, Subject and their date
    "mail_com": ("Sent", "From", "To", "Subject", "Monday, March 03, 2025 at 9:53 AM"),
    "web_de": ("Gesendet", "Von", "An", "Betreff", "Montag, 03. März 2025 um 09:53 Uhr"),
}


def united(m: M) -> tuple[bytes, str]:
    sent, frm, to, subj, date = UNITED[m.client]
    agent = f"{m.agent} <{m.address}>"
    block = [f"{sent}: {date}", f'{frm}: "{SENDER}" <{ADDRESS}>', f"{to}: {agent}",
             f"{subj}: {SUBJECT}"]
    text = [*m.own(), "", "", *block, "", *ORIGINAL]
    html_ = ('<div style="font-family: Verdana;font-size: 12.0px;"><div>' + divs(m.own())
             + '</div><div>&nbsp;\r\n<div>&nbsp;\r\n<div name="quote" style="margin:10px 5px 5px '
             '10px; padding: 10px 0 10px 10px; border-left:2px solid #C3D9E5; word-wrap: '
             'break-word; -webkit-nbsp-mode: space; -webkit-line-break: after-white-space;">\r\n'
             f'<div style="margin:0 0 10px 0;"><b>{sent}:</b>&nbsp;{esc(date)}<br/>\r\n'
             f"<b>{frm}:</b>&nbsp;&quot;{SENDER}&quot; &lt;{ADDRESS}&gt;<br/>\r\n"
             f"<b>{to}:</b>&nbsp;{esc(agent)}<br/>\r\n<b>{subj}:</b>&nbsp;{esc(SUBJECT)}</div>"
             '\r\n<div name="quoted-content">' + original_html("div") + "</div></div></div>"
             "</div></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    ua = "Mail.com Mail" if m.client == "mail_com" else "WEB.DE Mail"
    return out(m, body, [("X-UI-Message-Type", "mail"), ("User-Agent", ua)],
               prefix="Aw:" if m.client == "web_de" else "Re:", boundary="=_{h}",
               layout="alternative; top; header block opened by 'Sent'/'Gesendet', original "
                      "unquoted in the text part")


def naver(m: M) -> tuple[bytes, str]:
    agent = f'"{m.agent}"<{m.address}>'
    block = ["-----Original Message-----", f'From: "{SENDER}"<{ADDRESS}>', f"To: {agent};",
             "Cc: ", "Sent: 2025-03-03 (월) 09:53:17 (GMT+01:00)", f"Subject: {SUBJECT}"]
    text = [*m.own(), "", *block, "", *ORIGINAL]
    html_ = ('<div style="font-family:나눔고딕,NanumGothic,sans-serif;font-size:10pt;">'
             + divs(m.own(), "p") + '<p>&nbsp;</p><blockquote style="margin: 0px 0px 0px '
             '0.8ex; border-left: 1px solid rgb(204, 204, 204); padding-left: 1ex;">'
             + "<br>".join(esc(x) for x in block) + "<br><br>" + original_html("p")
             + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [("X-Naver-Sendertype", "Y2FsbGVy"), ("X-Mailer", "Naver Mail")],
               prefix="RE:", boundary="----=_Part_{h}",
               layout="alternative; top; '-----Original Message-----' block with Korean "
                      "weekday, blockquote in HTML")


def daum(m: M) -> tuple[bytes, str]:
    block = ["------ 원본 메시지 ------", f"보낸사람 : {SENDER} <{ADDRESS}>",
             f"받는사람 : {m.agent} <{m.address}>",
             "날짜 : 2025년 3월 3일 월요일, 09시 53분 17초 +0100",
             f"제목 : {SUBJECT}"]
    text = [*m.own(), "", "", *block, "", *quoted(ORIGINAL)]
    html_ = (divs(m.own()) + '<br><br><div class="daum_quote">' + "<br>".join(esc(x) for x in block)
             + '<br><br><blockquote style="margin:0 0 0 .8ex;border-left:2px solid #ccc;'
             'padding-left:1ex">' + original_html("div") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [("X-Mailer", "Daum Web Mailer v1.1")], prefix="Re:",
               layout="alternative; top; '------ 원본 메시지 ------' block, time as "
                      "'09시 53분', quoted '>'")


def qq(m: M) -> tuple[bytes, str]:
    agent = f'"{m.agent}"<{m.address}>;'
    block = ["------------------ 原始邮件 ------------------", f'发件人: "{SENDER}"<{ADDRESS}>;',
             "发送时间: 2025年3月3日(星期一) 上午9:53", f"收件人: {agent}", "",
             f"主题: {SUBJECT}", ""]
    text = [*m.own(), "", "", *block, "", *ORIGINAL]
    html_ = ("<div>" + divs(m.own()) + '</div><div>&nbsp;</div><div style="font-size: 12px;'
             'font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件'
             '&nbsp;------------------</div><div style="font-size: 12px;background:#efefef;'
             f'padding:8px;"><div><b>发件人:</b>&nbsp;"{SENDER}"&lt;{ADDRESS}&gt;;</div><div>'
             "<b>发送时间:</b>&nbsp;2025年3月3日(星期一) 上午9:53</div><div><b>收件人:</b>&nbsp;"
             f"{esc(agent)}</div><div></div><div><b>主题:</b>&nbsp;{esc(SUBJECT)}</div></div>"
             "<div>&nbsp;</div>" + original_html("div"))
    body = alt(leaf("\n".join(text) + "\n", charset="gb18030", cte="base64"),
               leaf(page(html_) + "\n", "html", charset="gb18030", cte="base64"))
    return out(m, body, [("X-Mailer", "QQMail 2.x"), ("X-QQ-Mailer", "QQMail 2.x")],
               prefix="回复：", boundary="----=_NextPart_{h}",
               layout="alternative; top; '原始邮件' rule and grey header box, "
                      "original unquoted")


def netease(m: M) -> tuple[bytes, str]:
    attr = f'在 2025-03-03 09:53:17，"{SENDER}" <{ADDRESS}> 写道：'
    mobile = m.number % 2 == 1
    own = m.own(footer=["发自网易邮箱大师"] if mobile else None)
    text = [*own, "", "", "", "", attr, *quoted(ORIGINAL, ">")]
    html_ = ('<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial">'
             + divs(own) + '<br><br><div style="position:relative;zoom:1"></div><div id='
             f'"divNeteaseMailCard"></div><br>{esc(attr)}<br> <blockquote id="isReplyContent" '
             'style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">'
             + original_html("br") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n", charset="GBK", cte="base64"),
               leaf(page(html_) + "\n", "html", charset="GBK", cte="base64"))
    return out(m, body, [("X-Mailer", "Coremail Webmail Server Version XT5.0.14 build 20240801"
                          "(9da12a7b)")], prefix="Re:", boundary="----=_Part_{h}",
               layout="alternative; top; '写道：' attribution, isReplyContent, '>' "
                      "without space" + ("; mobile footer" if mobile else ""))


def foxmail(m: M) -> tuple[bytes, str]:
    block = [f"发件人： {SENDER}", "发送时间： 2025-03-03 09:53", f"收件人： {m.agent}",
             f"主题： {SUBJECT}"]
    own = m.own(delimiter="", footer=[m.address])
    text = [*own, " ", *block, *ORIGINAL]
    html_ = ("<div>" + divs(own) + '</div><blockquote style="margin-Top: 0px; margin-Bottom: 0px; '
             'margin-Left: 0.5em; margin-Right: inherit"><div>&nbsp;</div><div style="border:none;'
             'border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><div style="PADDING-RIGHT: '
             '8px; PADDING-LEFT: 8px; FONT-SIZE: 12px;FONT-FAMILY:tahoma;COLOR:#000000; BACKGROUND:'
             ' #efefef; PADDING-BOTTOM: 8px; PADDING-TOP: 8px">'
             + "".join(f"<div><b>{esc(x.split('： ')[0])}：</b>&nbsp;{esc(x.split('： ', 1)[1])}"
                       "</div>" for x in block)
             + "</div></div><div>" + original_html("div") + "</div></blockquote>")
    body = alt(leaf("\n".join(text) + "\n", charset="gb18030", cte="base64"),
               leaf(page(html_) + "\n", "html", charset="gb18030", cte="quoted-printable"))
    return out(m, body, [("X-Mailer", "Foxmail 7.2.25.228[cn]")], prefix="回复:",
               boundary="----=_001_NextPart{h}",
               layout="alternative; top; address as signature, grey '发件人：' box, original "
                      "unquoted")


def alimail(m: M) -> tuple[bytes, str]:
    block = ["-" * 66, f"发件人：{WHO}", "发送时间：2025年3月3日(星期一) 09:53",
             f"收件人：{m.agent} <{m.address}>", f"主　题：{SUBJECT}", ""]
    text = [*m.own(), *block, *ORIGINAL]
    html_ = ('<div class="__aliyun_email_body_block">' + divs(m.own())
             + '</div><blockquote style="margin-right:0;margin-top:0;margin-bottom:0;"><div '
             'style="clear:both;">' + "<br>".join(esc(x) for x in block)
             + "</div>" + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [("X-Mailer", "Alimail-Mailagent revision 6")], prefix="回复：",
               boundary="----=ALIBOUNDARY_{h}",
               layout="alternative; top; dashed rule and '发件人：' block, original "
                      "unquoted in text")


def ukr_net(m: M) -> tuple[bytes, str]:
    block = ["--- Оригінальне повідомлення ---", f'Від кого: "{SENDER}" <{ADDRESS}>',
             "Дата: 3 березня 2025, 09:53:17", ""]
    text = [*m.own(), "", "", *block, *quoted(ORIGINAL)]
    body = leaf("\n".join(text) + "\n", cte="8bit")
    return out(m, body, [("X-Mailer", "FREEMAIL (ukr.net)")], prefix="Re:",
               layout="text only; top; '--- Оригінальне повідомлення ---' with 'Від кого:' "
                      "and date, then '>' quote")


def abv(m: M) -> tuple[bytes, str]:
    block = [" -------- Оригинално писмо --------", f" От: {SENDER} {ADDRESS}",
             f" Относно: {SUBJECT}", f" До: {m.agent} {m.address}",
             " Изпратено на: Понеделник, 2025, Март 3 09:53:17 CET", ""]
    text = [*m.own(), "", *block, *ORIGINAL]
    html_ = (divs(m.own()) + "<br><br>" + "<br>".join(esc(x) for x in block)
             + '<blockquote style="border-left:1px solid #ccc;padding-left:5px">'
             + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "AbvMail 3.0")], prefix="Re:",
               layout="alternative; top; ' -------- Оригинално писмо --------' block indented by "
                      "a space, original unquoted in text")


def onet(m: M) -> tuple[bytes, str]:
    attr = f"Dnia 3 marca 2025 09:53 {SENDER} <{ADDRESS}> napisał(a):"
    text = m.arrange(m.own(), [attr, ""], quoted(ORIGINAL), gap=2)
    body = leaf("\n".join(text) + "\n", charset="iso-8859-2")
    return out(m, body, [("User-Agent", "Poczta Onet")], prefix="Odp:",
               layout="text only; top; 'Dnia … "
                      "napisał(a):'")


def virgilio(m: M) -> tuple[bytes, str]:
    if m.number % 2:
        above = ["----Messaggio originale----", f"Da: {ADDRESS}", "Data: 3-mar-2025 9.53",
                 f"A: <{m.address}>", f"Ogg: {SUBJECT}", ""]
        text = [*m.own(), "", "", *above, *ORIGINAL]
        layout = "text only; top; '----Messaggio originale----' block, 'Ogg:', original unquoted"
    else:
        above = [f"Il 03/03/2025 09:53 {SENDER} <{ADDRESS}> ha scritto:", ""]
        text = m.arrange(m.own(), above, quoted(ORIGINAL))
        layout = "text only; top; 'Il … ha scritto:'"
    body = leaf("\n".join(text) + "\n", charset="iso-8859-1")
    return out(m, body, [("X-Mailer", "Virgilio Mail")], prefix="R:", layout=layout)


def uol(m: M) -> tuple[bytes, str]:
    agent = f'"{m.agent}" <{m.address}>'
    block = ["----- Mensagem original -----", f'De: "{SENDER}" <{ADDRESS}>', f"Para: {agent}",
             "Enviadas: Segunda-feira, 3 de março de 2025 9:53:17", f"Assunto: {SUBJECT}", ""]
    text = [*m.own(), "", *block, *quoted(ORIGINAL)]
    html_ = ('<div style="font-family: arial, helvetica, sans-serif; font-size: 12pt;">'
             + divs(m.own()) + '<br><hr id="zwchr"><div style="color:#000;font-weight:normal;">'
             + "<br>".join(f"<b>{esc(x.split(': ')[0])}: </b>{esc(x.split(': ', 1)[1])}"
                           for x in block[1:5])
             + '<br></div><br><blockquote style="border-left:2px solid #1010FF;margin-left:5px;'
             'padding-left:5px;">' + original_html("div") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n", charset="iso-8859-1"),
               leaf(page(html_) + "\n", "html", charset="iso-8859-1"))
    return out(m, body, [("X-Mailer", "UOL Mail")], prefix="Re:",
               layout="alternative; top; Portuguese Zimbra block, '>' quote")


def t_online(m: M) -> tuple[bytes, str]:
    block = ["-----Original-Nachricht-----", f"Betreff: {SUBJECT}",
             "Datum: 2025-03-03T09:53:17+0100",
             f'Von: "{SENDER}" <{ADDRESS}>', f'An: "{m.agent}" <{m.address}>', "", ""]
    text = [*m.own(), "", *block, *ORIGINAL]
    html_ = ("<div>" + divs(m.own()) + '</div><br><div style="border-top:1px solid #ccc">'
             + "<br>".join(esc(x) for x in block if x) + "<br><br></div><div>"
             + original_html("div") + "</div>")
    body = alt(leaf("\n".join(text) + "\n", charset="iso-8859-15"),
               leaf(page(html_) + "\n", "html", charset="iso-8859-15"))
    return out(m, body, [("X-Mailer", "Telekom Mail Center")], prefix="AW:",
               layout="alternative; top; '-----Original-Nachricht-----' with ISO "
                      "date, subject first, original unquoted")


ZIMBRA = {
    "fr": ("----- Mail original -----", "De", "À", "Envoyé", "Lundi 3 Mars 2025 09:53:17",
           "Objet"),
    "es": ("----- Mensaje original -----", "De", "Para", "Enviados",
           "lunes, 3 de marzo de 2025 9:53:17", "Asunto"),
}


def zimbra(m: M) -> tuple[bytes, str]:
    rule, frm, to, sent, date, subj = ZIMBRA[m.lang]
    agent = f'"{m.agent}" <{m.address}>'
    rows = [(frm, f'"{SENDER}" <{ADDRESS}>'), (to, agent), (sent, date), (subj, SUBJECT)]
    prefixed = m.number % 2 == 0
    text = [*m.own(), "", rule, *[f"{k}: {v}" for k, v in rows], "",
            *(quoted(ORIGINAL) if prefixed else ORIGINAL)]
    style = ("border-left:2px solid #1010FF;margin-left:5px;padding-left:5px;color:#000;"
             "font-weight:normal;font-style:normal;text-decoration:none;font-family:Helvetica,"
             "Arial,sans-serif;font-size:12pt;")
    html_ = ('<div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: '
             '#000000">' + divs(m.own()) + '<br><hr id="zwchr" data-marker="__DIVIDER__"><div '
             f'data-marker="__HEADERS__"><blockquote style="{style}">'
             + "".join(f"<b>{esc(k)}: </b>{esc(v)}<br>" for k, v in rows)
             + f'</blockquote></div><div data-marker="__QUOTED_TEXT__"><blockquote style="{style}">'
             + original_html("div") + "</blockquote></div></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Zimbra 10.0.8_GA_4620 (ZimbraWebClient - FF135 "
                          "(Linux)/10.0.8_GA_4620)"), ("Thread-Topic", SUBJECT)],
               prefix="RE:" if m.lang == "es" else "Re:", boundary="=_{h}",
               layout=f"alternative; top; '{rule.strip('- ')}' block, original "
                      + ("'>' quoted" if prefixed else "unquoted") + " in text")


def horde(m: M) -> tuple[bytes, str]:
    attr = {"fr": f"Citation {WHO}:", "de": f"Zitat von {WHO}:"}[m.lang]
    text = m.arrange(m.own("-- "), [attr, ""], quoted(ORIGINAL), gap=2)
    ua = ("User-Agent", "Horde Application Framework 5")
    where = {"top": "top", "bottom": "bottom-posted", "inline": "inline"}[m.pos]
    if m.opts.get("html"):
        cite = (f"<p>{esc(attr)}</p><blockquote type=\"cite\" style=\"border-left:2px solid "
                'blue;margin-left:2px;padding-left:12px;">' + original_html("br")
                + "</blockquote>")
        mine = "<p>" + brs(m.own("-- ")) + "</p>"
        html_ = cite + mine if m.pos == "bottom" else mine + cite
        body = alt(leaf("\n".join(text) + "\n", charset="utf-8", format="flowed", DelSp="Yes"),
                   leaf(page(html_) + "\n", "html"))
        return out(m, body, [ua], boundary="=_{h}",
                   layout=f"alternative; {where}; 'Citation'/'Zitat von' and cite blockquote")
    body = leaf("\n".join(text) + "\n", charset="iso-8859-15", format="flowed", DelSp="Yes")
    return out(m, body, [ua], boundary="=_{h}",
               layout=f"text only; {where}; '{attr.split()[0]}' attribution")


def squirrelmail(m: M) -> tuple[bytes, str]:
    attr = {"en": f"On Mon, March 3, 2025 9:53 am, {SENDER} wrote:",
            "fr": f"{SENDER} a dit :"}[m.lang]
    text = m.arrange(m.own("-- "), [attr], quoted(ORIGINAL))
    body = leaf("\n".join(text) + "\n", charset="iso-8859-1", cte="8bit")
    where = {"top": "top", "bottom": "bottom-posted", "inline": "inline"}[m.pos]
    return out(m, body, [("User-Agent", "SquirrelMail/1.4.23 [SVN]")],
               layout=f"text only; {where}; SquirrelMail citation")


def geary(m: M) -> tuple[bytes, str]:
    attr = f"Le lun. 3 mars 2025 à 9:53, {SENDER} <{ADDRESS}> a écrit :"
    text = m.arrange(m.own("-- "), [attr], quoted(ORIGINAL))
    html_ = ("<div>" + divs(m.own("-- ")) + '</div><div><br></div><div class="geary-quote">'
             f"{esc(attr)}<br><blockquote type=\"cite\">" + original_html("br")
             + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n", format="flowed"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Geary/46.0")], boundary="=-{h}",
               layout="alternative; top; geary-quote")


def text_client(m: M, attr: list[str], ua: tuple[str, str], prefix: str = "> ",
                charset: str = "utf-8", cte: str = "8bit", note: str = "",
                quote: list[str] | None = None, gap: int = 1, subject: str = "Re:") -> tuple[
                    bytes, str]:
    text = m.arrange(m.own("-- "), attr, quote if quote is not None else quoted(ORIGINAL, prefix),
                     gap=gap)
    body = leaf("\n".join(text) + "\n", charset=charset, cte=cte)
    where = {"top": "top", "bottom": "bottom-posted", "inline": "inline"}[m.pos]
    return out(m, body, [ua], prefix=subject,
               layout=f"text only; {where}; {note}")


def balsa(m: M) -> tuple[bytes, str]:
    return text_client(m, [f"On 03/03/2025 09:53:17 AM, {SENDER} wrote:"],
                       ("X-Mailer", "Balsa 2.6.4"), note="Balsa attribution with seconds")


def trojita(m: M) -> tuple[bytes, str]:
    return text_client(m, [f"On Monday, 3 March 2025 09:53:17 CET, {SENDER} wrote:"],
                       ("User-Agent", "Trojita/0.7; Qt/5.15.13; xcb; Linux; "),
                       cte="quoted-printable", note="Trojitá attribution")


def aerc(m: M) -> tuple[bytes, str]:
    return text_client(m, [f"On Mon Mar 3, 2025 at 9:53 AM CET, {SENDER} wrote:"],
                       ("User-Agent", "aerc 0.18.2"), note="aerc attribution")


def neomutt(m: M) -> tuple[bytes, str]:
    attr = (f"* {SENDER} <{ADDRESS}> [250303 09:53]:" if m.number % 2 else
            f"* {SENDER} <{ADDRESS}> [2025-03-03 09:53 +0100]:")
    return text_client(m, [attr], ("User-Agent", "NeoMutt/20231103"),
                       note="custom '* name <address> [date]:' attribution")


def notmuch(m: M) -> tuple[bytes, str]:
    trimmed = m.opts.get("trim")
    quote = quoted(ORIGINAL[:2]) if trimmed else quoted(ORIGINAL)
    return text_client(m, [f"{WHO} writes:", ""],
                       ("User-Agent", "Notmuch/0.38.3 (https://notmuchmail.org) Emacs/29.4 "
                                      "(x86_64-pc-linux-gnu)"),
                       quote=quote, note="'writes:' attribution"
                       + ("; quote trimmed to its first two lines" if trimmed else ""))


def wanderlust(m: M) -> tuple[bytes, str]:
    return text_client(m, ["At Mon, 03 Mar 2025 09:53:17 +0100,", f"{SENDER} wrote:"],
                       ("User-Agent", "Wanderlust/2.15.9 (Almost Unreal) Emacs/29.4 Mule/6.0"),
                       cte="quoted-printable", note="two-line 'At …,' attribution")


def mew(m: M) -> tuple[bytes, str]:
    head = [f"From: {WHO}", f"Subject: {SUBJECT}", f"Date: {NOTIFICATION_DATE}", ""]
    return text_client(m, head, ("X-Mailer", "Mew version 6.9 on Emacs 29.4"),
                       note="Mew cite: the original's From/Subject/Date lines, unprefixed, "
                            "above the '>' quote")


def becky(m: M) -> tuple[bytes, str]:
    return text_client(m, [f"On {NOTIFICATION_DATE}", f"{WHO} wrote:", ""],
                       ("X-Mailer", "Becky! ver. 2.81.04 [ja]"), charset="utf-8", cte="base64",
                       note="two-line 'On date' / 'wrote:' attribution, base64")


def eudora(m: M) -> tuple[bytes, str]:
    attr = ("At 09:53 03/03/2025, you wrote:" if m.number % 2 else
            f"At 09:53 AM 3/3/2025, {SENDER} wrote:")
    return text_client(m, [attr], ("X-Mailer", "QUALCOMM Windows Eudora Version 7.1.0.9"),
                       prefix=">", charset="iso-8859-1", cte="quoted-printable",
                       note="Eudora 'At time date, … wrote:', '>' without space")


def blackberry(m: M) -> tuple[bytes, str]:
    if m.lang == "en":
        footer = ["Sent from my BlackBerry® smartphone"]
        block = ["-----Original Message-----", f'From: "{SENDER}" <{ADDRESS}>',
                 "Date: Mon, 3 Mar 2025 09:53:17 ", f"To: <{m.address}>",
                 f"Reply-To: {ADDRESS}", f"Subject: {SUBJECT}", ""]
        text = [*m.own(footer=footer), "", *block, *ORIGINAL]
        body = leaf("\n".join(text) + "\n", charset="Windows-1252", cte="base64")
        return out(m, body, [("X-Mailer", "BlackBerry Email (7.1.0.342)")], prefix="Re:",
                   layout="text only; top; BlackBerry OS footer and '-----Original "
                          "Message-----' with Reply-To, original unquoted")
    footer = ["Envoyé de mon smartphone BlackBerry 10."]
    rows = [("De", SENDER), ("Envoyé", "lundi 3 mars 2025 09:53"), ("À", m.agent),
            ("Répondre à", ADDRESS), ("Objet", SUBJECT)]
    text = [*m.own(footer=footer), "  Message d'origine  ", *[f"{k}: {v}" for k, v in rows], "",
            *ORIGINAL]
    div = ('<div style="width: 100%; font-size: initial; font-family: Calibri, \'Slate Pro\', '
           "sans-serif, sans-serif; color: rgb(31, 73, 125); text-align: initial; "
           'background-color: rgb(255, 255, 255);">')
    html_ = (div + "".join(f"{esc(x) or '<br>'}</div>{div}" for x in m.own(footer=footer))
             + '</div><table width="100%" style="background-color:white;border-spacing:0px;">'
             '<tbody><tr><td colspan="2" style="font-size: initial; text-align: initial; '
             'background-color: rgb(255, 255, 255);"><div style="border-style: solid none none; '
             "border-top-color: rgb(181, 196, 223); border-top-width: 1pt; padding: 3pt 0in 0in; "
             "font-family: Tahoma, 'BB Alpha Sans', 'Slate Pro'; font-size: 10pt;\">"
             + "".join(f"<div><b>{esc(k)}: </b>{esc(v)}</div>" for k, v in rows)
             + '</div></td></tr></tbody></table><div style="border-style: solid none none; '
             'border-top-color: rgb(186, 188, 209); border-top-width: 1pt; font-size: initial; '
             'text-align: initial; background-color: rgb(255, 255, 255);"></div><br><div id='
             '"_originalContent" style="">' + original_html("div") + "</div>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_, body_attrs=' style="background-color: white;" lang="fr-FR"')
                    + "\n", "html", cte="base64"))
    return out(m, body, [], prefix="Re:", boundary="--=_BlackBerry_{h}",
               layout="alternative; top; BlackBerry 10 footer, '  Message d'origine  ' "
                      "and header table, original unquoted")


OUTLOOK_MAC = {
    "fr": ("De", "Date", "À", "Objet", "lundi 3 mars 2025 09:53", "Re :"),
    "en": ("From", "Date", "To", "Subject", "Monday, 3 March 2025 at 09:53", "Re:"),
    "es": ("De", "Fecha", "Para", "Asunto", "lunes, 3 de marzo de 2025, 9:53", "Re:"),
}


def outlook_mac(m: M) -> tuple[bytes, str]:
    frm, date_, to, subj, date, prefix = OUTLOOK_MAC[m.lang]
    agent = f"{m.agent} <{m.address}>"
    sep = " : " if m.lang == "fr" else ": "
    block = [f"{frm}{sep}{WHO}", f"{date_}{sep}{date}", f"{to}{sep}{agent}",
             f"{subj}{sep}{SUBJECT}"]
    text = [*m.own(), "", *block, "", *ORIGINAL]
    html_ = ('<div style="font-family: Calibri, sans-serif; font-size: 11pt;">' + divs(m.own())
             + '</div><div><br></div><span id="OLK_SRC_BODY_SECTION"><div style="font-family:'
             "Calibri; font-size:11pt; text-align:left; color:black; BORDER-BOTTOM: medium none; "
             "BORDER-LEFT: medium none; PADDING-BOTTOM: 0in; PADDING-LEFT: 0in; PADDING-RIGHT: "
             '0in; BORDER-TOP: #b5c4df 1pt solid; BORDER-RIGHT: medium none; PADDING-TOP: 3pt">'
             + "".join(f'<span style="font-weight:bold">{esc(x.split(sep)[0])}{sep}</span>'
                       f"{esc(x.split(sep, 1)[1])}<br>" for x in block)
             + '</div><div><br></div><blockquote id="MAC_OUTLOOK_ATTRIBUTION_BLOCKQUOTE" style='
             '"BORDER-LEFT: #b5c4df 5 solid; PADDING:0 0 0 5; MARGIN: 0 0 0 5;"><div>'
             + original_html("div") + "</div></blockquote></span>")
    body = alt(leaf("\n".join(text) + "\n", charset="iso-8859-1"),
               leaf(page(html_) + "\n", "html", charset="iso-8859-1"))
    return out(m, body, [("User-Agent", "Microsoft-MacOutlook/14.7.7.170905"),
                         ("Thread-Topic", SUBJECT)], prefix=prefix,
               boundary="B_3824010734_{h}",
               layout="alternative; top; OLK_SRC_BODY_SECTION header block, "
                      "original unquoted in text")


WINDOWS_MAIL = {
    "fr": ("Envoyé à partir de Courrier pour Windows", "De : ", "Envoyé le :",
           "lundi 3 mars 2025 09:53", "À : ", "Objet :"),
    "sv": ("Skickades från E-post för Windows", "Från: ", "Skickat:", "den 3 mars 2025 09:53",
           "Till: ", "Ämne:"),
}


def windows_mail(m: M) -> tuple[bytes, str]:
    footer, frm, sent, date, to, subj = WINDOWS_MAIL[m.lang]
    own = m.own(delimiter="", footer=[footer])
    block = [f"{frm}{SENDER}", f"{sent}{date}", f"{to}{m.agent}", f"{subj}{SUBJECT}"]
    text = [*own, "", *block, "", *ORIGINAL]
    html_ = ("<div class=WordSection1>" + mso_lines(own) + "\r\n<p class=MsoNormal><o:p>&nbsp;"
             "</o:p></p><div style='mso-element:para-border-div;border:none;border-top:solid "
             "#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal style='border:none;"
             "padding:0cm'>" + "<br>".join(f"<b>{esc(x[:len(p)])}</b>{esc(x[len(p):])}"
                                          for x, p in zip(block, (frm, sent, to, subj),
                                                          strict=True))
             + "</p></div><p class=MsoNormal><o:p>&nbsp;</o:p></p>" + original_html("mso")
             + "</div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_, MSO_HEAD) + "\n", "html"))
    return out(m, body, [], prefix="RE:", boundary="_{h}_",
               layout="alternative; top; Mail for Windows footer and header block "
                      "('Envoyé le :lundi'), original unquoted")


def huawei(m: M) -> tuple[bytes, str]:
    own = m.own(delimiter="", footer=["Envoyé depuis mon smartphone HUAWEI"])
    block = ["-------- Message original --------", f"De : {WHO}",
             "Date : lun. 3 mars 2025 à 09:53", f"À : {m.agent} <{m.address}>",
             f"Objet : {SUBJECT}", ""]
    text = [*own, "", "", *block, *ORIGINAL]
    html_ = ('<div dir="auto">' + divs(own) + '</div><div id="quoted_header" style="clear:both;">'
             '<br><div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm '
             '0cm;font-size:10pt;font-family:sans-serif">' + "<br>".join(esc(x) for x in block)
             + '</div></div><blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;'
             'padding-left:1ex">' + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [("X-Mailer", "HUAWEI Email 12.1.1.303")], prefix="RE:",
               layout="alternative; top; mobile footer, '-------- Message original "
                      "--------', original unquoted in text")


def infomaniak(m: M) -> tuple[bytes, str]:
    attr = f'Le 3 mars 2025 à 09:53, "{SENDER}" <{ADDRESS}> a écrit :'
    text = m.arrange(m.own(), [attr, ""], quoted(ORIGINAL))
    html_ = ("<div>" + divs(m.w) + '</div><div class="editorUserSignature">' + divs(m.sig)
             + '</div><br><div class="ik_mail_quote answerContentMessage"><div>'
             f"{esc(attr)}</div><blockquote class=\"ws-ng-quote\"><div class=\"ik_mail_quote-1\">"
             + original_html("div") + "</div></blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("User-Agent", "Infomaniak Mail")], boundary="===============_{h}",
               layout="alternative; top; ik_mail_quote, ws-ng-quote")


def orange(m: M) -> tuple[bytes, str]:
    agent = f'"{m.agent}" <{m.address}>'
    if m.opts.get("app"):
        attr = f"Le lun. 3 mars 2025 à 09:53, {SENDER} <{ADDRESS}> a écrit :"
        own = m.own(delimiter="", footer=["Envoyé depuis l'application Mail Orange"])
        text = [*own, "", attr, "", *quoted(ORIGINAL)]
        html_ = (divs(own) + f"<br><div>{esc(attr)}</div><blockquote style=\"margin:0 0 0 .8ex;"
                 'border-left:1px #ccc solid;padding-left:1ex">' + original_html("div")
                 + "</blockquote>")
        body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
        return out(m, body, [("X-Mailer", "Mail Orange (Android)")], boundary="=_{h}",
                   layout="alternative; top; Mail Orange app footer and attribution")
    block = ["Message du 03/03/25 09:53", f'De : "{SENDER}" <{ADDRESS}>', f"A : {agent}",
             "Copie à : ", f"Objet : {SUBJECT}", ""]
    text = [*m.own(), "", *quoted(block), *quoted(ORIGINAL)]
    if m.opts.get("plain"):
        body = leaf("\n".join(text) + "\n", charset="iso-8859-1")
        return out(m, body, [("X-Mailer", "Orange Webmail")],
                   layout="text only; top; '> Message du …' header block, all '>'")
    html_ = ("<p>" + brs(m.own()) + "</p><br><br><blockquote style=\"margin-left: 5px; "
             'padding-left: 5px; border-left: solid 2px #ff6600;"><p>'
             + "<br>".join("&gt; " + esc(x) for x in block)
             + "</p>" + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Orange Webmail")], boundary="=_{h}",
               layout="alternative; top; '> Message du …' block with '&gt;' in HTML too")


def nextcloud(m: M) -> tuple[bytes, str]:
    attr = {"fr": f'"{SENDER}" {ADDRESS} – 3 mars 2025 09:53',
            "de": f'"{SENDER}" {ADDRESS} – 3. März 2025, 09:53'}[m.lang]
    text = [*m.own(), "", attr, *quoted(ORIGINAL)]
    html_ = ("<p>" + brs(m.own()) + '</p><p><br></p><div class="quote">' + esc(attr)
             + "<br><blockquote>" + original_html("p") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("User-Agent", "Nextcloud Mail")], boundary="=_{h}",
               layout="alternative; top; 'name address – date' line above a blockquote")


def mimestream(m: M) -> tuple[bytes, str]:
    attr = f"On Mar 3, 2025 at 9:53:17 AM, {SENDER} <{ADDRESS}> wrote:"
    text = m.arrange(m.own(), [attr, ""], quoted(ORIGINAL))
    html_ = ('<div dir="ltr">' + divs(m.own()) + '</div><br><div class="gmail_quote"><div '
             f'dir="ltr" class="gmail_attr">{esc(attr)}<br></div><blockquote class="gmail_quote" '
             'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-'
             'left:1ex">' + original_html("div") + "</blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "Mimestream 1.4.3")], boundary="Mimestream-{h}",
               layout="alternative; top; gmail_quote-like markup")


def vivaldi(m: M) -> tuple[bytes, str]:
    attr = f"On 3/3/2025 9:53 AM, {SENDER} wrote:"
    text = m.arrange(m.own(), [attr], quoted(ORIGINAL))
    html_ = ("<p>" + brs(m.own()) + f"</p><p>{esc(attr)}</p><blockquote>"
             + original_html("div") + "</blockquote>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("User-Agent", "Vivaldi Mail 7.1")], boundary="--vivaldi-{h}",
               layout="alternative; top; attribution paragraph, blockquote")


def zoho(m: M) -> tuple[bytes, str]:
    attr = f"---- El lun, 03 mar 2025 09:53:17 +0100 {SENDER} <{ADDRESS}> escribió ---"
    text = [*m.own(), "", "", "", attr, "", *quoted(ORIGINAL)]
    body = leaf("\n".join(text) + "\n")
    return out(m, body, [("User-Agent", "Zoho Mail"), ("X-Mailer", "Zoho Mail")],
               layout="text only; top; '---- El … escribió ---' line")


YAHOO = {
    "es": ("Enviado desde Yahoo Mail para Android",
           f"En lun., 3 mar. 2025 a las 9:53, {SENDER}<{ADDRESS}> escribió:"),
    "sv": ("", f"Den måndag 3 mars 2025 09:53:17 CET, {WHO} skrev:"),
}


def yahoo(m: M) -> tuple[bytes, str]:
    footer, attr = YAHOO[m.lang]
    own = m.own(delimiter="", footer=[footer] if footer else None)
    if footer:
        # Yahoo's Android app flattens the quote into one line of its plain part.
        text = [*own, " ", f"  {attr}   " + "  ".join(x for x in ORIGINAL if x.strip())]
        layout = ("alternative; top; Yahoo Android: attribution and the whole original on one "
                  "line in the text part, yahoo_quoted in HTML")
    else:
        text = [*own, "", "", f"    {attr}  ", " ", *(" " + x for x in ORIGINAL)]
        layout = ("alternative; top; Yahoo web: attribution indented, original indented by one "
                  "space, no '>'")
    html_ = ('<div class="ydp3c1a2b3yahoo-style-wrap" style="font-family:Helvetica Neue, '
             'Helvetica, Arial, sans-serif;font-size:13px;">' + divs(own, attrs=' dir="ltr"')
             + '</div><div id="yahoo_quoted_8143225071" class="yahoo_quoted"><div style='
             '"font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;font-size:13px;'
             f'color:#26282a;"><div>{esc(attr)}</div><div><br></div><div><br></div><div>'
             '<div dir="ltr">' + original_html("div") + "</div></div></div></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "WebService/1.1.23187 YMailNorrin")],
               prefix="Re:", boundary="----=_Part_{h}", layout=layout)


def icloud(m: M) -> tuple[bytes, str]:
    attr = f"Le 3 mars 2025 à 09:53, {SENDER} <{ADDRESS}> a écrit :"
    text = m.arrange(m.own(), [], quoted([attr, "", *ORIGINAL]))
    html_ = ("<div>" + divs(m.own()) + '</div><div><br><blockquote type="cite"><div>'
             f"{esc(attr)}</div><br><div><div>" + original_html("div")
             + "</div></div></blockquote></div>")
    body = alt(leaf("\n".join(text) + "\n"), leaf(page(html_) + "\n", "html"))
    return out(m, body, [("X-Mailer", "iCloud MailClient2503Build23 MailServer2.14.1")],
               boundary="Apple-Webmail-{h}",
               layout="alternative; top; iCloud web, attribution inside the cite blockquote")


SAMSUNG = {
    "es": ("Enviado desde mi Galaxy", "-------- Mensaje original --------", "De", "Fecha",
           "3/3/25 9:53 (GMT+01:00)", "Para", "Asunto"),
    "fi": ("Lähetetty Samsung Galaxy -älypuhelimesta.", "-------- Alkuperäinen viesti --------",
           "Lähettäjä", "Päivämäärä", "3.3.2025 9.53 (GMT+01:00)", "Vastaanottaja", "Aihe"),
}


def samsung(m: M) -> tuple[bytes, str]:
    footer, rule, frm, date_, date, to, subj = SAMSUNG[m.lang]
    own = m.own(delimiter="", footer=[footer])
    block = [rule, f"{frm}: {WHO} ", f"{date_}: {date} ", f"{to}: {m.agent} <{m.address}> ",
             f"{subj}: {SUBJECT} ", ""]
    text = [*own, "", "", *block, *ORIGINAL]
    html_ = (divs(own[:-1], attrs=' dir="auto"') + '<div dir="auto"><br></div><div id="composer'
             '_signature" dir="auto"><div style="font-size:85%;color:#575757" dir="auto">'
             f"{esc(footer)}</div></div><div dir=\"auto\"><br></div><div><br></div><div align="
             '"left" dir="auto" style="font-size:100%;color:#000000">'
             + divs(block) + "</div>" + original_html("div"))
    body = alt(leaf("\n".join(text) + "\n", cte="base64"),
               leaf(page(html_) + "\n", "html", cte="base64"))
    return out(m, body, [], prefix="RE:" if m.lang == "es" else "VS:",
               boundary="--_com.samsung.android.email_{h}",
               layout="alternative; top; Samsung footer and '-------- … --------' "
                      "header block with trailing spaces, original unquoted")


BUILDERS = {
    "gmail": gmail, "outlook": outlook, "outlook_text": outlook, "owa": owa,
    "outlook_mobile": owa, "iphone": apple, "apple_mail": apple, "thunderbird": thunderbird,
    "postbox": thunderbird, "canary": canary, "edison": edison, "nine": nine, "newton": newton,
    "polymail": polymail, "front": front, "superhuman": superhuman, "proton": proton,
    "posteo": roundcube, "roundcube": roundcube, "mail_com": united, "web_de": united,
    "naver": naver, "daum": daum, "qq": qq, "netease_163": netease, "foxmail": foxmail,
    "alimail": alimail, "ukr_net": ukr_net, "abv_bg": abv, "onet": onet, "virgilio": virgilio,
    "uol": uol, "t_online": t_online, "zimbra": zimbra, "horde": horde,
    "squirrelmail": squirrelmail, "geary": geary, "balsa": balsa, "trojita": trojita,
    "aerc": aerc, "neomutt": neomutt, "notmuch": notmuch, "wanderlust": wanderlust, "mew": mew,
    "becky": becky, "eudora": eudora, "blackberry": blackberry, "outlook_mac": outlook_mac,
    "windows_mail": windows_mail, "huawei": huawei, "infomaniak": infomaniak, "orange": orange,
    "nextcloud": nextcloud, "mimestream": mimestream, "vivaldi": vivaldi, "zoho": zoho,
    "yahoo": yahoo, "icloud": icloud, "samsung": samsung,
}

#: (client, language, how many, posting, options, written keys forced or None)
SPECS: list[tuple[str, str, int, str, dict[str, object], list[str] | None]] = [
    *[("gmail", lang, 1, "top", {}, None) for lang in GMAIL_ATTR],
    ("gmail", "fi", 1, "top", {}, None), ("gmail", "sv", 1, "top", {}, None),
    ("gmail", "fa", 1, "top", {}, None), ("gmail", "es", 1, "top", {}, None),
    *[("gmail", lang, 1, "top", {"forward": True}, ["accepter_c" if lang == "es" else
                                                    "completer" if lang == "fi" else "msg_adresse"])
      for lang in GMAIL_FORWARD],
    *[("outlook", lang, 1, "top", {}, None) for lang in OUTLOOK],
    *[("outlook_text", lang, 1, "top", {"plain": True}, None) for lang in ("sv", "fi", "es")],
    *[("owa", lang, 1, "top", {}, None) for lang in ("es", "fi")],
    *[("outlook_mobile", lang, 1, "top", {}, None) for lang in OUTLOOK_MOBILE],
    *[("iphone", lang, 1, "top", {"bom": lang in ("sv", "es")}, None) for lang in IPHONE],
    *[("apple_mail", lang, 1, "top", {}, None) for lang in APPLE_MAC],
    ("apple_mail", "es", 1, "top", {"forward": True}, ["refuser"]),
    *[("thunderbird", lang, 1, "bottom" if lang in ("br", "is", "sq", "lv") else "top",
       {"plain": lang in ("eu", "cy", "is", "mk", "sl")}, None) for lang in TB if lang != "en"],
    ("thunderbird", "es", 1, "top", {"forward": True}, ["clore_c"]),
    ("thunderbird", "fi", 1, "top", {"forward": True}, ["recu"]),
    ("thunderbird", "sv", 1, "top", {"attach": True}, ["completer_2"]),
    ("thunderbird", "sv", 1, "inline", {}, ["refuser"]),
    ("postbox", "en", 1, "top", {}, None),
    ("canary", "fr", 3, "top", {}, None),
    ("edison", "fr", 3, "top", {}, None),
    ("nine", "fr", 3, "top", {}, None),
    ("newton", "en", 2, "top", {}, None),
    ("polymail", "en", 2, "top", {}, None),
    ("front", "fr", 3, "top", {}, None),
    ("superhuman", "en", 3, "top", {}, None),
    ("proton", "fr", 2, "top", {}, None), ("proton", "en", 1, "top", {}, None),
    ("proton", "es", 1, "top", {}, None),
    ("posteo", "de", 2, "top", {"plain": True}, None),
    ("posteo", "de", 1, "bottom", {"plain": True}, ["refuser_2"]),
    ("roundcube", "es", 1, "top", {}, None), ("roundcube", "sv", 1, "bottom", {}, None),
    ("mail_com", "en", 2, "top", {}, None), ("web_de", "de", 2, "top", {}, None),
    ("naver", "ko", 3, "top", {}, None), ("daum", "ko", 2, "top", {}, None),
    ("qq", "zh", 3, "top", {}, None), ("netease_163", "zh", 3, "top", {}, None),
    ("foxmail", "zh", 2, "top", {}, None), ("alimail", "zh", 2, "top", {}, None),
    ("ukr_net", "uk", 2, "top", {}, None), ("abv_bg", "bg", 2, "top", {}, None),
    ("onet", "pl", 2, "top", {}, None), ("virgilio", "it", 2, "top", {}, None),
    ("uol", "pt", 2, "top", {}, None), ("t_online", "de", 3, "top", {}, None),
    ("zimbra", "fr", 2, "top", {}, None), ("zimbra", "es", 2, "top", {}, None),
    ("horde", "fr", 1, "top", {}, None), ("horde", "de", 1, "bottom", {}, ["completer"]),
    ("horde", "fr", 1, "top", {"html": True}, None),
    ("squirrelmail", "en", 1, "top", {}, None),
    ("squirrelmail", "fr", 1, "bottom", {}, ["recu_long"]),
    ("geary", "fr", 2, "top", {}, None),
    ("balsa", "en", 1, "top", {}, None), ("balsa", "en", 1, "bottom", {}, ["accepter_c"]),
    ("balsa", "en", 1, "inline", {}, ["clore_c"]),
    ("trojita", "en", 1, "top", {}, None),
    ("aerc", "en", 1, "top", {}, None), ("aerc", "en", 1, "bottom", {}, ["refuser"]),
    ("aerc", "en", 1, "inline", {}, ["completer"]),
    ("neomutt", "fr", 1, "inline", {}, ["refuser_2"]),
    ("neomutt", "fr", 1, "bottom", {}, ["msg_rappel"]),
    ("notmuch", "en", 1, "bottom", {}, ["clore_c"]),
    ("notmuch", "en", 1, "bottom", {"trim": True}, ["recu"]),
    ("wanderlust", "ja", 1, "bottom", {}, ["accepter"]), ("wanderlust", "ja", 1, "top", {}, None),
    ("mew", "ja", 1, "bottom", {}, ["completer_2"]),
    ("becky", "ja", 1, "top", {}, None), ("becky", "ja", 1, "bottom", {}, ["msg_nantes"]),
    ("eudora", "en", 1, "top", {}, None), ("eudora", "en", 1, "bottom", {}, ["clore"]),
    ("blackberry", "fr", 2, "top", {}, None), ("blackberry", "en", 1, "top", {}, None),
    ("outlook_mac", "fr", 2, "top", {}, None), ("outlook_mac", "en", 1, "top", {}, None),
    ("outlook_mac", "es", 1, "top", {}, None),
    ("windows_mail", "fr", 2, "top", {}, None), ("windows_mail", "sv", 1, "top", {}, None),
    ("huawei", "fr", 2, "top", {}, None),
    ("infomaniak", "fr", 3, "top", {}, None),
    ("orange", "fr", 1, "top", {"plain": True}, None), ("orange", "fr", 1, "top", {}, None),
    ("orange", "fr", 1, "top", {"app": True}, None),
    ("nextcloud", "fr", 2, "top", {}, None), ("nextcloud", "de", 1, "top", {}, None),
    ("mimestream", "en", 2, "top", {}, None), ("vivaldi", "en", 1, "top", {}, None),
    ("zoho", "es", 2, "top", {}, None),
    ("yahoo", "es", 2, "top", {}, None), ("yahoo", "sv", 1, "top", {}, None),
    ("icloud", "fr", 2, "top", {}, None),
    ("samsung", "es", 2, "top", {}, None), ("samsung", "fi", 1, "top", {}, None),
]


def mime(raw: bytes) -> str:
    """The structure of a message, as its MIME headers say it."""
    def describe(part: Message) -> str:
        if part.is_multipart():
            inner = ", ".join(describe(child) for child in part.get_payload())
            return f"{part.get_content_type()} [{inner}]"
        if part.get_content_maintype() == "text":
            return (f"{part.get_content_type()} {part.get_content_charset()} "
                    f"{part.get('Content-Transfer-Encoding', '7bit')}")
        return part.get_content_type()
    return describe(message_from_bytes(raw))


def build() -> dict[str, dict[str, object]]:
    for path in HERE.glob("*.eml"):
        path.unlink()
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
    expected: dict[str, dict[str, object]] = {}
    number = 0
    cycle = 0
    for client, lang, count, pos, opts, forced in SPECS:
        for index in range(count):
            if forced:
                key = forced[index]
            else:
                key = CYCLE[cycle % len(CYCLE)]
                cycle += 1
            agent, address = AGENTS[number % len(AGENTS)]
            # Half the agents sign; a reply with nothing written always carries a signature.
            sig = signature(agent) if (number % 2 == 0 or not WRITTEN[key][0]) else []
            m = M(client, lang, key, pos, agent, address, sig, number, opts)
            raw, layout = BUILDERS[client](m)
            stem = f"{client}_{lang}"
            serial = sum(1 for name in expected if name.startswith(stem + "_")) + 1
            name = f"{stem}_{serial}.eml"
            (HERE / name).write_bytes(raw)
            lines, command = WRITTEN[key]
            expected[name] = {"client": client, "language": lang, "written": lines,
                              "signature": sig, "command": command, "posting": pos,
                              "layout": layout, "mime": mime(raw)}
            number += 1
    (HERE / "expected.json").write_text(
        json.dumps(dict(sorted(expected.items())), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    return expected


if __name__ == "__main__":
    print(f"{len(build())} messages written")
