"""The lines mail clients write above a quoted or forwarded mail, and below what a person wrote.

Every test here takes a line already folded (``folding.fold``): lowercase, accentless, single
spaces. The words are written as clients print them and folded once, at import.
"""

from __future__ import annotations

import re

from pipeline.mail.replies.folding import fold

#: Past this length a line is prose, never a marker: the tests below skip it (and stay fast on
#: a megabyte-long line).
MAX_MARKER_LENGTH = 400


def _either(*phrases: str) -> str:
    folded = sorted({fold(phrase) for phrase in phrases}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in folded) + ")"


#: "wrote" in the attribution lines of the clients of Europe ("Le … a écrit :", "On … wrote:").
_WROTE = _either(
    "a écrit", "a ecrit", "wrote", "writes", "schrieb", "hat geschrieben", "geschrieben",
    "schreef", "heeft geschreven", "ha scritto", "scrive", "escribió", "escribio", "escreveu",
    "va escriure", "napisał", "napisała", "napisał(a)", "pisze", "написал", "написала",
    "написал(а)", "пишет", "писал", "писала", "писал(а)", "skrev", "kirjoitti", "napsal",
    "napsala", "írta", "a scris", "yazdı",
    "έγραψε", "rakstīja", "parašė", "kirjutas", "je napisal", "je napisala", "написа", "đã viết",
    "menulis", "写道", "のメッセージ")
#: An attribution: the verb at its end, maybe a colon and a client's dashes after it.
_ATTRIBUTION_END = re.compile(rf"{_WROTE}\s*:?\s*[-_=]*$")
#: Or the verb, then when ("… a écrit le 03/03/2025 10:12 :", "… schrieb am …:").
_ATTRIBUTION_VERB_THEN_DATE = re.compile(rf"{_WROTE}\s+\S.*\d.*:\s*[-_=]*$")
#: Or a date first and the sender's address last, no verb (Gmail in some languages, K-9):
#: "2017-11-24 16:32 GMT+01:00 Nom <x@y.fr>:".
_DATE_FIRST = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}\s+\w+\.?\s+\d{4}"
    r"|\w+\.?,?\s+\d{1,2}\.?\s+\w+\.?\s+\d{4}|\w+\.?\s+\d{1,2},?\s+\d{4})\b")
#: "Citation Nom <x> :" (Horde), "Quoting", "Zitat von", "Cytat", "Citando"…
_QUOTING_WORDS = _either("citation", "citant", "quoting", "zitat von", "zitat", "cytat", "cytuję",
                         "citando", "citazione", "citaat van", "цитата")
_QUOTING = re.compile(rf"^{_QUOTING_WORDS}\b.*:$")
_ADDRESS = re.compile(r"@|<[^<>]*>")
#: Words that open attributions ("Le …", "On …", "Am …", "El …", "W dniu …").
_OPENING_WORDS = re.compile(r"^(?:le|on|am|op|il|el|em|den|w|dnia|pe|στις|в|vao|pada|po|pon)\b")

#: Words between dashes that open a quoted or forwarded mail ("-----Original Message-----").
_SEPARATOR_WORDS = re.compile(_either(
    "original", "origine", "forward", "transféré", "transfere", "réexpédié", "reexpedie",
    "weitergeleitet", "ursprüngliche", "originalnachricht", "oorspronkelijk", "doorgestuurd",
    "originale", "inoltrato", "reenviado", "encaminhad", "reencaminhad", "oryginalna",
    "przekazana", "przekazywana", "исходное", "пересылаемое", "переслано", "ursprungligt",
    "vidarebefordrat", "opprinnelig", "videresendt", "oprindelig", "alkuperäinen", "välitetty",
    "původní", "přeposlaná", "eredeti", "továbbított", "orijinal", "iletilen", "reply",
    "réponse", "wrote", "a écrit", "schrieb"))
_DASHED = re.compile(r"^[-_=*~]{2,}\s*(?P<words>[^-_=*~].{0,80}?)\s*[-_=*~]{2,}$")
#: Lines that open a forwarded or quoted mail on their own.
_OPENING_PHRASES = _either(
    "début du message réexpédié", "début du message transféré", "begin forwarded message",
    "anfang der weitergeleiteten nachricht", "inizio messaggio inoltrato",
    "comienzo del mensaje reenviado", "inicio del mensaje reenviado",
    "início da mensagem reencaminhada", "início da mensagem encaminhada",
    "begin doorgestuurd bericht", "doorgestuurd bericht", "vidarebefordrat brev",
    "videresendt meddelelse", "videresendt melding", "początek przekazywanej wiadomości",
    "начало переадресованного сообщения", "välitetty viesti", "mail transféré", "mail original",
    "message transféré", "message d'origine", "forwarded message", "original message")
_OPENERS = re.compile(
    r"^(?:_{10,}|-{10,}|={10,}"
    r"|(?:message du|mail du)\s*:?\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}.*"
    rf"|{_OPENING_PHRASES}\s*:?)$")

#: Header names of the block clients write above an original (Outlook, Zimbra, forwards), by
#: role. A block needs two roles: one header alone may be a sentence.
_HEADER_ROLES = {
    "from": ("de", "from", "von", "van", "da", "od", "от", "från", "fra", "lähettäjä", "kimden",
             "feladó", "expéditeur", "afzender", "mittente", "remitente", "remetente", "nadawca",
             "отправитель", "avsändare", "afsender", "odesílatel", "sender", "auteur"),
    "to": ("à", "a", "pour", "to", "an", "aan", "para", "do", "кому", "till", "til",
           "vastaanottaja", "komu", "kime", "címzett", "destinataire", "destinataires",
           "destinatario", "destinatari", "adresat", "mottagare", "modtager"),
    "cc": ("cc", "copie à", "copie", "kopie", "copia", "kopia", "копия", "kopio", "kopie an",
           "cci", "bcc"),
    "date": ("date", "envoyé", "envoyé le", "sent", "datum", "gesendet", "verzonden",
             "verstuurd", "inviato", "data", "enviado", "enviada", "enviado el", "enviada em",
             "enviado em", "wysłane", "wysłano", "отправлено", "дата", "skickat", "sendt",
             "lähetetty", "odesláno", "gönderildi", "tarih", "elküldve", "dátum", "sent on",
             "date d'envoi", "envoi", "fecha", "päivämäärä", "dato"),
    "subject": ("objet", "subject", "betreff", "onderwerp", "oggetto", "asunto", "assunto",
                "temat", "тема", "ämne", "emne", "aihe", "předmět", "konu", "tárgy", "sujet",
                "titre", "onderwerp", "tema"),
    "reply": ("répondre à", "reply-to", "antwort an", "beantwoorden", "rispondi a",
              "responder a"),
}
_HEADER_NAMES = {fold(name): role for role, names in _HEADER_ROLES.items() for name in names}
_HEADER_LINE = re.compile(r"^[*_]{0,2}\s*(?P<name>[^\W\d][\w' -]{0,24}?)\s*[*_]{0,2}\s*:")
#: Roles that make a block a mail's header with any other role.
_HEADER_ANCHORS = {"from", "date", "subject"}
#: A header line in a language not listed: a short name, a colon, a value.
_ANY_HEADER = re.compile(r"^[^\W\d][\w .'-]{0,24}:\s*(?P<value>.*)$")
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.h]\d{2}|\d{4}")

#: Footers that clients add under what a person wrote ("Envoyé de mon iPhone").
_FOOTER_VERB = _either(
    "envoyé", "envoyée", "expédié", "sent", "gesendet", "von meinem", "verzonden", "verstuurd",
    "inviato", "enviado", "enviada", "wysłane", "wysłano", "отправлено", "skickat", "sendt",
    "lähetetty", "odesláno", "gönderildi", "get", "obtenir", "télécharger", "téléchargez",
    "download", "provenance")


def _footer(things: str) -> str:
    # "Envoyé de mon iPhone", "Von meinem iPhone gesendet", "iPhone'umdan gönderildi".
    return rf"^(?:{_FOOTER_VERB}\b.*\b{things}\b|{things}\S*\s+{_FOOTER_VERB}\b)"
#: What a footer names after its verb: a device or app (strong), or a word that a sentence could
#: have too (weak: "Envoyé par mail hier …"), trusted only when nothing the person wrote follows.
_STRONG_THINGS = (
    "iphone", "ipad", "ipod", "android", "samsung", "galaxy", "mobile", "smartphone",
    "tablette", "tablet", "portable", "téléphone", "phone", "handy", "appareil", "device",
    "outlook", "yahoo", "gmail", "proton", "spark", "bluemail", "aquamail", "k-9", "fairemail",
    "blackberry", "huawei", "xiaomi", "redmi", "honor", "oneplus", "pixel", "motorola", "nokia",
    "xperia", "telefon", "телефона", "iphonesta", "iphonu", "iphone'umdan", "mail.ru", "web.de",
    "gmx")
_WEAK_THINGS = ("mail", "courrier", "windows", "orange", "sfr", "free", "bouygues", "laposte",
                "zimbra", "appli", "application", "app", "messagerie", "почты", "почта")
_STRONG_FOOTER = re.compile(_footer(_either(*_STRONG_THINGS)))
_WEAK_FOOTER = re.compile(_footer(_either(*_WEAK_THINGS)))
#: A footer is a short line; a longer one is a sentence the person wrote.
_FOOTER_MAX = 90
_ATTRIBUTION_MAX = 400


#: An address and a time, then a colon: an attribution in any language or script ("2025年3月3日
#: 10:12 Nom <x@y>:", "… 10:12 מאת Nom <x@y>:"), trusted only right above quoted lines.
_LOOSE_ATTRIBUTION = re.compile(r"(?:@|\d{1,2}[:.h]\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}).*:$")
#: GroupWise's ">>> Nom <x@y> 3/3/2025 10:12 >>>" above an original it does not quote.
_GROUPWISE = re.compile(r"^>>>.*\d.*>>>$")


def is_loose_attribution(joined: str) -> bool:
    return len(joined) <= _ATTRIBUTION_MAX and bool(_LOOSE_ATTRIBUTION.search(joined))


def opens_unquoted_original(line: str) -> bool:
    """A line that looks quoted but heads an original written below it unquoted."""
    return len(line) <= MAX_MARKER_LENGTH and bool(_GROUPWISE.match(line.strip()))


def may_open_attribution(folded: str) -> bool:
    """Whether a line may be the first of an attribution wrapped over several: it holds a date,
    an address or an opening word; "Bien cordialement," or a name alone does not."""
    return bool(re.search(r"\d|@|<", folded)) or bool(_OPENING_WORDS.match(folded))


def is_signature(line: str) -> bool:
    """``-- `` (RFC 3676 §4.3), or ``--`` once a client trimmed its space."""
    return line.strip() == "--"


def footer_strength(folded: str) -> str | None:
    """``strong`` for a client's footer, ``weak`` for a line that may be one, else None."""
    if len(folded) > _FOOTER_MAX:
        return None
    if _STRONG_FOOTER.match(folded):
        return "strong"
    return "weak" if _WEAK_FOOTER.match(folded) else None


def is_separator(folded: str) -> bool:
    """A line that opens a quoted or forwarded mail by itself ("-----Message d'origine-----")."""
    if len(folded) > MAX_MARKER_LENGTH:
        return False
    if _OPENERS.match(folded):
        return True
    dashed = _DASHED.match(folded)
    return bool(dashed and _SEPARATOR_WORDS.search(dashed.group("words")))


def header_role(folded: str) -> str | None:
    """The role of a header line ("De : …" is ``from``), None for any other line."""
    if len(folded) > MAX_MARKER_LENGTH:
        return None
    found = _HEADER_LINE.match(folded)
    return _HEADER_NAMES.get(found.group("name").strip()) if found else None


def opens_header_block(folded_lines: list[str]) -> bool:
    """Whether the first line opens a header block: two roles or more within the lines given,
    one of them from, date or subject; or three header lines in a language not listed."""
    return _known_header_block(folded_lines) or _unknown_header_block(folded_lines)


def _known_header_block(folded_lines: list[str]) -> bool:
    roles = set()
    for folded in folded_lines:
        role = header_role(folded)
        if role:
            roles.add(role)
        elif not roles:
            return False
    return len(roles) >= 2 and bool(roles & _HEADER_ANCHORS)


def _unknown_header_block(folded_lines: list[str]) -> bool:
    """Three header lines in a row in any language, one naming an address and one a date."""
    values = []
    for folded in folded_lines[:4]:
        found = _ANY_HEADER.match(folded) if len(folded) <= MAX_MARKER_LENGTH else None
        if found is None:
            break
        values.append(found.group("value"))
    return (len(values) >= 3 and any("@" in value for value in values)
            and any(_TIME_OR_DATE.search(value) for value in values))


def is_attribution(joined: str) -> bool:
    """Whether folded text (an attribution may be wrapped over lines) attributes a quote.

    A date, time or address must be in it: "On a écrit :" alone is a French sentence.
    """
    if len(joined) > _ATTRIBUTION_MAX:
        return False
    dated = bool(re.search(r"\d", joined))
    addressed = bool(_ADDRESS.search(joined))
    if _ATTRIBUTION_END.search(joined) or _ATTRIBUTION_VERB_THEN_DATE.search(joined):
        return dated or addressed
    if _QUOTING.match(joined):
        return addressed or dated
    return joined.endswith(":") and addressed and bool(_DATE_FIRST.match(joined))
