"""Cut text into lines that fit a width, measured with the standard PDF fonts' metrics."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth

#: Widths are summed in the fonts' own units (thousandths of the size): whole numbers for the
#: standard fonts, so adding a line up piece by piece gives exactly what measuring it whole does.
UNITS = 1000


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Return ``text`` cut into lines no wider than ``width``.

    Lines break between words; a word longer than the width (a long compound name) breaks
    after one of its hyphens when it can, else where it must. Every character is measured a
    bounded number of times, so the time grows with the text's length, however long a single
    word is.
    """
    room = width * UNITS / size
    measure = _Meter(font)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if measure(paragraph) <= room:
            lines.append(paragraph)  # the usual case, measured once
            continue
        line, used = "", 0.0
        space = measure(" ")
        for word in paragraph.split(" "):
            size_of_word = measure(word)
            extra = space + size_of_word if line else size_of_word
            if used + extra <= room:
                line, used = (f"{line} {word}" if line else word), used + extra
                continue
            if line:
                lines.append(line)
            if size_of_word > room:
                pieces = _cut(word, measure, room)
                lines.extend(pieces[:-1])
                word = pieces[-1]
                size_of_word = measure(word)
            line, used = word, size_of_word
        lines.append(line)
    return lines


class _Meter:
    """Widths in font units: whole strings measured in C, characters looked up once each."""

    def __init__(self, font: str) -> None:
        self.font = font
        self.widths: dict[str, float] = {}

    def char(self, char: str) -> float:
        found = self.widths.get(char)
        if found is None:
            found = self.widths[char] = stringWidth(char, self.font, UNITS)
        return found

    def __call__(self, text: str) -> float:
        # The standard fonts' widths are whole numbers of units and reportlab adds them up
        # without kerning: the same figure as adding the characters one by one, in C.
        return stringWidth(text, self.font, UNITS)


def _cut(word: str, measure: _Meter, room: float) -> list[str]:
    """Return ``word`` in pieces no wider than ``room``, each ending after a hyphen if it can.

    One pass over the word: a piece grows until the next character would overflow, then ends
    after its last hyphen (that hyphen not being its first character), or right there.
    """
    pieces: list[str] = []
    start, used, hyphen = 0, 0.0, -1
    index = 0
    while index < len(word):
        char = word[index]
        wide = measure.char(char)
        if used + wide > room and index > start:
            end = hyphen + 1 if hyphen > start else index
            pieces.append(word[start:end])
            start, hyphen = end, -1
            used = measure(word[start:index])  # the few characters carried to the next piece
            continue
        if char == "-":
            hyphen = index
        used += wide
        index += 1
    pieces.append(word[start:])
    return pieces
