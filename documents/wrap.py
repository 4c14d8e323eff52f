"""Cut text into lines that fit a width, measured with the standard PDF fonts' metrics."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Return ``text`` cut into lines no wider than ``width``.

    Lines break between words; a word longer than the width (a long compound name) breaks
    after one of its hyphens when it can, else where it must.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if stringWidth(paragraph, font, size) <= width:
            lines.append(paragraph)  # the usual case, measured once
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while stringWidth(word, font, size) > width:
                cut = _fitting(word, font, size, width)
                hyphen = word.rfind("-", 0, cut)
                cut = hyphen + 1 if hyphen > 0 else cut
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fitting(word: str, font: str, size: float, width: float) -> int:
    """Return how many leading characters of ``word`` fit in ``width`` (at least one)."""
    total = 0.0
    for index, char in enumerate(word):
        total += stringWidth(char, font, size)
        if total > width:
            return max(index, 1)
    return len(word)
