"""An A4 sheet drawn straight on a reportlab canvas: headings, wrapped fields, boxes, pages."""

from __future__ import annotations

import functools
import io

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from pipeline.documents.text import printable
from pipeline.documents.wrap import wrap

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
#: The bottom line under which nothing is drawn but the footer.
BOTTOM = 20 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
#: Field labels take this much of the width; the value wraps in the rest.
LABEL_WIDTH = 58 * mm
REGULAR, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
SIZE, SMALL = 9.5, 8
GREY, LIGHT = (0.35, 0.35, 0.35), (0.9, 0.91, 0.94)
#: Fixed so the same dossier gives the same bytes (reportlab would print its own version).
PRODUCER = "Télédossier"

# Binary streams rather than reportlab's default ASCII85 on top of them: a quarter smaller, and
# encoding ASCII85 costs more than the rest of an image's embedding. A process-wide setting of
# reportlab's, read when a stream is written; nothing in Télédossier wants it otherwise.
rl_config.useA85 = 0


@functools.lru_cache(maxsize=512)
def _label(label: str, width: float) -> tuple[str, ...]:
    """Return a label's lines: the same few labels come back on every document."""
    return tuple(wrap(printable(label), REGULAR, SMALL, width))


class Sheet:
    """A document being drawn top to bottom; a new page starts when the next block would not fit."""

    def __init__(self, *, title: str, author: str, subject: str, footer: str,
                 keywords: str = "") -> None:
        self.buffer = io.BytesIO()
        # invariant=1: no creation date or random id, so a retried stage makes the same bytes.
        self.canvas = Canvas(self.buffer, pagesize=A4, invariant=1, pageCompression=1)
        self.canvas.setTitle(printable(title))
        self.canvas.setAuthor(printable(author))
        self.canvas.setSubject(printable(subject))
        self.canvas.setCreator(PRODUCER)
        self.canvas.setProducer(PRODUCER)
        self.canvas.setKeywords(keywords)
        self.title = printable(title)
        self.footer = printable(footer)
        self.page = 1
        self.y = PAGE_HEIGHT - MARGIN
        self._begin_text()

    # --- flow -----------------------------------------------------------------------------

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` points still fit above the bottom margin."""
        if self.y - height < BOTTOM:
            self._end_page()
            self.page += 1
            self.y = PAGE_HEIGHT - MARGIN
            self.text(MARGIN, self.y - SMALL, f"{self.title} (suite)", ITALIC, SMALL, GREY)
            self.y -= 6 * mm

    def space(self, height: float) -> None:
        self.y -= height

    def finish(self) -> bytes:
        """Close the document and return its bytes."""
        self._end_page()
        self.canvas.save()
        return self.buffer.getvalue()

    def _end_page(self) -> None:
        footer = f"{self.footer} — page {self.page}"
        self.text(MARGIN, 10 * mm, footer, REGULAR, 7, GREY)
        self.canvas.drawText(self._text)
        self.canvas.showPage()
        self._begin_text()

    def _begin_text(self) -> None:
        # One text object per page, its font and colour set only when they change: drawing each
        # line on its own costs reportlab more than the rest of the page.
        self._text = self.canvas.beginText()
        self._font: tuple[str, float] | None = None
        self._color: tuple[float, float, float] | None = None
        self._pen: tuple[tuple[float, float, float], float] | None = None  # a new page resets it

    def _stroke(self, color: tuple[float, float, float], width: float) -> None:
        if self._pen != (color, width):
            self.canvas.setStrokeColorRGB(*color)
            self.canvas.setLineWidth(width)
            self._pen = (color, width)

    # --- drawing --------------------------------------------------------------------------

    def text(self, x: float, y: float, value: str, font: str = REGULAR, size: float = SIZE,
             color: tuple[float, float, float] = (0, 0, 0)) -> None:
        """Draw one line as is: callers pass printable text that fits."""
        if not value:
            return
        if self._font != (font, size):
            self._text.setFont(font, size)
            self._font = (font, size)
        if self._color != color:
            self._text.setFillColorRGB(*color)
            self._color = color
        self._text.setTextOrigin(x, y)
        self._text.textOut(value)

    def lines(self, x: float, value: str, width: float, font: str = REGULAR,
              size: float = SIZE, *, center: bool = False) -> None:
        """Draw ``value`` wrapped in ``width`` from the cursor down, the cursor following."""
        leading = size * 1.25
        for line in wrap(printable(value, multiline=True), font, size, width):
            self.ensure(leading)
            self.y -= leading
            left = x + (width - stringWidth(line, font, size)) / 2 if center else x
            self.text(left, self.y + size * 0.22, line, font, size)

    def heading(self, value: str, size: float = 14) -> None:
        self.lines(MARGIN, value, WIDTH, BOLD, size, center=True)

    def paragraph(self, value: str, size: float = SIZE, font: str = REGULAR) -> None:
        self.lines(MARGIN, value, WIDTH, font, size)
        self.space(1.5 * mm)

    def section(self, title: str) -> None:
        """A shaded band with the section's title; it never sits alone at a page's foot."""
        self.ensure(16 * mm)
        self.space(3 * mm)
        self.canvas.setFillColorRGB(*LIGHT)
        self.canvas.rect(MARGIN, self.y - 6 * mm, WIDTH, 6 * mm, stroke=0, fill=1)
        self.text(MARGIN + 2 * mm, self.y - 4.2 * mm, printable(title), BOLD, 10)
        self.space(7.5 * mm)

    def field(self, label: str, value: str | list[str]) -> None:
        """A label on the left and its value wrapped on the right; a missing value stays blank."""
        values = [v for v in (value if isinstance(value, list) else [value]) if v]
        label_lines = _label(label, LABEL_WIDTH - 3 * mm)
        value_width = WIDTH - LABEL_WIDTH
        value_lines = [line for v in values
                       for line in wrap(printable(v, multiline=True), BOLD, SIZE, value_width)]
        leading = SIZE * 1.3
        rows = max(len(label_lines), len(value_lines), 1)
        if rows * leading > PAGE_HEIGHT - MARGIN - BOTTOM - 12 * mm:
            # Longer than a page: no room to keep it whole, let it flow line by line.
            for line in label_lines:
                self.lines(MARGIN, line, LABEL_WIDTH, REGULAR, SMALL)
            for line in value_lines:
                self.lines(MARGIN + LABEL_WIDTH, line, value_width, BOLD, SIZE)
            return
        self.ensure(rows * leading + 2 * mm)
        top = self.y
        for index, line in enumerate(label_lines):
            self.text(MARGIN, top - (index + 1) * leading + 2, line, REGULAR, SMALL, GREY)
        for index, line in enumerate(value_lines):
            self.text(MARGIN + LABEL_WIDTH, top - (index + 1) * leading + 2, line, BOLD, SIZE)
        self.y = top - rows * leading - 1.2 * mm
        self._stroke(LIGHT, 0.5)
        self.canvas.line(MARGIN + LABEL_WIDTH, self.y + 0.8 * mm, MARGIN + WIDTH, self.y + 0.8 * mm)

    def choices(self, label: str, options: list[tuple[str, bool]]) -> None:
        """Tick boxes in rows after a label, the chosen ones ticked: the form's own questions."""
        start, right = MARGIN + LABEL_WIDTH, MARGIN + WIDTH
        placed, x, row = [], start, 0
        for option, ticked in options:
            shown = wrap(printable(option), REGULAR, SIZE, right - start - 5 * mm)[0]
            width = 4.5 * mm + stringWidth(shown, REGULAR, SIZE) + 5 * mm
            if x + width > right and x > start:
                x, row = start, row + 1
            placed.append((x, row, shown, ticked))
            x += width
        label_lines = _label(label, LABEL_WIDTH - 3 * mm)
        leading = SIZE * 1.5
        rows = max(row + 1, len(label_lines))
        self.ensure(rows * leading + 2 * mm)
        top = self.y
        for index, line in enumerate(label_lines):
            self.text(MARGIN, top - (index + 1) * leading + 2, line, REGULAR, SMALL, GREY)
        for x, row, shown, ticked in placed:
            baseline = top - (row + 1) * leading + 2
            self._box(x, baseline, ticked)
            self.text(x + 4.5 * mm, baseline, shown, REGULAR, SIZE)
        self.y = top - rows * leading - 1.2 * mm

    def _box(self, x: float, y: float, ticked: bool) -> None:
        self._stroke((0, 0, 0), 0.6)
        self.canvas.rect(x, y - 0.6 * mm, 3.2 * mm, 3.2 * mm, stroke=1, fill=0)
        if ticked:
            self.canvas.setFillColorRGB(0, 0, 0)
            self.canvas.rect(x + 0.7 * mm, y + 0.1 * mm, 1.8 * mm, 1.8 * mm, stroke=0, fill=1)
