"""A whole installation in this process for a real browser: web server, workers, relay.

Shared by the browser tests' fixtures and by ``docs/screenshots.py``.
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from pipeline.commands import citizen_accounts
from pipeline.commands.accounts import create_user
from pipeline.commands.communes import create_commune
from pipeline.commands.submit import Submission, submit_dossier
from pipeline.domain.attachments import IncomingAttachment
from pipeline.domain.clock import SystemClock, paris_today
from pipeline.ops.failed_work import record_failure
from pipeline.store.model import Dossier, Mail
from teledossier.bootstrap import Runtime
from teledossier.server import WebServer, start_server
from tests.pdfs import ONE_PAGE
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
#: The demo commune's service mailbox, where the agents' notifications go.
AGENTS_EMAIL = "agents@demoville.test"
PASSWORD = "mot-de-passe-de-demo"
#: A one-page PDF: what the attachment check takes as a scan.
PDF = ONE_PAGE
#: File names of the pieces ``LiveApp.file_dossier`` joins, by kind.
PIECE_NAMES = {"justificatif_identite": "carte-identite.pdf",
               "livret_famille": "livret-de-famille.pdf",
               "justificatif_domicile": "justificatif-domicile.pdf"}
#: Citizens' accounts ask for a longer password than agents'.
CITIZEN_PASSWORD = "une phrase de passe de démo"


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
    #: Agents, admins and operators by role; citizens by address.
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

    def citizen(self, email: str, profile: dict[str, str] | None = None) -> Account:
        """A citizen's account with its address confirmed (through the core, not the pages),
        made on first use; ``profile`` (form field names to values) saved as usual data."""
        if email not in self.accounts:
            ctx = self.runtime.ctx
            citizen_accounts.sign_up(ctx, email, CITIZEN_PASSWORD, CITIZEN_PASSWORD)
            token = self.link_in(self.mails(email, "verify_email")[-1], "/confirmer-adresse/")
            done = citizen_accounts.confirm_address(
                ctx, token.rsplit("/", 1)[-1], CITIZEN_PASSWORD, "127.0.0.1")
            assert done.account is not None, f"confirming {email}: {done}"
            if profile:
                citizen_accounts.save_profile(ctx, done.account.id, profile)
            self.accounts[email] = Account(email, CITIZEN_PASSWORD, "citizen")
        return self.accounts[email]

    def sign_up(self, page: Page, email: str) -> Account:
        """Create a citizen's account as a person does: the sign-up page, then the link of the
        mail (read from the ``mails`` table) and the password. Leaves the citizen logged in."""
        from playwright.sync_api import expect

        page.goto(f"{self.url}/inscription")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe", exact=True).fill(CITIZEN_PASSWORD)
        page.get_by_label("Confirmation du mot de passe").fill(CITIZEN_PASSWORD)
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
        page.goto(self.link_in(self.mails(email, "verify_email")[-1], "/confirmer-adresse/"))
        page.get_by_label("Mot de passe de votre compte").fill(CITIZEN_PASSWORD)
        page.get_by_role("button", name="Confirmer mon adresse").click()
        expect(page.get_by_role("status")).to_contain_text("Votre adresse électronique est "
                                                           "confirmée")
        self.accounts[email] = Account(email, CITIZEN_PASSWORD, "citizen")
        return self.accounts[email]

    def citizen_log_in(self, page: Page, account: Account) -> None:
        """Log in through the citizens' login page, as a person does."""
        page.goto(f"{self.url}/connexion")
        page.get_by_label("Adresse électronique").fill(account.email)
        page.get_by_label("Mot de passe").fill(account.password)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()

    def mails(self, recipient: str, purpose: str | None = None) -> list[Mail]:
        """The mails queued for ``recipient`` (of this purpose), oldest first."""
        with self.runtime.ctx.db.transaction() as session:
            query = select(Mail).where(Mail.recipient == recipient).order_by(Mail.created_at)
            if purpose:
                query = query.where(Mail.purpose == purpose)
            return list(session.scalars(query))

    def link_in(self, mail: Mail, path: str) -> str:
        """The link of ``mail`` starting with ``path``, on this server (not the public URL)."""
        public = re.escape(self.runtime.ctx.settings.public_url)
        found = re.search(public + "(" + re.escape(path) + r"[^\s]+)", mail.body_text)
        assert found, f"no {path} link in: {mail.body_text}"
        return self.url + found.group(1)

    def file_dossier(self, email: str = "lea.dupont@example.org", *,
                     demarche: str = "RecensementCitoyen", person: dict[str, Any] | None = None,
                     pieces: tuple[str, ...] = ("justificatif_identite", "livret_famille"),
                     **sections: Any) -> tuple[str, str]:
        """A citizen's request through the core (as the API files one): an RCO with its two
        documents unless told otherwise, ``person`` changing its ``Personne``, ``sections``
        adding others (``Rattachement`` for an ILE); returns (dossier id, reference)."""
        personne = {
            "NomFamille": "Dupont", "PrenomUsuel": "Léa", "DateNaissance": "20/10/2010",
            "Sexe": "2", "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lyon"},
            "AdresseDomicile": {"CodePostal": INSEE, "Localite": "Démoville",
                                "CodeINSEE": INSEE, "NomVoie": "rue Haute"},
            "MethodeContact": [{"URI": email, "CanalCode": "EMAIL"}], **(person or {})}
        receipt = submit_dossier(self.runtime.ctx, self.commune_id, Submission(
            demarche=demarche, data={"Personne": personne, **sections}, channel="web",
            actor=email, attachments=[IncomingAttachment(kind, PIECE_NAMES[kind], PDF)
                                      for kind in pieces]))
        return receipt.dossier_id, receipt.reference

    def wait_transmitted(self, dossier_id: str) -> None:
        """Until the pipeline has validated the dossier and notified the agents."""
        self.wait_status(dossier_id, "transmitted")

    def wait_status(self, dossier_id: str, status: str) -> None:
        """Until the dossier is in ``status`` with no pipeline stage left to run."""
        def done() -> bool:
            with self.runtime.ctx.db.transaction() as session:
                dossier = session.get(Dossier, dossier_id)
                return dossier.status == status and dossier.stage is None

        wait_for(done, f"dossier {dossier_id} {status}")

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
                             agents_email=AGENTS_EMAIL)
    runtime.start_relay()
    runtime.start_worker()
    server = start_server(create_app(runtime), "127.0.0.1", 0, 4)
    return LiveApp(runtime, server, commune.id)


def fill_form(page: Page, values: dict[str, str]) -> None:
    """Fill a citizens' form by its labels (a label's « (obligatoire) » aside): text fields
    are typed in, lists choose the option of that label."""
    for label, value in values.items():
        control = page.get_by_label(re.compile("^" + re.escape(label) + r"( \(obligatoire\))?$"))
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)


def attach(page: Page, piece: str, filename: str, content: bytes) -> None:
    """Join a file to the piece of a filing form whose group is named ``piece``."""
    media_type = {".pdf": "application/pdf", ".png": "image/png",
                  ".jpg": "image/jpeg"}[Path(filename).suffix]
    group = page.get_by_role("group", name=re.compile("^" + re.escape(piece)))
    group.get_by_label("Ou joindre un fichier").set_input_files(
        {"name": filename, "mimeType": media_type, "buffer": content})


def reload_until(page: Page, text: str | re.Pattern[str], timeout: float = 30) -> None:
    """Reload the page until ``text`` shows: the pipeline works behind the pages."""
    deadline = time.monotonic() + timeout
    while not page.get_by_text(text).first.is_visible():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for « {text} » on {page.url}")
        time.sleep(0.2)
        page.reload()


def born_years_ago(years: int, days: int = 0) -> str:
    """The birth date (jj/mm/aaaa) of someone ``years`` old today, since ``days`` days."""
    today = paris_today(SystemClock())
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = date(today.year - years, 2, 28)
    return (birthday - timedelta(days=days)).strftime("%d/%m/%Y")


def minimal_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing ``text`` (ASCII), with its cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def minimal_png(width: int = 16, height: int = 12) -> bytes:
    """A small valid PNG: a grey-blue RGB image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\x60\x80\xa0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
