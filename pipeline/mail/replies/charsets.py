"""Text out of mail bytes whatever their charset: bodies and RFC 2047 header words."""

from __future__ import annotations

import codecs
from email.header import decode_header

#: Tried in turn after the declared charset: what mail mostly is, then Windows' Western set.
_FALLBACK_CHARSETS = ("utf-8", "cp1252")
#: Labels whose text is Windows-1252 in practice: Windows clients label their text Latin-1 and
#: write curly apostrophes, « … », "…" and "€" in 0x80–0x9F, where Latin-1 has control
#: characters. Browsers read these labels so too (WHATWG Encoding Standard).
_READ_AS_WINDOWS_1252 = {"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin-1",
                         "latin1", "l1", "cp819", "ibm819"}
_SINGLE_BYTE = {*_READ_AS_WINDOWS_1252, "iso-8859-15", "latin-9", "windows-1252", "cp1252"}
#: Latin-1's control characters 0x80–0x9F as Windows-1252 reads the same bytes; the five bytes
#: it leaves undefined stay as they are.
_C1_AS_WINDOWS_1252 = {
    byte: bytes([byte]).decode("cp1252") for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def decode_text(payload: bytes, declared: str | None) -> str:
    """``payload`` as text: its declared charset, else UTF-8, else Windows-1252, else Latin-1
    (which maps every byte, so decoding never fails)."""
    declared = (declared or "").strip().strip("\"'").lower()
    # A message labelled Latin-1 or ASCII whose bytes form valid non-ASCII UTF-8 was written in
    # UTF-8 by a client that mislabelled it: Western text in Latin-1 almost never forms UTF-8.
    if declared in _SINGLE_BYTE and not payload.isascii():
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if declared in _READ_AS_WINDOWS_1252:
        return payload.decode("latin-1").translate(_C1_AS_WINDOWS_1252)
    candidates = [declared] if _known_codec(declared) else []
    for charset in [*candidates, *_FALLBACK_CHARSETS]:
        try:
            text = payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
        # The other ISO-8859 sets have the same control characters there, typed the same way.
        return text.translate(_C1_AS_WINDOWS_1252) if charset.startswith("iso") else text
    return payload.decode("latin-1").translate(_C1_AS_WINDOWS_1252)


def _known_codec(name: str) -> bool:
    if not name:
        return False
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def decoded_header(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded, whatever their charset."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:  # a malformed encoded word: keep the value as written
        return value
    # Unencoded stretches come back as bytes escaped with raw-unicode-escape, which undoes them.
    return "".join(chunk if isinstance(chunk, str)
                   else chunk.decode("raw-unicode-escape") if charset is None
                   else decode_text(chunk, charset)
                   for chunk, charset in chunks)
