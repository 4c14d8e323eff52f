"""Login throttling: too many failures for an account or from a client, and logins wait.

Counted in the database, so every web process of the installation sees the same failures.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from pipeline.store.model import LoginAttempt

#: Failures counted over this window.
WINDOW = timedelta(minutes=15)
#: An account takes this many failures in the window, then refuses logins until it passes.
PER_ACCOUNT = 5
#: A client address (a shared office connection counts once) takes this many.
PER_CLIENT = 30


def client_key(address: str) -> str:
    """What is kept of a client address: a short digest, never the address."""
    return "client:" + hashlib.sha256(address.encode()).hexdigest()[:16]


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()


def login_blocked(session: Session, email: str, address: str, now: datetime) -> bool:
    """True while the account or the client has had too many recent failures."""
    since = now - WINDOW

    def failures(key: str) -> int:
        return session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.key == key, LoginAttempt.at > since)) or 0
    return (failures(account_key(email)) >= PER_ACCOUNT
            or failures(client_key(address)) >= PER_CLIENT)


def record_failure(session: Session, email: str, address: str, now: datetime) -> None:
    session.execute(insert(LoginAttempt.__table__), [
        {"key": account_key(email), "at": now}, {"key": client_key(address), "at": now}])
    # Old rows are of no use: a day is kept for whoever looks into an attack.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))


def clear_failures(session: Session, email: str) -> None:
    """A successful login forgets the account's failures (not the client's)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == account_key(email)))
