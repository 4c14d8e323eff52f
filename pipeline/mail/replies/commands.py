"""The command an agent wrote on the first line of a reply, its argument and the comment below."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.mail.replies.folding import clean_text, fold

#: Words an agent may open a reply with, accentless and lowercase, and the action each names.
COMMANDS = {
    "recu": "recu",
    "accepter": "accepter",
    "valider": "accepter",
    "refuser": "refuser",
    "completer": "completer",
    "clore": "clore",
    "clos": "clore",
    "cloturer": "clore",
}
#: A word: letters only (a digit or underscore glued to it makes another word: "recu2").
_WORD = re.compile(r"[^\W\d_]+")
#: What may stand before the first word: spaces, quotation marks, and emphasis that clients
#: write in plain text for bold or italics (Gmail ``*Accepter*``, Thunderbird ``/…/``, ``_…_``).
_OPENING = " \t*_~/«\"“„‹'‘(["
_EMPHASIS = "*_~/"
#: What may separate the command from its argument: spaces, any dash, colon, stop, comma,
#: exclamation or closing mark, in their ASCII, typographic and full-width forms.
_SEPARATORS = " \t:;,.!…‐‑‒–—―-·•»›”’)]*_~/|：；，。！"
_QUESTION = "?？¿"
#: A hyphen or apostrophe that joins the word to the next ("Reçu-t-il", "Clore-l'").
_JOINED = re.compile(r"[-'’][^\W\d_]")


@dataclass(frozen=True)
class FirstLine:
    """The first written line of a reply cut at its first word."""

    #: The first word as written, and folded (lowercase, accentless).
    word: str
    folded: str
    #: What follows the word on the line, emphasis around the word taken off.
    rest: str
    #: The lines below.
    below: str
    #: Whether the line asks something ("Refuser ?").
    asks: bool


def first_line(trimmed: str) -> FirstLine | None:
    """The first non-empty line of ``trimmed`` cut at its first word, None without one."""
    lines = clean_text(trimmed).split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    line = lines[first].strip()
    opening = len(line) - len(line.lstrip(_OPENING))
    emphasis = "".join(char for char in line[:opening] if char in _EMPHASIS)
    found = _WORD.match(line, opening)
    if found is None:
        return None
    rest = line[found.end():]
    if rest[:1].isalnum() or (rest[:1] == "_" and not emphasis) or _JOINED.match(rest):
        return None  # "recu2", "Reçu-t-il": another word
    if emphasis:
        closing = emphasis[::-1]
        if rest.startswith(closing):
            rest = rest[len(closing):]
        elif rest.rstrip().endswith(closing):
            rest = rest.rstrip()[:-len(closing)]
    below = "\n".join(lines[first + 1:]).strip()
    asks = rest.lstrip(" \t*_~/")[:1] in tuple(_QUESTION)
    return FirstLine(found.group(0), fold(found.group(0)), rest, below, asks)


def argument_of(rest: str) -> str:
    """What follows a command word, without the separators typed between them."""
    return rest.strip().lstrip(_SEPARATORS).strip()


def read_command(trimmed: str) -> tuple[str | None, str, str]:
    """``(command, argument, comment)`` of a trimmed reply; ``(None, "", text)`` without one."""
    line = first_line(trimmed)
    command = COMMANDS.get(line.folded) if line is not None else None
    # "Refuser ?" or "Refuser?" asks something and decides nothing.
    if line is None or command is None or line.asks:
        return None, "", trimmed.strip()
    return command, argument_of(line.rest), line.below
