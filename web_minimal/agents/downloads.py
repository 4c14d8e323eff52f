"""An export sent to the browser: CSV streamed as it is read, XLSX from a temporary file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

from flask import Response

from pipeline.documents.spreadsheets import csv_chunks, write_xlsx
from pipeline.ops.exports import Export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Bytes read from the XLSX file per piece of the answer.
PIECE = 64 * 1024


def _attachment(response: Response, filename: str) -> Response:
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    # Personal data: a shared cache must not keep it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def csv_download(export: Export, filename: str) -> Response:
    """The CSV, sent chunk by chunk while the rows are read."""
    return _attachment(Response(csv_chunks(export.columns, export.rows()),
                                mimetype="text/csv", content_type="text/csv; charset=utf-8"),
                       filename)


def xlsx_download(export: Export, filename: str) -> Response:
    """The XLSX, written to a temporary file (it is a ZIP: complete before it is sent)."""
    handle, path = tempfile.mkstemp(prefix="teledossier-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, export.columns, export.rows())
        size = os.path.getsize(path)
    except BaseException:
        os.unlink(path)
        raise
    response = Response(_pieces(path), mimetype=XLSX)
    response.headers["Content-Length"] = str(size)
    return _attachment(response, filename)


def _pieces(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as file:
            while piece := file.read(PIECE):
                yield piece
    finally:
        os.unlink(path)
