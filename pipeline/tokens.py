"""API tokens: shown once at creation, kept as a SHA-256, scoped to one commune."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from pipeline.model import ApiToken

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


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token matching a presented secret, or None."""
    found = session.scalars(select(ApiToken).options(joinedload(ApiToken.commune))
                            .where(ApiToken.token_sha256 == token_digest(token))).one_or_none()
    if found is None or found.revoked_at is not None:
        return None
    return found
