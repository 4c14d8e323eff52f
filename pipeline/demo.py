"""The demo commune seeded into an empty database, so a newcomer can try everything at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pipeline.commands.accounts import create_user
from pipeline.commands.communes import create_commune, issue_token
from pipeline.context import PipelineContext
from pipeline.documents import generate_identity
from pipeline.documents.stored import save_identity
from pipeline.store.model import Commune

DEMO_INSEE = "99999"  # fictitious: no real commune has it
DEMO_NAME = "Démoville"
#: Printed under the signature of Démoville's attestations: it says the mayor is made up, so
#: that an attestation of the demo is never taken for a real one.
DEMO_MAYOR = "Camille Martin (maire fictif, démonstration)"


@dataclass(frozen=True)
class DemoLogins:
    admin_email: str
    admin_password: str
    agent_email: str
    agent_password: str
    api_token: str


def seed_demo_if_empty(ctx: PipelineContext) -> DemoLogins | None:
    """Create Démoville (admin, agent, API token, signing identity); None when data exists."""
    with ctx.db.transaction() as session:
        if session.scalar(select(func.count()).select_from(Commune)):
            return None
    domain = ctx.settings.mail_domain
    commune = create_commune(ctx, insee=DEMO_INSEE, name=DEMO_NAME,
                             agents_email=f"etat-civil@{domain}")
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        # Keys, a self-signed certificate, a drawn stamp and signature: the verification page
        # says the certificate is one Télédossier generated.
        save_identity(session, commune, generate_identity(DEMO_INSEE, DEMO_NAME, DEMO_MAYOR,
                                                          now=now), now, generated=True)
    admin, admin_password = create_user(ctx, email=f"admin@{domain}", role="admin",
                                        commune_insee=DEMO_INSEE)
    agent, agent_password = create_user(ctx, email=f"agent@{domain}", role="agent",
                                        commune_insee=DEMO_INSEE)
    token = issue_token(ctx, DEMO_INSEE, label="démonstration")
    return DemoLogins(admin.email, admin_password, agent.email, agent_password, token)
