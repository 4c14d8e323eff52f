"""User accounts: create them, and hash passwords with scrypt (memory-hard, in the stdlib)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select

from pipeline.communes import EMAIL, find_commune
from pipeline.context import PipelineContext
from pipeline.model import User
from pipeline.replies.tokens import revoke_user_tokens

ROLES = ("admin", "agent", "operator")
#: scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why, in French."""


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
    """Disable or re-enable an account; disabling revokes its reply addresses at once."""
    email = email.strip().lower()
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            raise AccountError(f"aucun compte pour {email}")
        user.active = active
        if not active:
            # Workers may still notify the account for up to a minute (their cache of who
            # asked for notifications): a reply to such a mail is refused like any other.
            revoke_user_tokens(session, user.id, ctx.clock.now())
