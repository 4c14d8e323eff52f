"""Mails to agents about their account: the password reset link, the welcome of a new account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.mail.links import VALIDITY, issue_link
from pipeline.mail.outbox import queue_mail
from pipeline.mail.wording import SIGNATURE, letter
from pipeline.store.model import Commune, EmailLink, User, new_id

PURPOSE = "reset_password"
TEAM = "L'équipe « Suivi des démarches en ligne »"


def password_link(ctx: PipelineContext, token: str) -> str:
    """The page where an agent chooses a password (GET shows the form, POST sets it)."""
    return f"{ctx.settings.public_url}/gestion/nouveau-mot-de-passe/{token}"


def login_link(ctx: PipelineContext) -> str:
    return f"{ctx.settings.public_url}/gestion/connexion"


def validity_text(validity: timedelta = VALIDITY[PURPOSE]) -> str:
    """« une heure », « 2 heures », « 7 jours »: how long a link works, in words."""
    if validity.days:
        return "un jour" if validity.days == 1 else f"{validity.days} jours"
    hours = max(1, round(validity.total_seconds() / 3600))
    return "une heure" if hours == 1 else f"{hours} heures"


def password_reset(link: str, login: str) -> tuple[str, str]:
    return "Gestionnaire de suivi : choisir un nouveau mot de passe", letter(
        "Une demande de nouveau mot de passe a été faite pour votre compte du Gestionnaire de "
        f"suivi. Pour choisir votre nouveau mot de passe, ouvrez ce lien :\n{link}",
        f"Ce lien fonctionne une seule fois, pendant {validity_text()}. Passé ce délai, "
        f"demandez-en un autre avec « Mot de passe perdu » sur la page de connexion :\n{login}",
        "Si vous n'avez rien demandé, ignorez ce courriel : votre mot de passe ne change pas.",
        SIGNATURE.format(commune=TEAM))


def welcome(commune_name: str, email: str, link: str, login: str) -> tuple[str, str]:
    return f"Votre compte du Gestionnaire de suivi — Mairie de {commune_name}", letter(
        f"L'administrateur de la mairie de {commune_name} vous a créé un compte utilisateur du "
        "Gestionnaire de suivi, où vous traiterez les télédossiers (recensement citoyen, "
        "inscription sur les listes électorales) déposés en ligne.",
        f"Votre identifiant : {email}",
        f"Choisissez votre mot de passe en ouvrant ce lien :\n{link}",
        f"Ce lien fonctionne une seule fois, pendant {validity_text()}. Passé ce délai, "
        "utilisez « Mot de passe perdu » sur la page de connexion, avec votre identifiant :\n"
        f"{login}",
        SIGNATURE.format(commune=TEAM))


def send_password_reset(session: Session, ctx: PipelineContext, user: User) -> None:
    """Issue a reset link for the account and queue its mail, in the caller's transaction."""
    token = issue_link(session, PURPOSE, "user", user.id, ctx.clock.now())
    subject, body = password_reset(password_link(ctx, token), login_link(ctx))
    _queue(session, ctx, user, "password_reset", subject, body, _sender(session, user))


def send_welcome(session: Session, ctx: PipelineContext, user: User) -> None:
    """Issue the new account's set-password link and queue the welcome mail."""
    commune = session.get(Commune, user.commune_id) if user.commune_id is not None else None
    token = issue_link(session, PURPOSE, "user", user.id, ctx.clock.now())
    subject, body = welcome(commune.name if commune else "", user.email,
                            password_link(ctx, token), login_link(ctx))
    _queue(session, ctx, user, "welcome", subject, body, _sender(session, user))


def recently_sent(session: Session, ctx: PipelineContext, user: User,
                  within: timedelta = timedelta(minutes=2)) -> bool:
    """Whether a link went to the account moments ago: a second one would only flood its box."""
    since = ctx.clock.now() - within
    return session.scalar(select(EmailLink.id).where(
        EmailLink.purpose == PURPOSE, EmailLink.account_kind == "user",
        EmailLink.account_id == user.id, EmailLink.created_at > since).limit(1)) is not None


def _sender(session: Session, user: User) -> str:
    commune = session.get(Commune, user.commune_id) if user.commune_id is not None else None
    return f"Mairie de {commune.name}" if commune else "Télédossier"


def _queue(session: Session, ctx: PipelineContext, user: User, purpose: str, subject: str,
           body: str, sender: str) -> None:
    # Every request is its own cause: asking twice sends two links (the first stops working).
    queue_mail(session, ctx, cause=f"compte:{new_id()}", recipient=user.email, purpose=purpose,
               subject=subject, body=body, sender_name=sender, dossier=None)
