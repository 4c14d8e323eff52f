"""Draw a QR code on a reportlab canvas as one filled path of the dark modules' runs."""

from __future__ import annotations

from collections.abc import Sequence

import segno
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

#: Error correction M (15 % of the code may be lost): printed, folded, photocopied paper.
ERROR = "m"
#: A fixed mask: every mask is valid and every reader decodes it, and trying the eight to score
#: them costs four times the encoding itself (20 ms a code instead of 5 with segno).
MASK = 2
#: Modules of white border every reader needs around the code.
QUIET_ZONE = 4
#: The smallest module a phone reads reliably off paper.
MIN_MODULE = 0.33 * mm


def qr_matrix(content: str) -> Sequence[Sequence[int]]:
    """Return the modules of ``content``'s QR code, row by row (1 = dark)."""
    return segno.make(content, error=ERROR, mask=MASK, micro=False, boost_error=False).matrix


def qr_side(matrix: Sequence[Sequence[int]], at_least: float) -> float:
    """Return the side to draw ``matrix`` at: ``at_least``, more when its modules would be tiny."""
    return max(at_least, (len(matrix) + 2 * QUIET_ZONE) * MIN_MODULE)


def draw_qr(canvas: Canvas, matrix: Sequence[Sequence[int]], x: float, y: float,
            size: float) -> None:
    """Draw ``matrix`` in the square of side ``size`` at (x, y), white border included.

    reportlab's QR widget draws one rectangle object per module (about 20 ms a code); runs of
    dark modules written as one path cost a fraction of that and print the same.
    """
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    operators = []
    for row_index, row in enumerate(matrix):
        start = None
        for column, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                operators.append(f"{start} {-row_index - 1} {column - start} 1 re")
                start = None
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    # In module units from the code's top-left corner: whole numbers, written as they are.
    canvas.translate(x + QUIET_ZONE * module, y + size - QUIET_ZONE * module)
    canvas.scale(module, module)
    canvas.addLiteral("\n".join(operators) + "\nf")
    canvas.restoreState()
