"""What the person wrote in a reply, without the quoted mail, signature or client footer.

Kept in the project rather than taken from a library: see the README (« Dépendances ») for the
libraries tried and why. The line markers themselves are in ``markers``.
"""

from __future__ import annotations

import re

from pipeline.mail.replies.folding import clean_text, fold
from pipeline.mail.replies.markers import (
    MAX_MARKER_LENGTH,
    footer_strength,
    is_attribution,
    is_loose_attribution,
    is_separator,
    is_signature,
    may_open_attribution,
    opens_header_block,
    opens_unquoted_original,
)

#: How many lines a client may wrap an attribution over (Gmail wraps long names and addresses).
_ATTRIBUTION_LINES = 3
#: How far below its first line a header block's other lines may be (a long recipient list
#: wraps).
_HEADER_REACH = 6
_INLINE_IMAGE = re.compile(r"^\[cid:[^\]]+\]$")
#: Past this many characters kept, the rest is kept unread: a reply that long is refused for
#: its length anyway (5,000 characters at most reach the other side), and a megabyte of short
#: lines is not worth a marker test each.
MAX_EXAMINED = 50_000
#: Lines of nothing but rules and dashes, left above a cut by some clients.
_DECORATION = re.compile(r"^[\s\-_=*~.·•]*$")


def trim_reply(text: str) -> str:
    """The lines the person wrote: quoted mail, signature and client footer removed."""
    lines = [line.rstrip() for line in clean_text(text).split("\n")]
    folded = _Folded(lines)
    kept: list[str | None] = []  # None stands for removed quoted lines
    index = 0
    examined = 0
    while index < len(lines):
        line = lines[index]
        if is_quoted(line) and not opens_unquoted_original(line):
            kept.append(None)
            index += 1
            continue
        examined += len(line) + 1
        if examined > MAX_EXAMINED:
            kept.extend(lines[index:])
            break
        if opens_unquoted_original(line):
            break
        if _INLINE_IMAGE.match(line.strip()):
            index += 1  # Outlook's stand-in for a picture in its HTML (a signature logo)
            continue
        if _ends_reply(lines, folded, index):
            break
        end = _attribution_end(lines, folded, index)
        if end is not None:
            # Above quoted lines the attribution goes with them and writing may follow below
            # (bottom-posting); above unquoted text it opens the original, which runs to the end.
            if not _quote_follows(lines, end + 1):
                break
            kept.extend([None] * (end + 1 - index))
            index = end + 1
            continue
        kept.append(line)
        index += 1
    return _join(kept)


def is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


class _Folded:
    """The lines folded as markers are compared, each folded once and only when looked at."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.cache: dict[int, str] = {}

    def __getitem__(self, index: int) -> str:
        if index not in self.cache:
            # Markers are short lines: a long one is folded only as far as a marker reaches.
            self.cache[index] = fold(self.lines[index][:MAX_MARKER_LENGTH + 1])
        return self.cache[index]

    def span(self, start: int, end: int) -> list[str]:
        return [self[index] for index in range(start, min(end, len(self.lines)))]


def _ends_reply(lines: list[str], folded: _Folded, index: int) -> bool:
    """Whether the original mail, a signature or a client footer starts at ``lines[index]``."""
    if is_signature(lines[index]):
        return True
    line = folded[index]
    if not line:
        return False
    if is_separator(line) or opens_header_block(folded.span(index, index + _HEADER_REACH)):
        return True
    strength = footer_strength(line)
    # "Envoyé par mail hier, …" may be a sentence: a weak footer counts only when nothing the
    # person wrote follows it.
    return strength == "strong" or (strength == "weak" and not _writing_follows(lines, index + 1))


def _writing_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return not is_quoted(line)
    return False


def _attribution_end(lines: list[str], folded: _Folded, index: int) -> int | None:
    """The last line of an attribution starting at ``lines[index]``, None if none starts there."""
    for end in range(index, min(index + _ATTRIBUTION_LINES, len(lines))):
        if end > index and (not lines[end].strip() or is_quoted(lines[end])
                            or not may_open_attribution(folded[index])):
            return None
        joined = " ".join(folded.span(index, end + 1))
        if is_attribution(joined) or (is_loose_attribution(joined)
                                      and _quote_follows(lines, end + 1)):
            return end
    return None


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return is_quoted(line)
    return False


def _join(kept: list[str | None]) -> str:
    """The kept lines, one blank line where a quoted block was taken out between two paragraphs,
    without the blank or decoration lines a cut leaves at the edges."""
    out: list[str] = []
    gap = False
    for line in kept:
        if line is None:
            gap = True
            continue
        if gap and not line.strip():
            continue
        if gap:
            while out and not out[-1].strip():
                out.pop()
            if out:
                out.append("")
            gap = False
        out.append(line)
    while out and _DECORATION.match(out[-1]):
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out)
