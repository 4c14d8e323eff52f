"""Tables as files a French spreadsheet opens with a double click: CSV and XLSX, row by row.

Neither writer holds the rows: the CSV comes out as chunks of bytes while the rows are read,
the XLSX goes to a file through XlsxWriter's ``constant_memory`` mode (each row is written to a
temporary file as soon as it is complete). Values keep their type in the XLSX (dates and
instants as dates, with a French format); the CSV writes them as French people read them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import IO, Any

from pipeline.domain.clock import PARIS

#: Rows written per CSV chunk handed to the caller.
CSV_CHUNK_ROWS = 500
#: What a spreadsheet would take for a formula at the start of a cell: such text gets a
#: leading apostrophe in the CSV (the XLSX writes every text as text).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    TEXT = "text"
    DAY = "day"
    INSTANT = "instant"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.TEXT
    #: Width in characters in the XLSX.
    width: int = 16


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with BOM, « ; » between values, CRLF line ends: what Excel opens as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.title for column in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(value, column.kind)
                         for value, column in zip(row, columns, strict=True)])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _csv_value(value: Any, kind: Kind) -> str:
    if value is None or value == "":
        return ""
    if kind is Kind.INSTANT:
        return f"{value.astimezone(PARIS):%d/%m/%Y %H:%M}"
    if kind is Kind.DAY:
        return f"{value:%d/%m/%Y}"
    if kind is Kind.NUMBER:
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_xlsx(target: str | IO[bytes], columns: Sequence[Column],
               rows: Iterable[Sequence[Any]], *, sheet: str = "Dossiers") -> int:
    """Write the rows to an XLSX: typed columns, frozen header row, filters; the row count."""
    import xlsxwriter  # loaded when an XLSX is asked for

    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False})
    try:
        sheet_ = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E3E3FD", "text_wrap": True,
                                    "valign": "top"})
        formats = {Kind.DAY: workbook.add_format({"num_format": "dd/mm/yyyy"}),
                   Kind.INSTANT: workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})}
        for index, column in enumerate(columns):
            sheet_.set_column(index, index, column.width, formats.get(column.kind))
            sheet_.write_string(0, index, column.title, bold)
        sheet_.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, (value, column) in enumerate(zip(row, columns, strict=True)):
                _xlsx_cell(sheet_, count, index, value, column.kind, formats)
        sheet_.autofilter(0, 0, max(count, 1), len(columns) - 1)
    finally:
        workbook.close()
    return count


def _xlsx_cell(sheet: Any, row: int, col: int, value: Any, kind: Kind,
               formats: dict[Kind, Any]) -> None:
    if value is None or value == "":
        return
    if kind is Kind.INSTANT:
        # Spreadsheets know no time zones: the Paris wall-clock time, as the pages show it.
        sheet.write_datetime(row, col, value.astimezone(PARIS).replace(tzinfo=None),
                             formats[kind])
    elif kind is Kind.DAY:
        sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time())
                             if isinstance(value, date) else value, formats[kind])
    elif kind is Kind.NUMBER:
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
