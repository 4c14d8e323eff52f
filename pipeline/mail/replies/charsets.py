"""Text out of mail bytes whatever their charset: bodies and RFC 2047 header words."""

from __future__ import annotations

import codecs
from email.header import decode_header

#: Tried in turn after the declared charset: what mail mostly is, then Windows' Western set.
_FALLBACK_CHARSETS = ("utf-8", "cp1252")
_SINGLE_BYTE = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15",
                "windows-1252", "cp1252"}


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
    candidates = [declared] if _known_codec(declared) else []
    for charset in [*candidates, *_FALLBACK_CHARSETS]:
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("latin-1", errors="replace")


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
