"""How an agent wants to hear of the commune's dossiers: a mail per dossier, a daily digest at
an hour of their choice, or no mail (the commune's service mailbox is told of each dossier
whatever the agents choose)."""

from __future__ import annotations

from enum import StrEnum

from pipeline.context import PipelineContext
from pipeline.store.model import User

#: The digest's hour when the agent chose none: the start of a working day.
DEFAULT_DIGEST_HOUR = 8


class Notifications(StrEnum):
    PER_DOSSIER = "dossier"
    DIGEST = "recapitulatif"
    NONE = "aucun"


class PreferenceRefused(ValueError):
    """The choice cannot be kept; the text says why, in French."""


def notification_choice(user: User) -> Notifications:
    if user.digest_hour is not None:
        return Notifications.DIGEST
    return Notifications.PER_DOSSIER if user.wants_notifications else Notifications.NONE


def set_notifications(ctx: PipelineContext, user_id: int, choice: str,
                      hour: int | None = None) -> User:
    """Keep the agent's choice; the mails follow it within a minute (cached recipients)."""
    try:
        chosen = Notifications(choice)
    except ValueError:
        raise PreferenceRefused("Choisissez comment être prévenu.") from None
    if chosen is Notifications.DIGEST and (hour is None or not 0 <= hour <= 23):
        raise PreferenceRefused("Choisissez l'heure du récapitulatif, de 0 à 23 heures.")
    with ctx.db.transaction() as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise PreferenceRefused("Compte introuvable.")
        user.wants_notifications = chosen is Notifications.PER_DOSSIER
        user.digest_hour = hour if chosen is Notifications.DIGEST else None
        return user
