"""Generated stamp and signature images for a commune that has not given its own (the demo)."""

from __future__ import annotations

import hashlib
import io
import math
import random
from pathlib import Path

import reportlab
from PIL import Image, ImageDraw, ImageFont

#: Stamp ink: the blue of a mairie's rubber stamp.
INK = (28, 52, 140, 235)
#: Bitstream Vera, shipped with reportlab: it has the accents French names need.
FONT_DIR = Path(reportlab.__file__).parent / "fonts"
STAMP_SIZE = 260
SIGNATURE_SIZE = (420, 150)


def stamp_png(name: str, insee: str) -> bytes:
    """Return a round stamp "MAIRIE DE <name>" with the INSEE code, as a transparent PNG."""
    size = STAMP_SIZE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 5, size - 5), outline=INK, width=6)
    draw.ellipse((22, 22, size - 23, size - 23), outline=INK, width=2)
    lines = ["MAIRIE DE", *_fit_lines(name.upper(), size - 70), f"INSEE {insee}"]
    fonts = [_font(22, bold=True)] + [_font(_name_size(name, size - 70))] * (len(lines) - 2)
    fonts.append(_font(17))
    heights = [_height(draw, line, font) for line, font in zip(lines, fonts, strict=True)]
    y = (size - sum(heights) - 8 * (len(lines) - 1)) / 2
    for line, font, height in zip(lines, fonts, heights, strict=True):
        width = draw.textlength(line, font=font)
        draw.text(((size - width) / 2, y), line, font=font, fill=INK)
        y += height + 8
    return _png(image)


def signature_png(mayor_name: str) -> bytes:
    """Return a pen-drawn looking scribble, the same for the same name, as a transparent PNG."""
    width, height = SIGNATURE_SIZE
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    seed = int.from_bytes(hashlib.sha256(mayor_name.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    waves = [(rng.uniform(8, 26), rng.uniform(0.02, 0.09), rng.uniform(0, math.tau))
             for _ in range(3)]
    points = []
    for step in range(0, 340, 2):
        loop = 18 * math.sin(step * 0.21) * math.cos(step * 0.013)
        wave = sum(a * math.sin(f * step + phase) for a, f, phase in waves)
        points.append((30 + step + 10 * math.cos(step * 0.21), height / 2 + loop + wave / 2))
    draw.line(points, fill=(20, 24, 70, 255), width=4, joint="curve")
    flourish_y = height - 28
    draw.line([(40, flourish_y + 6), (200, flourish_y - 4), (380, flourish_y + 2)],
              fill=(20, 24, 70, 255), width=3, joint="curve")
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No metadata chunk: the same drawing gives the same bytes.
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("VeraBd.ttf" if bold else "Vera.ttf")), size)


def _name_size(name: str, width: int) -> int:
    return 24 if len(name) <= 14 else 19 if len(name) <= 40 else 15


def _fit_lines(name: str, width: int) -> list[str]:
    """Cut a commune name into at most three lines that fit the stamp."""
    font = _font(_name_size(name, width))
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    lines: list[str] = []
    for word in name.replace("-", "- ").split():
        if lines and probe.textlength(f"{lines[-1]} {word}".replace("- ", "-"), font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    lines = [line.replace("- ", "-") for line in lines]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2] + "…"]
    return lines


def _height(draw: ImageDraw.ImageDraw, line: str, font: ImageFont.FreeTypeFont) -> int:
    _, top, _, bottom = draw.textbbox((0, 0), line, font=font)
    return int(bottom - top)
