"""Who receives the agents' mails about a dossier: the service mailbox and the keen agents."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.store.model import Dossier, User

KEEN_AGENTS = (select(User.email, User.id)
               .where(User.commune_id == bindparam("commune_id"), User.active,
                      User.wants_notifications).order_by(User.id))


def agent_recipients(session: Session, ctx: PipelineContext,
                     dossier: Dossier) -> list[tuple[str, int | None]]:
    """The commune's service mailbox (no account), then each agent who asked for notifications."""
    # Who asked for notifications changes rarely: a minute's delay is fine.
    keen = ctx.cache.get(("keen agents", dossier.commune_id),
                         lambda: [tuple(row) for row in session.execute(
                             KEEN_AGENTS, {"commune_id": dossier.commune_id})])
    recipients: dict[str, int | None] = {dossier.commune.agents_email.lower(): None}
    for email, user_id in keen:
        recipients.setdefault(email.lower(), user_id)
    return list(recipients.items())
