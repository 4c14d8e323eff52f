"""Whether an inbound mail was written by a machine (absence, bounce, list), and why, in French."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from email.utils import parseaddr

from pipeline.mail.replies.charsets import decoded_header

#: Headers whose mere presence marks a vacation responder (RFC 3834 predates them; many set them).
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-AutoReply-From",
                      "X-Mail-Autoreply")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_MACHINE_SENDERS = {"mailer-daemon", "postmaster"}
#: Reply prefixes of the common clients (French TR, German AW/WG, Nordic SV) stripped before
#: reading the subject, since an absence notice can answer an already answered thread.
_REPLY_PREFIX = re.compile(r"^\s*(?:re|tr|fw|fwd|aw|wg|sv|ref)\s*(?:\[\d+\])?\s*:\s*")
_ABSENCE_SUBJECT = re.compile(
    r"^(?:reponse automatique|reponse d'absence|message d'absence|absen(?:ce|t|te)\b"
    r"|out of (?:the )?office|automatic reply|auto[- ]?reply|autoresponse|auto-response"
    r"|abwesenheit|automatische antwort|respuesta automatica)"
)


def automatic_reason(message: Message) -> str | None:
    """A short French reason when ``message`` was sent by a machine, else None."""
    return (_report_reason(message) or _sender_reason(message) or _header_reason(message)
            or _exchange_reason(message) or _subject_reason(message))


def _report_reason(message: Message) -> str | None:
    # A DSN also carries Auto-Submitted; naming it a delivery report says more to the reader.
    # Only the message and its own parts are looked at: a report forwarded as an attachment by
    # a person sits deeper, inside a message/rfc822 part.
    children = message.get_payload() if message.is_multipart() else []
    for part in [message, *(children if isinstance(children, list) else [])]:
        media_type = part.get_content_type()
        if media_type == "message/delivery-status":
            return "rapport de remise (message/delivery-status)"
        if media_type == "message/disposition-notification":
            return "accusé de lecture (message/disposition-notification)"
        if media_type == "multipart/report":
            report_type = str(part.get_param("report-type") or "").lower()
            if report_type == "disposition-notification":
                return "accusé de lecture (multipart/report)"
            return "rapport de remise (multipart/report)"
    return None


def _sender_reason(message: Message) -> str | None:
    for name in ("From", "Sender", "Return-Path"):
        for value in _values(message, name):
            address = parseaddr(value)[1].strip().lower()
            local = address.split("@", 1)[0]
            if local in _MACHINE_SENDERS:
                return f"expéditeur automatique ({local})"
            # The null reverse-path is reserved to notifications (RFC 5321 §4.5.5).
            if name == "Return-Path" and not address and "<>" in value.replace(" ", ""):
                return "expéditeur vide (Return-Path : <>)"
    return None


def _header_reason(message: Message) -> str | None:
    for value in _values(message, "Auto-Submitted"):
        keyword = value.split(";", 1)[0].strip().lower()
        if keyword and keyword != "no":
            return f"réponse automatique (Auto-Submitted : {keyword})"
    for name in _AUTOREPLY_HEADERS:
        for value in _values(message, name):
            if value.strip().lower() not in ("no", "false", "0"):
                return f"réponse automatique ({name})"
    for value in _values(message, "Precedence"):
        if value.strip().lower() in _BULK_PRECEDENCE:
            return f"envoi automatique (Precedence : {value.strip().lower()})"
    return None


def _exchange_reason(message: Message) -> str | None:
    # Exchange sets X-MS-Exchange-Generated-Message-Source ("Mailbox Rules Agent" for an absence
    # notice or a rule's reply) only on mail its agents generate, and older servers send absence
    # notices with no Auto-Submitted at all. X-Auto-Response-Suppress alone proves nothing: Outlook
    # puts it on ordinary mail too; with the inbox-rules loop counter it marks a rule's reply.
    for value in _values(message, "X-MS-Exchange-Generated-Message-Source"):
        if value.strip():
            return f"réponse automatique d'Exchange ({value.strip()})"
    loop = _values(message, "X-MS-Exchange-Inbox-Rules-Loop")
    suppress = " ".join(_values(message, "X-Auto-Response-Suppress")).lower()
    if loop and ("all" in suppress or "oof" in suppress):
        return "réponse automatique d'Exchange (X-MS-Exchange-Inbox-Rules-Loop)"
    return None


def _subject_reason(message: Message) -> str | None:
    subject = _fold(" ".join(decoded_header(value) for value in _values(message, "Subject")))
    previous = None
    while previous != subject:
        previous, subject = subject, _REPLY_PREFIX.sub("", subject, count=1)
    found = _ABSENCE_SUBJECT.match(subject)
    return f"objet de réponse automatique (« {found.group(0)} »)" if found else None


def _values(message: Message, name: str) -> list[str]:
    """Every value of header ``name``, read raw: a malformed header must not hide the others."""
    lowered = name.lower()
    return [_eight_bit(re.sub(r"\r?\n(?=[ \t])", "", str(value)))
            for key, value in message.raw_items() if key.lower() == lowered]


def _eight_bit(value: str) -> str:
    # The parser keeps raw 8-bit header bytes as surrogate escapes; they are mostly UTF-8.
    if value.isascii():
        return value
    return value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def _fold(text: str) -> str:
    """Lowercase, accentless, single-spaced, straight apostrophes: how subjects are compared."""
    stripped = "".join(char for char in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(char))
    return " ".join(stripped.replace("\u2019", "'").casefold().split())
