"""Reply tokens: find the one a reply answers; revoke those that must stop working."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.mail.replies.addresses import token_digest
from pipeline.store.model import ReplyToken

TOKENS = ReplyToken.__table__


def find_reply_token(session: Session, token: str | None,
                     message_ids: Sequence[str] = ()) -> ReplyToken | None:
    """The token named by the reply address, else the one issued with a referenced Message-ID.

    ``message_ids`` come nearest first (In-Reply-To, then References from the last).
    """
    if token:
        found = session.scalar(select(ReplyToken).where(
            ReplyToken.token_sha256 == token_digest(token)))
        if found is not None or not message_ids:
            return found
    for message_id in message_ids:
        found = session.scalar(select(ReplyToken).where(ReplyToken.message_id == message_id))
        if found is not None:
            return found
    return None


def token_problem(token: ReplyToken, at: datetime) -> str | None:
    """Why a known token no longer works, in French; None when it does."""
    if token.revoked_at is not None:
        return "cette adresse de réponse n'est plus valable (dossier clos ou accès retiré)"
    if token.expires_at <= at:
        return "cette adresse de réponse a expiré"
    return None


def revoke_dossier_tokens(session: Session, dossier_id: str, at: datetime) -> None:
    """A closed dossier takes no more replies."""
    session.execute(update(TOKENS).where(TOKENS.c.dossier_id == dossier_id,
                                         TOKENS.c.revoked_at.is_(None)).values(revoked_at=at))


def revoke_user_tokens(session: Session, user_id: int, at: datetime) -> None:
    """An agent who leaves can no longer act through mail already in their mailbox."""
    session.execute(update(TOKENS).where(TOKENS.c.user_id == user_id,
                                         TOKENS.c.revoked_at.is_(None)).values(revoked_at=at))
