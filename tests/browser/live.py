"""A whole installation in this process for a real browser: web server, workers, relay.

Shared by the browser tests' fixtures and by ``docs/screenshots.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from pipeline.accounts import create_user
from pipeline.communes import create_commune
from pipeline.failed_work import record_failure
from pipeline.model import Dossier
from pipeline.stages.intake import IncomingAttachment, Submission, submit_dossier
from teledossier.bootstrap import Runtime
from teledossier.server import WebServer, start_server
from web_minimal import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

#: Debian's Chromium: the browser tests never download a browser of their own.
CHROMIUM = Path("/usr/bin/chromium")
#: No sandbox (containers run as root), and nothing fetched behind the tests' back.
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
               "--disable-dev-shm-usage", "--no-first-run", "--no-proxy-server"]
HOW_TO_INSTALL = "install it with: apt-get install chromium"
INSEE = "99999"
PASSWORD = "mot-de-passe-de-demo"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}; {HOW_TO_INSTALL}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing; install it with: pip install -e '.[dev]'"
    return None


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=LAUNCH_ARGS)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str


@dataclass
class LiveApp:
    """The running installation: its address, its runtime, its commune and accounts."""

    runtime: Runtime
    server: WebServer
    commune_id: int
    accounts: dict[str, Account] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def user(self, role: str, email: str | None = None) -> Account:
        """An account of this role (operator, agent, admin), made on first use."""
        if role not in self.accounts:
            email = email or f"{role}@demoville.test"
            create_user(self.runtime.ctx, email=email, role=role,
                        commune_insee=None if role == "operator" else INSEE, password=PASSWORD)
            self.accounts[role] = Account(email, PASSWORD, role)
        return self.accounts[role]

    def log_in(self, page: Page, account: Account) -> None:
        """Log in through the agents' login page, as a person does."""
        page.goto(f"{self.url}/gestion/connexion")
        page.get_by_label("Utilisateur").fill(account.email)
        page.get_by_label("Mot de passe", exact=True).fill(account.password)
        with page.expect_navigation():
            page.get_by_role("button", name="Valider").click()

    def file_dossier(self, email: str = "lea.dupont@example.org") -> tuple[str, str]:
        """A citizen's RCO with its two documents; returns (dossier id, reference)."""
        data = {"Personne": {
            "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
            "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
            "AdresseDomicile": {"CodePostal": INSEE, "Localite": "Démoville",
                                "CodeINSEE": INSEE, "NomVoie": "rue Haute"},
            "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"}]}}
        receipt = submit_dossier(self.runtime.ctx, self.commune_id, Submission(
            demarche="RecensementCitoyen", data=data, channel="web",
            attachments=[IncomingAttachment(kind, f"{kind}.pdf", PDF)
                         for kind in ("justificatif_identite", "livret_famille")]))
        return receipt.dossier_id, receipt.reference

    def wait_transmitted(self, dossier_id: str) -> None:
        """Until the pipeline has validated the dossier and notified the agents."""
        def done() -> bool:
            with self.runtime.ctx.db.transaction() as session:
                dossier = session.get(Dossier, dossier_id)
                return dossier.status == "transmitted" and dossier.stage is None

        wait_for(done, f"dossier {dossier_id} transmitted")

    def fail_notification(self, dossier_id: str) -> int:
        """What the workers leave when the agents' notification gave up on a dossier."""
        ctx = self.runtime.ctx
        with ctx.db.transaction() as session:
            session.execute(update(Dossier).where(Dossier.id == dossier_id)
                            .values(stage="notification", stage_since=ctx.clock.now()))
        return record_failure(ctx, queue="notification", actor="notification",
                              args=[dossier_id], message_id=f"demo-{dossier_id}", attempts=9,
                              reason="Traceback (most recent call last):\n"
                                     "ConnectionError: relais SMTP injoignable")

    def close(self) -> None:
        self.server.close()


def start_live_app(runtime: Runtime) -> LiveApp:
    """Create the demo commune, start the pipeline and serve the pages on a free port."""
    commune = create_commune(runtime.ctx, insee=INSEE, name="Démoville",
                             agents_email="agents@demoville.test")
    runtime.start_relay()
    runtime.start_worker()
    server = start_server(create_app(runtime), "127.0.0.1", 0, 4)
    return LiveApp(runtime, server, commune.id)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
