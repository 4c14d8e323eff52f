"""Values as a document prints them: blanks for absent data, WinAnsi-safe text, French dates."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime

# One way to write a file size, shared with the pages and the mails.
from pipeline.domain.attachments import size_label as size_label
from pipeline.domain.clock import PARIS

#: What a portal or a spreadsheet writes for "nothing": printed as a blank, never as a word.
ABSENT = frozenset({"", "none", "null", "nan", "undefined", "n/a"})
#: Letters the standard PDF fonts (WinAnsi) lack and that do not decompose to a letter they have.
FALLBACK = str.maketrans({
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    "ŋ": "n", "Ŋ": "N", "ĸ": "k", "ſ": "s", "‐": "-", "‑": "-", "‒": "-", "−": "-",
})
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def blank(value: object) -> str:
    """Return ``value`` as text, or "" when it means nothing (None, "null", NaN, empty...)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else ("oui" if value else "non")
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    text = str(value).strip()
    return "" if text.casefold() in ABSENT else text


def printable(value: object, *, multiline: bool = False) -> str:
    """Return ``value`` as the standard PDF fonts can show it (blank when absent).

    Helvetica's WinAnsi encoding covers French (é, ç, œ, «, ») but not every name a citizen
    may have: a letter outside it is shown without its accent (ő → o) rather than as a box.
    """
    text = blank(value)
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            text = "".join(_winansi(char) for char in text)
    if not text.isprintable():
        text = "".join(char if char.isprintable() or char == "\n" else " " for char in text)
    if multiline:
        return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
    return " ".join(text.split())


def _winansi(char: str) -> str:
    if _encodable(char):
        return char
    folded = "".join(c for c in unicodedata.normalize("NFKD", char)
                     if not unicodedata.combining(c)).translate(FALLBACK)
    return folded if folded and all(_encodable(c) for c in folded) else "?"


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def short_date(day: date | None) -> str:
    """Return 10/03/2026 (blank for None)."""
    return day.strftime("%d/%m/%Y") if day else ""


def long_date(day: date | None) -> str:
    """Return "1er mars 2026", "10 mars 2026" (blank for None)."""
    if day is None:
        return ""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def in_paris(instant: datetime) -> datetime:
    """Return an aware instant in Paris time; a naive one is refused (instants are UTC)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: instants must be timezone-aware")
    return instant.astimezone(PARIS)


def date_and_time(instant: datetime) -> str:
    """Return "10/03/2026 à 14 h 05" in Paris time."""
    local = in_paris(instant)
    return f"{short_date(local.date())} à {local.hour} h {local.minute:02d}"
