"""User accounts: create them, disable them, set their password by a mailed link, end their
sessions; passwords hashed with scrypt (memory-hard, in the stdlib).

A session works while the account's ``session_version`` is the one it was opened under: raising
it ends every session of the account at once, a copied cookie's included.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.commands.communes import EMAIL, find_commune
from pipeline.commands.login_throttle import clear_failures
from pipeline.context import PipelineContext
from pipeline.mail.agent_mails import PURPOSE as RESET_PURPOSE
from pipeline.mail.links import peek_link, use_link
from pipeline.mail.replies.tokens import revoke_user_tokens
from pipeline.store.model import User

ROLES = ("admin", "agent", "operator")
#: scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why, in French."""


class Reset(enum.Enum):
    """What became of a password chosen through a mailed link."""

    DONE = "done"
    LINK_INVALID = "link_invalid"
    DISABLED = "disabled"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=32)
    salt_text, digest_text = (base64.b64encode(v).decode() for v in (salt, digest))
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt_text}${digest_text}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                  r=int(r), p=int(p), maxmem=64 * 1024 * 1024, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def create_user(ctx: PipelineContext, *, email: str, role: str, commune_insee: str | None,
                password: str | None = None) -> tuple[User, str]:
    """Create an account and return it with its password (generated when not given)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"rôle inconnu « {role} » (attendu : {', '.join(ROLES)})")
    if not EMAIL.match(email):
        raise AccountError(f"adresse électronique invalide : « {email} »")
    if role != "operator" and not commune_insee:
        raise AccountError("un administrateur ou un agent appartient à une commune (--commune)")
    commune_id = find_commune(ctx, commune_insee).id if commune_insee else None
    password = password or secrets.token_urlsafe(12)
    with ctx.db.transaction() as session:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise AccountError(f"un compte existe déjà pour {email}")
        if role == "admin" and session.scalar(select(User.id).where(
                User.role == "admin", User.commune_id == commune_id)) is not None:
            raise AccountError("cette commune a déjà son compte administrateur")
        user = User(email=email, role=role, commune_id=commune_id,
                    password_hash=hash_password(password), active=True,
                    wants_notifications=False, created_at=ctx.clock.now())
        session.add(user)
    return user, password


def set_active(ctx: PipelineContext, email: str, *, active: bool) -> None:
    """Disable or re-enable an account; disabling ends its sessions and revokes its reply
    addresses at once."""
    with ctx.db.transaction() as session:
        user = _by_email(session, email)
        user.active = active
        if not active:
            # Ended, not only refused while disabled: re-enabling must not revive them.
            _end_sessions(user)
            # Workers may still notify the account for up to a minute (their cache of who
            # asked for notifications): a reply to such a mail is refused like any other.
            revoke_user_tokens(session, user.id, ctx.clock.now())


def end_sessions(ctx: PipelineContext, email: str) -> None:
    """End every session of the account (logout, or its admin's « Fermer ses sessions »)."""
    with ctx.db.transaction() as session:
        _end_sessions(_by_email(session, email))


def reset_password(ctx: PipelineContext, token: str, password: str) -> Reset:
    """Set the password of the mailed link's account and use the link up; the sessions opened
    before end (whoever had the old password, or a copied cookie, is out)."""
    # Hashing is slow on purpose: done before the transaction, not while holding it.
    password_hash = hash_password(password)
    with ctx.db.transaction() as session:
        now = ctx.clock.now()
        if peek_link(session, token, RESET_PURPOSE, "user", now) is None:
            return Reset.LINK_INVALID
        link = use_link(session, token, RESET_PURPOSE, "user", now)
        if link is None:
            return Reset.LINK_INVALID  # used meanwhile, by a second click
        user = session.get(User, link.account_id)
        if user is None or not user.active:
            return Reset.DISABLED
        user.password_hash = password_hash
        _end_sessions(user)
        clear_failures(session, user.email)
    return Reset.DONE


def _by_email(session: Session, email: str) -> User:
    email = email.strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise AccountError(f"aucun compte pour {email}")
    return user


def _end_sessions(user: User) -> None:
    # Raised by the database, not from a value read earlier: two ends at once both count.
    user.session_version = User.session_version + 1  # type: ignore[assignment]
