"""Typography out of the way: one kind of space and line end; the folded form lines compare in."""

from __future__ import annotations

import re
import unicodedata

#: Line ends other than LF: CR, vertical tab, form feed, NEL and the Unicode separators.
_LINE_ENDS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
#: Every Unicode space (category Zs: no-break, narrow no-break, thin, em, ideographic…).
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
#: Characters that show nothing: zero-width, joiners, direction marks, soft hyphen, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f"
                               "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
                               "\u2066\u2067\u2068\u2069\ufeff"))
#: Apostrophes and accents typed in place of ' (Word, macOS and phones curl them).
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u02bc\u02b9\uff07\u00b4\u0060"), "'")


def clean_text(text: str) -> str:
    """``text`` with LF line ends, ASCII spaces, no invisible characters, composed accents."""
    text = _LINE_ENDS.sub("\n", text).translate(_INVISIBLE)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text))


def fold(text: str) -> str:
    """Lowercase, accentless, compatibility forms (``：`` is ``:``), straight apostrophes,
    single-spaced: how marker lines and command words are compared."""
    text = text.translate(_APOSTROPHES)
    if text.isascii():  # most lines: nothing to decompose
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())
