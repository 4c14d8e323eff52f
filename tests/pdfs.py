"""PDFs written byte by byte for the tests: benign ones, and hostile ones as an abuser builds them.

``pdf()`` writes a document whose objects may sit in an object stream encoded with any chain of
standard filters, found through a cross-reference stream, as PDF 1.5 writers do.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence

from pipeline.domain.attachments import check_file

#: The catalog and one empty page: objects 1, 2 and 3 of every document here.
CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PAGES = {2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
         3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"}
#: The smallest PDF a viewer opens: one page, no cross-reference table (viewers rebuild it).
ONE_PAGE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def stored(content: bytes) -> bytes:
    """What the attachment check stores for ``content``: the PDF rewritten."""
    return check_file("scan.pdf", content, len(content), fallback="piece").content


def pdf(objects: dict[int, bytes], packed: dict[int, bytes] | None = None,
        filters: Sequence[str] = ("FlateDecode",), *, predictor: bool = False,
        encoded: bytes | None = None) -> bytes:
    """A PDF of ``objects`` (numbered), ``packed`` ones in an object stream under ``filters``
    (or given ready ``encoded``), found through a cross-reference stream."""
    packed = packed or {}
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    size = max([*objects, *packed]) + 1
    container = size
    if packed:
        size += 1
        heads, bodies = [], b""
        for number, body in packed.items():
            heads.append(b"%d %d" % (number, len(bodies)))
            bodies += body + b"\n"
        head = b" ".join(heads) + b"\n"
        data, parameters = encode(head + bodies, filters, predictor=predictor)
        if encoded is not None:
            data = encoded
        offsets[container] = len(out)
        out += (b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter[%s]%s/Length %d>>stream\n"
                % (container, len(packed), len(head),
                   b" ".join(b"/" + name.encode() for name in filters), parameters, len(data))
                + data + b"\nendstream\nendobj\n")
    xref = size
    size += 1
    offsets[xref] = len(out)
    rows = b""
    for number in range(size):
        if number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        elif number in packed:
            rows += b"\x02" + container.to_bytes(4, "big") + list(packed).index(number).to_bytes(
                2, "big")
        else:
            rows += b"\x00\x00\x00\x00\x00\xff\xff"
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>stream\n"
            % (xref, size, len(rows)) + rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % offsets[xref])
    return bytes(out)


def with_catalog(catalog: bytes, packed: dict[int, bytes] | None = None,
                 filters: Sequence[str] = ("FlateDecode",), **options: object) -> bytes:
    """One page, the given catalog, other objects packed in an object stream."""
    return pdf({1: catalog, **PAGES}, packed, filters, **options)  # type: ignore[arg-type]


def update(base: bytes, objects: dict[int, bytes]) -> bytes:
    """``base`` and an incremental update replacing or adding ``objects`` (classic xref)."""
    out = bytearray(base)
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    previous = int(base[base.rindex(b"startxref") + 9:].split()[0])
    start = len(out)
    out += b"xref\n"
    for number, offset in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    size = max([*offsets, 10]) + 1
    out += (b"trailer\n<</Size %d/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n"
            % (size, previous, start))
    return bytes(out)


def encode(data: bytes, filters: Sequence[str], *, predictor: bool = False) -> tuple[bytes,
                                                                                       bytes]:
    """``data`` encoded so that decoding with ``filters`` in order gives it back; and the
    ``/DecodeParms`` entry (a PNG predictor on the Flate step when asked)."""
    parameters = b""
    for name in reversed(filters):
        if name == "FlateDecode" and predictor:
            data = zlib.compress(_png_up_rows(data, 16))
            parameters = (b"/DecodeParms[" + b" ".join(
                b"<</Predictor 12/Columns 16>>" if f == "FlateDecode" else b"null"
                for f in filters) + b"]")
        else:
            data = ENCODERS[name](data)
    return data, parameters


def _png_up_rows(data: bytes, columns: int) -> bytes:
    """PNG "Up" predictor rows (type 2), the last row padded with spaces."""
    data += b" " * (-len(data) % columns)
    rows, above = [], bytes(columns)
    for start in range(0, len(data), columns):
        row = data[start:start + columns]
        rows.append(b"\x02" + bytes((b - a) % 256 for b, a in zip(row, above, strict=True)))
        above = row
    return b"".join(rows)


def _lzw(data: bytes) -> bytes:
    """LZW as PDF's LZWDecode reads it (codes of 9 to 12 bits, EarlyChange 1)."""
    codes, table, word = [256], _lzw_table(), b""
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        codes.append(table[word])
        table[candidate] = len(table) + 2  # 256 and 257 are the clear and end codes
        word = bytes([byte])
        if len(table) + 2 >= 4000:
            codes.append(256)
            table = _lzw_table()
    return _lzw_pack([*codes, *([table[word]] if word else []), 257])


def lzw_bomb(decoded_bytes: int, prefix: bytes = b"") -> bytes:
    """``prefix``, then LZW codes that each repeat the last run of zeros one byte longer:
    about 8 MB per 6 kB."""
    block = [256, 0, *range(258, 4000)]
    per_block = sum(range(1, 4000 - 256))
    return _lzw_pack([256, *prefix, *block * (decoded_bytes // per_block + 1), 257])


def _lzw_table() -> dict[bytes, int]:
    return {bytes([i]): i for i in range(256)}


def _lzw_pack(codes: list[int]) -> bytes:
    """The codes in as many bits as the reader expects: it widens one entry ahead."""
    bits, count, out = 0, 0, bytearray()
    width, entries, first = 9, 258, True
    for code in codes:
        bits, count = (bits << width) | code, count + width
        while count >= 8:
            count -= 8
            out.append((bits >> count) & 0xFF)
        bits &= (1 << count) - 1
        if code == 256:
            width, entries, first = 9, 258, True
            continue
        if not first:
            entries += 1
        first = False
        if entries + 1 >= 1 << width and width < 12:
            width += 1
    if count:
        out.append((bits << (8 - count)) & 0xFF)
    return bytes(out)


def _run_length(data: bytes) -> bytes:
    out = bytearray()
    for start in range(0, len(data), 128):
        chunk = data[start:start + 128]
        out += bytes([len(chunk) - 1]) + chunk
    return bytes(out + b"\x80")


ENCODERS = {
    "FlateDecode": zlib.compress,
    "ASCIIHexDecode": lambda data: data.hex().encode() + b">",
    "ASCII85Decode": lambda data: base64.a85encode(data) + b"~>",
    "LZWDecode": _lzw,
    "RunLengthDecode": _run_length,
}
