"""Citizens' accounts: sign-up, address verification, login, password reset, logout, usual data.

Nothing here tells whether an address has an account: sign-up and "mot de passe perdu" answer
the same either way, and only the address's owner learns more, by mail. Passwords are hashed
outside any transaction (scrypt takes a while, and SQLite transactions hold the write lock).
A session works while the account's ``session_version`` is the one it was opened under (see
``pipeline.commands.accounts``): logging out and a password reset raise it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.commands.accounts import hash_password, verify_password
from pipeline.commands.login_throttle import clear_failures, login_blocked, record_failure
from pipeline.context import PipelineContext
from pipeline.domain.demarches import FieldError
from pipeline.domain.demarches.base import FieldErrors
from pipeline.domain.demarches.common import clean_email
from pipeline.mail import citizen_mails
from pipeline.mail.links import VALIDITY, issue_link, peek_link, use_link
from pipeline.mail.outbox import queue_mail
from pipeline.store.model import CitizenAccount, EmailLink

MIN_PASSWORD_LENGTH = 10
#: A longer password is no safer, and only costs hashing time.
MAX_PASSWORD_LENGTH = 200
#: Mails carrying a link (verification, reset) per account and hour: no one floods a mailbox.
LINKS_PER_HOUR = 5
ACCOUNT_KIND = "citizen"
VERIFY = "verify_email"
RESET = "reset_password"

BAD_EMAIL = "Indiquez une adresse électronique valide, par exemple nom@exemple.fr."
SHORT_PASSWORD = f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
LONG_PASSWORD = f"Le mot de passe ne peut pas dépasser {MAX_PASSWORD_LENGTH} caractères."
MISMATCH = "La confirmation ne correspond pas au mot de passe."


class InvalidForm(FieldErrors, ValueError):
    """What the person typed cannot be used; ``errors`` says which field and why."""


@dataclass(frozen=True)
class Login:
    """The outcome of a login: the account, or why not."""

    account: CitizenAccount | None = None
    throttled: bool = False


@dataclass(frozen=True)
class Confirmation:
    """The outcome of confirming an address: the account, or why not."""

    account: CitizenAccount | None = None
    link_invalid: bool = False
    wrong_password: bool = False
    throttled: bool = False


def normalize_email(text: str) -> str | None:
    """The address as accounts keep it (lower case), or None when it is not one."""
    address = clean_email(text or "")
    return address.lower() if address else None


def password_errors(password: str, confirmation: str, field: str = "mot_de_passe",
                    confirmation_field: str = "confirmation") -> list[FieldError]:
    """What is wrong with a new password and its confirmation."""
    errors = []
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError(field, SHORT_PASSWORD))
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors.append(FieldError(field, LONG_PASSWORD))
    if confirmation != password:
        errors.append(FieldError(confirmation_field, MISMATCH))
    return errors


def sign_up(ctx: PipelineContext, email_text: str, password: str, confirmation: str) -> str:
    """Create an account and mail its verification link; for a known address, mail that an
    account exists instead. Return the address; InvalidForm when the form is wrong."""
    email = normalize_email(email_text)
    errors = [] if email else [FieldError("email", BAD_EMAIL)]
    errors += password_errors(password, confirmation)
    if errors or email is None:
        raise InvalidForm(errors)
    # Hashed whether or not the account exists: the answer takes as long either way.
    password_hash = hash_password(password)
    now = ctx.clock.now()
    try:
        with ctx.db.transaction() as session:
            account = _by_email(session, email)
            if account is not None:
                _mail_account_exists(session, ctx, account, now)
                return email
            account = CitizenAccount(email=email, password_hash=password_hash, verified_at=None,
                                     profile={}, active=True, created_at=now)
            session.add(account)
            session.flush()
            _mail_link(session, ctx, account, VERIFY, now)
    except IntegrityError:
        pass  # the same address signed up at the same instant: that other sign-up mails it
    return email


def resend_verification(ctx: PipelineContext, account_id: int) -> bool:
    """Mail a new verification link; False when verified already or too many were sent."""
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        account = session.get(CitizenAccount, account_id)
        if account is None or account.verified_at is not None or not account.active:
            return False
        return _mail_link(session, ctx, account, VERIFY, now)


def verification_link_account(ctx: PipelineContext, token: str) -> int | None:
    """The account a verification link still works for, else None (for GET: changes nothing)."""
    with ctx.db.transaction() as session:
        link = _peek(session, token, VERIFY, ctx.clock.now())
        return link.account_id if link is not None else None


def confirm_address(ctx: PipelineContext, token: str, password: str, client: str, *,
                    logged_in_id: int | None = None) -> Confirmation:
    """Verify the address behind the link, which activates the espace confidentiel.

    The account's password is asked unless its owner is logged in: someone who signed up with
    another person's address cannot have that person activate the account for them.
    """
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        link = _peek(session, token, VERIFY, now)
        account = session.get(CitizenAccount, link.account_id) if link is not None else None
        if account is None:
            return Confirmation(link_invalid=True)
        needs_password = account.id != logged_in_id
        if needs_password and login_blocked(session, account.email, client, now):
            return Confirmation(throttled=True)
    if needs_password and not verify_password(password, account.password_hash):
        with ctx.db.transaction() as session:
            record_failure(session, account.email, client, now)
        return Confirmation(wrong_password=True)
    with ctx.db.transaction() as session:
        if use_link(session, token, VERIFY, ACCOUNT_KIND, now) is None:
            return Confirmation(link_invalid=True)  # used meanwhile, by a second click
        account = session.get(CitizenAccount, account.id)
        if account is None:
            return Confirmation(link_invalid=True)
        if account.verified_at is None:
            account.verified_at = now
        clear_failures(session, account.email)
    return Confirmation(account=account)


def log_in(ctx: PipelineContext, email_text: str, password: str, client: str) -> Login:
    """Check the password, with throttling per account and per client address."""
    email = normalize_email(email_text) or email_text.strip().lower()[:320]
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        if login_blocked(session, email, client, now):
            return Login(throttled=True)
        account = _by_email(session, email)
    usable = account is not None and account.active
    # An unknown address costs a hash too: the answer's delay tells nothing.
    stored = account.password_hash if usable and account is not None else _decoy_hash()
    good = verify_password(password, stored) and usable
    with ctx.db.transaction() as session:
        if good:
            clear_failures(session, email)
        else:
            record_failure(session, email, client, now)
    return Login(account=account if good else None)


def request_password_reset(ctx: PipelineContext, email_text: str) -> None:
    """Mail a reset link if an active account has this address; nothing is said either way."""
    email = normalize_email(email_text)
    if email is None:
        raise InvalidForm([FieldError("email", BAD_EMAIL)])
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        account = _by_email(session, email)
        if account is not None and account.active:
            _mail_link(session, ctx, account, RESET, now)


def reset_link_valid(ctx: PipelineContext, token: str) -> bool:
    """Whether a reset link still works (for GET: changes nothing)."""
    with ctx.db.transaction() as session:
        return _peek(session, token, RESET, ctx.clock.now()) is not None


def reset_password(ctx: PipelineContext, token: str, password: str, confirmation: str) -> bool:
    """Set the new password and use up the link; False when the link no longer works.

    The link reached the address, so following it also confirms the address.
    """
    errors = password_errors(password, confirmation)
    if errors:
        raise InvalidForm(errors)  # the link stays usable: the person tries again
    password_hash = hash_password(password)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        if _peek(session, token, RESET, now) is None:
            return False
        link = use_link(session, token, RESET, ACCOUNT_KIND, now)
        account = session.get(CitizenAccount, link.account_id) if link is not None else None
        if account is None or not account.active:
            return False
        account.password_hash = password_hash
        _end_sessions(account)  # whoever had the old password, or a copied cookie, is out
        if account.verified_at is None:
            account.verified_at = now
        clear_failures(session, account.email)
    return True


def end_sessions(ctx: PipelineContext, account_id: int) -> None:
    """End every session of the account (logging out ends them all, a copied cookie's too)."""
    with ctx.db.transaction() as session:
        account = session.get(CitizenAccount, account_id)
        if account is not None:
            _end_sessions(account)


def save_profile(ctx: PipelineContext, account_id: int, profile: dict[str, str]) -> None:
    """Keep the citizen's usual data (non-empty values only) to prefill new forms."""
    kept: dict[str, Any] = {key: value.strip() for key, value in profile.items()
                            if isinstance(value, str) and value.strip()}
    with ctx.db.transaction() as session:
        account = session.get(CitizenAccount, account_id)
        if account is not None:
            account.profile = kept


def _end_sessions(account: CitizenAccount) -> None:
    # Raised by the database, not from a value read earlier: two ends at once both count.
    account.session_version = CitizenAccount.session_version + 1  # type: ignore[assignment]


def _by_email(session: Session, email: str) -> CitizenAccount | None:
    return session.scalar(select(CitizenAccount).where(CitizenAccount.email == email))


def _peek(session: Session, token: str, purpose: str, now: datetime) -> EmailLink | None:
    return peek_link(session, token, purpose, ACCOUNT_KIND, now) if token else None


def _mail_link(session: Session, ctx: PipelineContext, account: CitizenAccount, purpose: str,
               now: datetime) -> bool:
    """Issue a link and mail it, unless the hour's quota for the account is spent."""
    recent = session.scalar(select(func.count()).select_from(EmailLink).where(
        EmailLink.purpose == purpose, EmailLink.account_kind == ACCOUNT_KIND,
        EmailLink.account_id == account.id,
        EmailLink.created_at > now - timedelta(hours=1))) or 0
    if recent >= LINKS_PER_HOUR:
        return False
    token = issue_link(session, purpose, ACCOUNT_KIND, account.id, now)
    base = ctx.settings.public_url
    if purpose == VERIFY:
        subject, body = citizen_mails.verify_address(f"{base}/confirmer-adresse/{token}",
                                                     VALIDITY[VERIFY].days)
    else:
        subject, body = citizen_mails.password_reset(
            f"{base}/nouveau-mot-de-passe/{token}", int(VALIDITY[RESET].total_seconds() // 60))
    queue_mail(session, ctx, cause=f"lien:{hashlib.sha256(token.encode()).hexdigest()[:40]}",
               recipient=account.email, purpose=purpose, subject=subject, body=body,
               sender_name=citizen_mails.SENDER_NAME)
    return True


def _mail_account_exists(session: Session, ctx: PipelineContext, account: CitizenAccount,
                         now: datetime) -> None:
    base = ctx.settings.public_url
    subject, body = citizen_mails.account_exists(f"{base}/connexion",
                                                 f"{base}/mot-de-passe-perdu")
    # One such mail per account and hour at most: the cause names the hour.
    queue_mail(session, ctx, cause=f"compte-existant:{account.id}:{now:%Y%m%d%H}",
               recipient=account.email, purpose="account_exists", subject=subject, body=body,
               sender_name=citizen_mails.SENDER_NAME)


@functools.cache
def _decoy_hash() -> str:
    return hash_password("pas un vrai mot de passe")
