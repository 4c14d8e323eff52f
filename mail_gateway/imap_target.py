"""Where the IMAP poller reads: ``TELEDOSSIER_IMAP_URL`` taken apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"imap": 143, "imap+starttls": 143, "imaps": 993}


@dataclass(frozen=True)
class ImapTarget:
    """Where to read: the parts of ``TELEDOSSIER_IMAP_URL``, user and password decoded."""

    scheme: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @property
    def tls(self) -> bool:
        """TLS from the first byte (``imaps``)."""
        return self.scheme == "imaps"

    @property
    def starttls(self) -> bool:
        return self.scheme == "imap+starttls"

    @property
    def state_key(self) -> str:
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapTarget:
    """``imaps://user:pass@host[:port][/folder]``; the folder defaults to INBOX.

    User, password and folder are percent-decoded. Errors never repeat the URL (its password).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"IMAP URL: unknown scheme {scheme!r} (imap, imaps or imap+starttls)")
    if not parts.hostname:
        raise ValueError("IMAP URL: no host")
    if not parts.username:
        raise ValueError("IMAP URL: no user")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise ValueError("IMAP URL: invalid port") from error
    return ImapTarget(scheme=scheme, host=parts.hostname, port=port,
                      user=unquote(parts.username), password=unquote(parts.password or ""),
                      folder=unquote(parts.path.lstrip("/")) or "INBOX")
