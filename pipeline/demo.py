"""The demo commune seeded into an empty database, so a newcomer can try everything at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pipeline.accounts import create_user
from pipeline.communes import create_commune, issue_token
from pipeline.context import PipelineContext
from pipeline.model import Commune

DEMO_INSEE = "99999"  # fictitious: no real commune has it
DEMO_NAME = "Démoville"


@dataclass(frozen=True)
class DemoLogins:
    admin_email: str
    admin_password: str
    agent_email: str
    agent_password: str
    api_token: str


def seed_demo_if_empty(ctx: PipelineContext) -> DemoLogins | None:
    """Create Démoville with an admin, an agent and an API token; None when data exists."""
    with ctx.db.transaction() as session:
        if session.scalar(select(func.count()).select_from(Commune)):
            return None
    domain = ctx.settings.mail_domain
    create_commune(ctx, insee=DEMO_INSEE, name=DEMO_NAME, agents_email=f"etat-civil@{domain}")
    admin, admin_password = create_user(ctx, email=f"admin@{domain}", role="admin",
                                        commune_insee=DEMO_INSEE)
    agent, agent_password = create_user(ctx, email=f"agent@{domain}", role="agent",
                                        commune_insee=DEMO_INSEE)
    token = issue_token(ctx, DEMO_INSEE, label="démonstration")
    return DemoLogins(admin.email, admin_password, agent.email, agent_password, token)
