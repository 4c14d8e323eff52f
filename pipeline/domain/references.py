"""Dossier references: ``TD-`` + 8 random Crockford base32 symbols + a check symbol.

The check symbol is Luhn mod 32 over the body: it catches every single mistyped symbol and
almost every swap of two neighbours, and, unlike Crockford's own mod-37 symbols (``*~$=U``), it
stays a letter or digit that reads well on the phone and in a URL.
"""

from __future__ import annotations

import re
import secrets

#: Crockford's base32 alphabet (no I, L, O, U).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"^TD-([0-9A-HJKMNP-TV-Z]{8})([0-9A-HJKMNP-TV-Z])$")
#: The national service's numbers look like ``A-9-NKT2G5KB``.
NATIONAL_PATTERN = re.compile(r"^[A-Z]-\d+-[0-9A-Z]{6,12}$")


def new_reference() -> str:
    """Return a fresh random reference (40 random bits: not enumerable)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"TD-{body}{check_symbol(body)}"


def check_symbol(body: str) -> str:
    """Luhn mod 32: double every other symbol from the right, fold, and complete to 32."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = ALPHABET.index(char)
        if position % 2 == 0:
            value *= 2
            value = value // 32 + value % 32
        total += value
    return ALPHABET[(32 - total % 32) % 32]


def normalize_reference(text: str) -> str | None:
    """Return the canonical form of a typed reference, or None when it is not one.

    People type references by hand: case is ignored, O reads as 0 and I or L as 1.
    """
    candidate = text.strip().upper().replace(" ", "")
    if candidate.startswith("TD") and not candidate.startswith("TD-"):
        candidate = "TD-" + candidate[2:]
    if not candidate.startswith("TD-") or len(candidate) != 12:
        return None
    candidate = "TD-" + candidate[3:].translate(str.maketrans("OIL", "011"))
    match = PATTERN.match(candidate)
    if not match or check_symbol(match.group(1)) != match.group(2):
        return None
    return candidate
