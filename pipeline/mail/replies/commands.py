"""The command an agent wrote on the first line of a reply, its argument and the comment below."""

from __future__ import annotations

import unicodedata

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
#: Punctuation that may cling to the command word ("Reçu.", "Refuser :").
_TRAILING = ",.:;!"
#: What may separate the command from its argument when typed apart ("Refuser : motif").
_SEPARATORS = ":;,.!-–— "


def read_command(trimmed: str) -> tuple[str | None, str, str]:
    """``(command, argument, comment)`` of a trimmed reply; ``(None, "", text)`` without one."""
    lines = trimmed.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, "", trimmed.strip()
    word, _, rest = lines[first].strip().replace("\t", " ").partition(" ")
    command = COMMANDS.get(_fold(word.rstrip(_TRAILING)))
    # "Refuser ?" or "Refuser?" asks something and decides nothing.
    if command is None or word.endswith("?") or rest.lstrip().startswith("?"):
        return None, "", trimmed.strip()
    comment = "\n".join(lines[first + 1:]).strip()
    return command, rest.strip().lstrip(_SEPARATORS).strip(), comment


def _fold(word: str) -> str:
    stripped = "".join(char for char in unicodedata.normalize("NFKD", word)
                       if not unicodedata.combining(char))
    return stripped.casefold()
