"""Read an inbound reply: its token, sender, whether a machine wrote it, its command and files."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from pipeline.mail.replies.addresses import (
    mail_id_from_bounce_address,
    our_message_id,
    token_from_address,
)
from pipeline.mail.replies.automatic import automatic_reason
from pipeline.mail.replies.charsets import decode_text, decoded_header
from pipeline.mail.replies.commands import read_command
from pipeline.mail.replies.html_text import html_to_text
from pipeline.mail.replies.near_commands import Suggestion, answer, suggest_command
from pipeline.mail.replies.quotes import trim_reply

_log = logging.getLogger(__name__)

#: Where our reply address may stand, in the order they are trusted: the visible recipients
#: first, then what the receiving server recorded of the envelope.
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
_ADDRESS = re.compile(r"[^\s<>,;:\"'()\[\]]+@[^\s<>,;:\"'()\[\]]+")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
#: Multipart containers a message may hold; beyond, it is not parsed at all.
MAX_MULTIPARTS = 50
_MULTIPART = re.compile(rb"content-type:\s*multipart/", re.IGNORECASE)


@dataclass(frozen=True)
class ReplyAttachment:
    filename: str
    media_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Reply:
    #: The token of the ``reponse+<token>@`` address the reply was sent to.
    token: str | None
    #: Our Message-IDs it answers, canonical and nearest first (In-Reply-To, then References
    #: from the last): how a reply that lost our address is matched to its token.
    references: tuple[str, ...]
    bounce_mail_id: str | None
    sender: str
    message_id: str | None
    #: SHA-256 of the raw message: its identity when it has no Message-ID.
    digest: str
    subject: str
    automatic: str | None
    text: str
    command: str | None
    argument: str
    comment: str
    attachments: tuple[ReplyAttachment, ...]
    authentication_results: tuple[str, ...]
    #: Why the message could not be read at all (None when it could): it does nothing.
    unreadable: str | None = None
    #: The command the reply seems to mean when it holds no exact one: never applied unless
    #: the agent confirms it.
    suggestion: Suggestion | None = None
    #: ``oui`` or ``non`` when the reply opens with one (an answer to a suggestion).
    answer: str | None = None

    def dmarc_passed(self, authserv_id: str) -> bool:
        """Whether our own receiving server found DMARC passing.

        Only the topmost ``Authentication-Results`` bearing ``authserv_id`` counts: our server
        adds its header above those already there, and anyone can write a header claiming
        another server's verdict, or ours further down (RFC 8601 §5).
        """
        wanted = authserv_id.strip().lower()
        for value in self.authentication_results:
            segments = re.sub(r"\([^()]*\)", " ", value).split(";")
            server = segments[0].split()
            if not server or server[0].lower() != wanted:
                continue
            return any(re.match(r"dmarc\s*=\s*pass\b", segment.strip(), re.IGNORECASE)
                       for segment in segments[1:])
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "automatic": self.automatic is not None,
            "automatic_reason": self.automatic,
            "command": self.command,
            "argument": self.argument,
            "comment": self.comment,
            "suggested_command": self.suggestion.command if self.suggestion else None,
            "suggested_argument": self.suggestion.argument if self.suggestion else "",
            "suggested_comment": self.suggestion.comment if self.suggestion else "",
            "answer": self.answer,
            "text": self.text,
            "sender": self.sender,
            "message_id": self.message_id,
            "attachments": [{"filename": attachment.filename,
                             "media_type": attachment.media_type,
                             "size": attachment.size,
                             "sha256": attachment.sha256} for attachment in self.attachments],
        }


def read_reply(raw: bytes, *, mail_domain: str) -> Reply:
    """Everything the gateway needs from one inbound message; never raises on bad input."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(_MULTIPART.findall(raw)) > MAX_MULTIPARTS:
        # Python's parser recurses once per nested part and slows down with each: refused
        # before parsing. Mail clients nest a handful (mixed > related > alternative).
        return _unreadable(digest, f"message trop imbriqué (plus de {MAX_MULTIPARTS} "
                                   "parties multiples)")
    # The modern policy decodes RFC 2231/2047 file names; the legacy one parses anything, so it
    # takes over when a malformed header or part makes the first attempt fail.
    for parsing_policy in (policy.default, policy.compat32):
        try:
            message = BytesParser(policy=parsing_policy).parsebytes(raw)
            return _read(message, digest, mail_domain)
        except Exception:  # any parser or decoder error: try the next way
            _log.warning("message %s illisible avec %s", digest, parsing_policy, exc_info=True)
    return _unreadable(digest, "message illisible (en-têtes ou structure MIME invalides)")


def _unreadable(digest: str, reason: str) -> Reply:
    return Reply(token=None, references=(), bounce_mail_id=None, sender="", message_id=None,
                 digest=digest, subject="", automatic=None, text="", command=None, argument="",
                 comment="", attachments=(), authentication_results=(), unreadable=reason)


def _read(message: Message, digest: str, mail_domain: str) -> Reply:
    body, text = _body(message)
    trimmed = trim_reply(text)
    command, argument, comment = read_command(trimmed)
    automatic = automatic_reason(message, trimmed, command)
    message_ids = _raw_values(message, "Message-ID")
    return Reply(
        token=_first_of_our_addresses(message, mail_domain, token_from_address),
        references=_references(message, mail_domain),
        bounce_mail_id=_first_of_our_addresses(message, mail_domain,
                                               mail_id_from_bounce_address),
        sender=_sender(message),
        message_id=(message_ids[0].strip() or None) if message_ids else None,
        digest=digest,
        subject=" ".join(decoded_header(" ".join(_raw_values(message, "Subject"))).split()),
        automatic=automatic,
        text=trimmed,
        command=command,
        argument=argument,
        comment=comment,
        attachments=tuple(_attachments(message, body)),
        authentication_results=tuple(" ".join(value.split())
                                     for value in _raw_values(message, "Authentication-Results")),
        suggestion=suggest_command(trimmed) if command is None else None,
        answer=answer(trimmed) if command is None else None,
    )


def _first_of_our_addresses(message: Message, domain: str,
                            read: Callable[[str, str], str | None]) -> str | None:
    """What ``read`` finds in the first of the addressee headers' addresses it recognises."""
    for name in ADDRESS_HEADERS:
        for value in _raw_values(message, name):
            for address in _ADDRESS.findall(value):
                found = read(address, domain)
                if found:
                    return found
    return None


def _references(message: Message, domain: str) -> tuple[str, ...]:
    """Our Message-IDs named by In-Reply-To, then by References from the newest."""
    # A reply that lost our address (sent to the commune's own, or forwarded) still names the
    # mail it answers; the last reference is the mail answered, the first the thread's start.
    answered = [found for value in _raw_values(message, "In-Reply-To")
                for found in _MESSAGE_ID.findall(value)]
    thread = [found for value in _raw_values(message, "References")
              for found in _MESSAGE_ID.findall(value)]
    ours = (our_message_id(value, domain) for value in [*answered, *thread[::-1]])
    return tuple(dict.fromkeys(value for value in ours if value))


def _sender(message: Message) -> str:
    values = _raw_values(message, "From")
    address = parseaddr(values[0])[1].strip().lower() if values else ""
    return address if "@" in address else ""


def _leaves(part: Message) -> list[Message]:
    """The non-multipart parts, not descending into attached messages (their body is not ours)."""
    if part.is_multipart() and not part.get_content_type().startswith("message/"):
        payload = part.get_payload()
        return [leaf for child in payload for leaf in _leaves(child)] if isinstance(
            payload, list) else []
    return [part]


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_filename(part))


def _body(message: Message) -> tuple[Message | None, str]:
    """The part chosen as the body and its text: plain text if it says anything, else HTML."""
    leaves = [leaf for leaf in _leaves(message) if not _is_attachment(leaf)]
    plain = next((leaf for leaf in leaves if leaf.get_content_type() == "text/plain"), None)
    if plain is not None:
        text = _unflow(plain, _part_text(plain))
        if text.strip():
            return plain, text
    html = next((leaf for leaf in leaves if leaf.get_content_type() == "text/html"), None)
    if html is not None:
        return html, html_to_text(_part_text(html))
    return plain, ""


def _attachments(message: Message, body: Message | None) -> list[ReplyAttachment]:
    found = []
    for leaf in _leaves(message):
        if leaf is body or not _is_attachment(leaf):
            continue
        media_type = leaf.get_content_type()
        if media_type.startswith("message/"):
            content = _attached_message(leaf)
        else:
            content = leaf.get_payload(decode=True) or b""
        name = _filename(leaf) or _default_name(media_type, len(found) + 1)
        found.append(ReplyAttachment(filename=name, media_type=media_type, content=content))
    return found


def _attached_message(part: Message) -> bytes:
    """The bytes of a forwarded message attached whole (``message/rfc822``)."""
    inner = part.get_payload()
    first = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(first, Message):
        return b""
    try:
        # The legacy generator writes back whatever the parser took in, defects and all.
        return first.as_bytes(policy=policy.compat32)
    except Exception:  # a part no generator can write: keep the file, empty
        _log.warning("pièce jointe message/rfc822 illisible", exc_info=True)
        return b""


def _filename(part: Message) -> str:
    """The part's file name, decoded, without any directory a sender put in front of it."""
    try:
        name = part.get_filename() or ""
    except Exception:  # a broken parameter: read it as having no name
        return ""
    name = decoded_header(str(name))
    name = re.split(r"[/\\]", name)[-1]
    return "".join(char for char in name if char.isprintable()).strip()


def _default_name(media_type: str, number: int) -> str:
    extension = ".eml" if media_type == "message/rfc822" else (
        mimetypes.guess_extension(media_type) or ".bin")
    return f"piece-jointe-{number}{extension}"


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", errors="surrogateescape")
    try:
        declared = part.get_content_charset()
    except Exception:  # an undecodable charset parameter counts as none
        declared = None
    return decode_text(payload, declared)


def _unflow(part: Message, text: str) -> str:
    """Join the soft line breaks of ``format=flowed`` text (RFC 3676) outside quoted lines."""
    if str(part.get_param("format") or "").lower() != "flowed":
        return text
    delsp = str(part.get_param("delsp") or "").lower() == "yes"
    out: list[str] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        quoted = line.startswith(">")
        if not quoted and line.startswith(" "):
            line = line[1:]  # space-stuffing
        if joining and not quoted:
            out[-1] += line
        else:
            out.append(line)
        soft = line.endswith(" ") and line != "-- " and not quoted
        if soft and delsp:
            out[-1] = out[-1][:-1]
        joining = soft
    return "\n".join(out)


def _raw_values(message: Message, name: str) -> list[str]:
    """Every value of header ``name`` as received, unfolded, 8-bit bytes decoded; never parsed."""
    lowered = name.lower()
    return [_eight_bit(re.sub(r"\r?\n(?=[ \t])", "", str(value)))
            for key, value in message.raw_items() if key.lower() == lowered]


def _eight_bit(value: str) -> str:
    # The parser keeps raw 8-bit header bytes as surrogate escapes.
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    return decode_text(value.encode("utf-8", errors="surrogateescape"), None)
