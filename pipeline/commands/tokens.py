"""API tokens: shown once at creation, kept as a SHA-256, scoped to one commune."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.model import ApiToken

SCOPES = ("submit", "decide")
#: Tokens start with this prefix so that secret scanners recognise them.
PREFIX = "tdk_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, commune_id: int, scopes: tuple[str, ...], at: datetime,
                 label: str = "") -> str:
    """Store a new token and return it in clear, the only time it is known."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"portée inconnue : {', '.join(sorted(unknown)) or '(aucune)'}")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(commune_id=commune_id, token_sha256=token_digest(token),
                         scopes=" ".join(scopes), label=label, created_at=at))
    return token


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its secret, nor its digest."""

    id: int
    commune_id: int
    label: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def _info(token: ApiToken) -> TokenInfo:
    return TokenInfo(token.id, token.commune_id, token.label, tuple(token.scopes.split()),
                     token.created_at, token.revoked_at)


def list_tokens(session: Session, commune_id: int) -> list[TokenInfo]:
    """Every token of a commune, live or revoked, oldest first."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.commune_id == commune_id).order_by(ApiToken.id))
    return [_info(token) for token in tokens]


def revoke_token(session: Session, token_id: int, at: datetime) -> tuple[TokenInfo, bool] | None:
    """Revoke a token for good: (the token, whether this call revoked it), None if unknown.

    A token already revoked keeps its first revocation date. The API looks tokens up on every
    request, so a revoked token is refused from the next request on.
    """
    token = session.get(ApiToken, token_id, with_for_update=True)
    if token is None:
        return None
    revoked_now = token.revoked_at is None
    if revoked_now:
        token.revoked_at = at
        session.flush()
    return _info(token), revoked_now


@dataclass(frozen=True)
class Grant:
    """What a live token allows: its id, its commune, its scopes (space-separated)."""

    id: int
    commune_id: int
    scopes: str


def find_token(session: Session, token: str) -> Grant | None:
    """The live token matching a presented secret, or None (one indexed lookup per request)."""
    table = ApiToken.__table__
    found = session.execute(
        select(table.c.id, table.c.commune_id, table.c.scopes)
        .where(table.c.token_sha256 == token_digest(token), table.c.revoked_at.is_(None))
    ).first()
    return Grant(found.id, found.commune_id, found.scopes) if found else None
