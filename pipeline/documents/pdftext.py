"""Read back the lines our own PDFs show: reportlab's literal strings, their place and font.

Not a general text extractor: it reads what ``pipeline.documents.layout`` writes (WinAnsi literal
strings shown with ``Tj``), which is all the verifier and the tests need.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.documents.layout import BOLD, LABEL_WIDTH, MARGIN, REGULAR, SMALL

#: A font selection, a text position, or a shown string, in content-stream order.
TOKEN = re.compile(
    rb"/(?P<font>[A-Za-z0-9]+)\s+(?P<size>[\d.]+)\s+Tf"
    rb"|(?P<matrix>(?:-?[\d.]+\s+){6})Tm"
    rb"|\((?P<text>(?:\\.|[^\\()])*)\)\s*Tj",
    re.DOTALL,
)
ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)
SIMPLE_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True)
class Shown:
    """One string shown on a page, where and in which font."""

    page: int
    x: float
    y: float
    font: str
    size: float
    text: str


def pages(pdf: bytes | PdfFileReader) -> list[Any]:
    """Return the page dictionaries in order."""
    reader = pdf if isinstance(pdf, PdfFileReader) else PdfFileReader(io.BytesIO(pdf),
                                                                      strict=False)
    found: list[Any] = []
    _walk(reader.root["/Pages"], found)
    return found


def shown_strings(pdf: bytes | PdfFileReader) -> list[Shown]:
    """Return every string shown, page by page, in drawing order."""
    out: list[Shown] = []
    for number, page in enumerate(pages(pdf), start=1):
        resources = _get(page, "/Resources")
        font_dict = _get(resources, "/Font") if resources is not None else None
        fonts = {str(name).lstrip("/"): str(_get(font, "/BaseFont") or "").lstrip("/")
                 for name, font in (font_dict or {}).items()}
        out.extend(_strings(number, _content(page), fonts))
    return out


def page_text(pdf: bytes | PdfFileReader) -> str:
    """Return the shown strings joined by newlines: what a reader of the page sees."""
    return "\n".join(item.text for item in shown_strings(pdf))


def labelled_values(shown: list[Shown]) -> dict[str, str]:
    """Return the value printed after each field label of a ``Sheet`` (see ``Sheet.field``).

    A value's wrapped lines are joined with spaces (compare without them: a long word may have
    been cut); a label on two lines is known by its last line.
    """
    values: dict[str, str] = {}
    label = ""
    for item in shown:
        if abs(item.x - MARGIN) < 0.5 and item.font == REGULAR and item.size == SMALL:
            label = item.text
            values[label] = ""
        elif abs(item.x - (MARGIN + LABEL_WIDTH)) < 0.5 and item.font == BOLD and label:
            values[label] = f"{values[label]} {item.text}".strip()
        else:
            label = ""
    return values


def _get(obj: Any, key: str) -> Any:
    """Return ``obj[key]`` resolved (pyHanko resolves references on indexing), or None."""
    obj = obj.get_object() if hasattr(obj, "get_object") else obj
    if key not in obj:
        return None
    return obj[key]  # indexing resolves a reference, .get() does not


def _walk(node: Any, found: list[Any]) -> None:
    node = node.get_object()
    if _get(node, "/Type") == "/Pages":
        for kid in _get(node, "/Kids"):
            _walk(kid, found)
    else:
        found.append(node)


def _content(page: Any) -> bytes:
    contents = _get(page, "/Contents")
    if contents is None:
        return b""
    streams = contents if isinstance(contents, list) else [contents]
    return b"\n".join(stream.get_object().data for stream in streams)


def _strings(page: int, content: bytes, fonts: dict[str, str]) -> Iterator[Shown]:
    font, size, x, y = "", 0.0, 0.0, 0.0
    for match in TOKEN.finditer(content):
        if match["font"]:
            font, size = fonts.get(match["font"].decode(), match["font"].decode()), float(
                match["size"])
        elif match["matrix"]:
            numbers = [float(n) for n in match["matrix"].split()]
            x, y = numbers[4], numbers[5]
        else:
            raw = ESCAPE.sub(_unescape, match["text"])
            yield Shown(page, x, y, font, size, raw.decode("cp1252", errors="replace"))


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match[1]
    if escaped[:1].isdigit():
        return bytes([int(escaped, 8) & 0xFF])
    return SIMPLE_ESCAPES.get(escaped, escaped)
