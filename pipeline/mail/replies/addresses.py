"""The addresses and Message-IDs the gateway hands out, and how to read a token back from them.

- ``reponse+<token>@<mail domain>``: the Reply-To of a mail that accepts replies. The token is
  random, 16 characters of lowercase base32 (80 bits; mail servers fold case, a local part holds
  64 octets), stored only as its SHA-256 with its dossier, recipient, expiry and revocation.
- ``rebond+<mail id>@<mail domain>``: the envelope sender (Return-Path) of every mail, so a
  delivery status notification names the mail it is about.
- ``<td.<reference>.<digest>@<mail domain>``: the Message-ID of every mail, fixed by its row. It
  carries no secret: a reply that lost its To (a client that answered the commune's own address)
  is matched to its token through ``In-Reply-To``/``References``, by the Message-ID the token was
  issued with.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
TOKEN_LENGTH = 16
REPLY_PREFIX = "reponse+"
BOUNCE_PREFIX = "rebond+"
_TOKEN = f"[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}"
_MAIL_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def token_digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def reply_address(token: str, domain: str) -> str:
    return f"{REPLY_PREFIX}{token}@{domain}"


def bounce_address(mail_id: str, domain: str) -> str:
    return f"{BOUNCE_PREFIX}{mail_id}@{domain}"


def message_id(reference: str, discriminator: str, domain: str) -> str:
    """The Message-ID of a mail: the same inputs give the same identifier."""
    digest = hashlib.sha256(discriminator.encode()).hexdigest()[:12]
    return f"<td.{reference.lower()}.{digest}@{domain}>"


def token_from_address(address: str, domain: str) -> str | None:
    """The token of ``reponse+<token>@domain`` (any case), None for any other address."""
    found = re.fullmatch(rf"{re.escape(REPLY_PREFIX)}({_TOKEN})@{re.escape(domain.lower())}",
                         address.strip().strip("<>").lower())
    return found.group(1) if found else None


def mail_id_from_bounce_address(address: str, domain: str) -> str | None:
    """The mail id of ``rebond+<id>@domain``, None for any other address."""
    found = re.fullmatch(rf"{re.escape(BOUNCE_PREFIX)}({_MAIL_ID})@{re.escape(domain.lower())}",
                         address.strip().strip("<>").lower())
    return found.group(1) if found else None


def our_message_id(value: str, domain: str) -> str | None:
    """One of our Message-IDs in its canonical form (``<…>``, lowercase), None for anyone else's."""
    found = re.fullmatch(rf"<?(td\.[a-z0-9-]+\.[0-9a-f]{{12}}@{re.escape(domain.lower())})>?",
                         value.strip().lower())
    return f"<{found.group(1)}>" if found else None


def is_gateway_address(address: str, domain: str) -> bool:
    """Addresses the inbound SMTP server accepts: replies, bounces and postmaster."""
    lowered = address.strip().strip("<>").lower()
    return (token_from_address(lowered, domain) is not None
            or mail_id_from_bounce_address(lowered, domain) is not None
            or lowered in ("postmaster", f"postmaster@{domain.lower()}"))
