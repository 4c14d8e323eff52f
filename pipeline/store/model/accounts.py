"""Communes and the accounts that act for them or use them: users, citizens, tokens, links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.model.base import Base, Email, NumberKey, Sha256


class Commune(Base):
    """A commune served by this installation, known by its INSEE code."""

    __tablename__ = "communes"

    id: Mapped[NumberKey]
    insee: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The service mailbox that receives every notification.
    agents_email: Mapped[Email]
    #: Whether an RCO dossier must carry a proof of address (communes often ask for one).
    rco_requires_proof_of_address: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CommuneAlias(Base):
    """Another INSEE code that routes to a commune: former codes, arrondissements."""

    __tablename__ = "commune_aliases"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    reason: Mapped[str] = mapped_column(String(40), default="ancien code")


class User(Base):
    """An account: a commune's admin or agent, or an operator of the installation."""

    __tablename__ = "users"

    id: Mapped[NumberKey]
    email: Mapped[Email] = mapped_column(unique=True)
    #: ``admin`` (one per commune), ``agent`` or ``operator``.
    role: Mapped[str] = mapped_column(String(10))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Agents who asked to receive each dossier's notification themselves.
    wants_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The hour (Paris, 0–23) of the agent's daily digest, instead of a mail per dossier; None:
    #: no digest.
    digest_hour: Mapped[int | None] = mapped_column(Integer)
    #: Sessions carry the version they were opened under; logout, a password change or reset,
    #: disabling the account and "end its sessions" raise it, so older cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    commune: Mapped[Commune | None] = relationship()


class CitizenAccount(Base):
    """A citizen's account: verifying the address activates the espace confidentiel."""

    __tablename__ = "citizen_accounts"

    id: Mapped[NumberKey]
    email: Mapped[Email] = mapped_column(unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    #: None until the citizen follows the link mailed at sign-up.
    verified_at: Mapped[datetime | None]
    #: Usual data kept to prefill new forms (name, address…), as the citizen saved them.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Same as ``User.session_version``.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]


class EmailLink(Base):
    """A one-time link sent by mail (address verification, password reset); stored as a digest."""

    __tablename__ = "email_links"

    id: Mapped[NumberKey]
    token_sha256: Mapped[Sha256] = mapped_column(unique=True)
    #: ``verify_email``, ``reset_password``.
    purpose: Mapped[str] = mapped_column(String(20))
    #: ``citizen`` (citizen_accounts) or ``user`` (agents, admins, operators).
    account_kind: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Each failed login, by account and by client, for throttling (kept a day)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[NumberKey]
    #: ``account:<email>`` or ``client:<digest of the address>``.
    key: Mapped[str] = mapped_column(String(340))
    at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token of one commune; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[NumberKey]
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    token_sha256: Mapped[Sha256] = mapped_column(unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    commune: Mapped[Commune] = relationship()

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and scope in self.scopes.split()
