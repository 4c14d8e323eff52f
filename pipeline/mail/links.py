"""One-time links sent by mail (verify an address, reset a password): random, stored hashed,
expiring, used once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.store.model import EmailLink

#: How long a link works.
VALIDITY = {"verify_email": timedelta(days=7), "reset_password": timedelta(hours=1)}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, purpose: str, account_kind: str, account_id: int,
               now: datetime) -> str:
    """A new token for the link; earlier unused links of the same purpose stop working."""
    session.execute(update(EmailLink).where(
        EmailLink.purpose == purpose, EmailLink.account_kind == account_kind,
        EmailLink.account_id == account_id, EmailLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(EmailLink(token_sha256=_digest(token), purpose=purpose,
                          account_kind=account_kind, account_id=account_id, created_at=now,
                          expires_at=now + VALIDITY[purpose]))
    return token


def peek_link(session: Session, token: str, purpose: str, kind: str,
              now: datetime) -> EmailLink | None:
    """The link if it still works (GET shows a form and changes nothing), else None.

    ``kind`` is the kind of account the page serves: a citizen's link never opens an agent's
    page, nor the reverse (both live in this table).
    """
    link = session.scalar(select(EmailLink).where(EmailLink.token_sha256 == _digest(token),
                                                  EmailLink.purpose == purpose,
                                                  EmailLink.account_kind == kind))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use_link(session: Session, token: str, purpose: str, kind: str,
             now: datetime) -> EmailLink | None:
    """Consume the link (POST); None when unknown, used, expired or another kind's."""
    link = peek_link(session, token, purpose, kind, now)
    if link is not None:
        link.used_at = now
    return link
