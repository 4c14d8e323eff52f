"""Replies that look like a command without being one ("Accepté.", "Ok reçu", "Bonjour," then
"Accepter"), the command they suggest, and the ``oui``/``non`` that answers a suggestion.

A suggestion is never applied as it is: the agent is asked to confirm it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.mail.replies.commands import COMMANDS, argument_of, first_line, read_command
from pipeline.mail.replies.folding import clean_text, fold

#: Other forms of the command words (participles, conjugations, nouns), folded.
FORMS = {
    **{form: "recu" for form in ("recu", "recue", "recus", "recues", "receptionne",
                                 "receptionnee", "receptionnes")},
    **{form: "accepter" for form in ("accepte", "acceptee", "acceptes", "acceptees",
                                     "acceptons", "acceptez", "accepter", "valide", "validee",
                                     "valides", "validees", "validons", "valider")},
    **{form: "refuser" for form in ("refuse", "refusee", "refuses", "refusees", "refusons",
                                    "refus", "refuser", "rejete", "rejetee", "rejeter")},
    **{form: "completer" for form in ("completer", "completez", "incomplet", "incomplete",
                                      "incomplets")},
    **{form: "clore" for form in ("clore", "clos", "close", "closes", "clot", "cloture",
                                  "cloturee", "cloturer", "classe", "classee")},
}
#: Words that may stand before a command without changing it ("Ok reçu", "Bien reçu",
#: "Dossier accepté", "C'est validé", "Je refuse", "À compléter").
_FILLERS = {"ok", "okay", "oki", "bon", "bien", "tres", "c", "est", "ca", "je", "j", "le", "la",
            "l", "dossier", "demande", "vu", "alors", "donc", "parfait", "super", "d", "accord",
            "merci", "bonjour", "bonsoir", "hello", "oui", "a", "pour", "moi", "tout", "et",
            "voila", "ceci", "c'est"}
#: At most this many of them: further in, the command word is part of a sentence.
_MAX_FILLERS = 3
#: A line that greets or thanks before the command, on a line of its own.
_GREETING = re.compile(
    r"^(?:bonjour|bonsoir|salut|hello|coucou|madame|monsieur|mesdames|messieurs|cher|chere"
    r"|merci|ok|bien a vous|a tous|a toutes)\b.{0,40}$")
#: Command words that a one-letter slip must not reach ("complete" is a word of its own).
_NOT_SLIPS = {"complete", "completee", "completes", "completees", "accepta", "clone", "close"}
_SLIP_TARGETS = tuple(word for word in COMMANDS if len(word) >= 6)
_YES = {"oui", "yes"}
_NO = {"non", "no"}


@dataclass(frozen=True)
class Suggestion:
    command: str
    argument: str
    comment: str


def suggest_command(trimmed: str) -> Suggestion | None:
    """The command a reply seems to mean when it holds no exact one, None when it means none."""
    if read_command(trimmed)[0] is not None:
        return None
    line, below = _first_and_below(trimmed)
    if not line or _asks(line):
        return None
    found = _near(line, below)
    if found is not None:
        return found
    if _GREETING.match(fold(line)) and below:
        # "Bonjour," then the command on the next line.
        command, argument, comment = read_command(below)
        if command is not None:
            return Suggestion(command, argument, comment)
        second, rest = _first_and_below(below)
        if second and not _asks(second):
            return _near(second, rest)
    return None


def answer(trimmed: str) -> str | None:
    """``oui`` or ``non`` when the reply opens with one of them, else None."""
    line = first_line(trimmed)
    if line is None or line.asks:
        return None
    if line.folded in _YES:
        return "oui"
    return "non" if line.folded in _NO else None


def answer_alone(trimmed: str) -> bool:
    """Whether the reply's first line is nothing but its ``oui`` or ``non``."""
    line = first_line(trimmed)
    return line is not None and answer(trimmed) is not None and not argument_of(line.rest)


def _first_and_below(text: str) -> tuple[str, str]:
    lines = clean_text(text).split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", ""
    return lines[first].strip(), "\n".join(lines[first + 1:]).strip()


def _asks(line: str) -> bool:
    # "Ok reçu ?", "On accepte ?": a question suggests nothing.
    return any(mark in line for mark in "?？¿")


def _near(text: str, below: str) -> Suggestion | None:
    words = list(re.finditer(r"[^\W\d_]+", text))
    for position, word in enumerate(words[:_MAX_FILLERS + 1]):
        folded = fold(word.group(0))
        command = FORMS.get(folded) or _slip(folded)
        if command is not None:
            following = text[word.end():]
            if re.match(r"[-'’][^\W\d_]", following):
                return None
            return Suggestion(command, argument_of(following), below)
        if folded not in _FILLERS or position == _MAX_FILLERS:
            return None
    return None


def _slip(word: str) -> str | None:
    """The command a word misses by one letter (left out, doubled, swapped or mistyped)."""
    if len(word) < 5 or word in _NOT_SLIPS:
        return None
    for target in _SLIP_TARGETS:
        if abs(len(word) - len(target)) <= 1 and word[0] == target[0] and _one_edit(word, target):
            return COMMANDS[target]
    return None


def _one_edit(word: str, target: str) -> bool:
    if len(word) == len(target):
        diff = [index for index, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and word[diff[0]] == target[diff[1]]
                                  and word[diff[1]] == target[diff[0]])
    short, long = sorted((word, target), key=len)
    return any(long[:index] + long[index + 1:] == short for index in range(len(long)))
