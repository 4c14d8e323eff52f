"""Screenshots of the main pages for the README: a demo installation seen through Chromium.

    .venv/bin/python docs/screenshots.py                 # every page of PAGES
    .venv/bin/python docs/screenshots.py ops gestion     # only the pages named

Starts Télédossier in this process on a throw-away SQLite database (in-process broker, mails
kept in the database), runs a few demo dossiers through the pipeline (an RCO accepted with its
signed attestation, an ILE à compléter, others transmitted, received, refused, one whose
notification failed), and saves ``docs/screenshots/<name>.png`` for each page, seen by the
person given (the demo citizen, an agent, the commune's admin, an operator, or nobody) at
1280×900, or 390×844 for the phone. A page that answers an error is not saved, and the script
ends with status 1 naming it.

Needs Debian's Chromium (``apt-get install chromium``) and Playwright for Python (the ``dev``
extra); never downloads a browser.
"""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages first

from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402

from pipeline.commands.accounts import create_user  # noqa: E402
from pipeline.commands.act import act_on_dossier  # noqa: E402
from pipeline.documents.stored import find_document  # noqa: E402
from pipeline.domain.lifecycle import Action  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store.migrate import upgrade  # noqa: E402
from teledossier.bootstrap import build_runtime  # noqa: E402
from tests.browser.live import (  # noqa: E402
    AGENTS_EMAIL,
    INSEE,
    PASSWORD,
    LiveApp,
    attach,
    born_years_ago,
    chromium_missing,
    fill_form,
    launch_chromium,
    minimal_pdf,
    minimal_png,
    start_live_app,
)
from web_minimal.citizens.space_files import keep_upload  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A ``Shot.height`` for the whole page (the README's images stay under ~250 KB).
WHOLE = 4000
#: The demo citizen: a mother who filed her son's census and her own electoral registration.
CITIZEN = "sophie.dupont@example.org"
#: Her son, 16 a few weeks ago: his census, as the form has it and as the data has it.
SON_BORN = born_years_ago(16, 40)
SON_FORM = {"Sexe": "Masculin", "Nom de famille (nom de naissance)": "Dupont",
            "Prénom usuel": "Lucas", "Date de naissance": SON_BORN,
            "Commune de naissance": "Lille", "Nom de famille du père": "Dupont",
            "Prénom du père": "Marc", "Nom de famille de la mère": "Lambert",
            "Prénom de la mère": "Sophie",
            "Situation scolaire ou professionnelle": "Lycéen(ne)"}
SON_DATA = {"NomFamille": "Dupont", "PrenomUsuel": "Lucas", "Sexe": "1",
            "DateNaissance": SON_BORN, "LieuNaissance": {"Code": "COMMUNE", "Nom": "Lille"},
            "SituationScolaireOuProfessionnelle": "Lycéen(ne)"}
SON_PARENTS = {"FiliationPere": {"NomFamille": "Dupont", "PrenomUsuel": "Marc"},
               "FiliationMere": {"NomFamille": "Lambert", "PrenomUsuel": "Sophie"}}
ADDRESS = {"NumeroVoie": "12", "NomVoie": "rue des Lilas", "CodePostal": INSEE,
           "Localite": "Démoville", "CodeINSEE": INSEE}
#: Her usual data (the address), which prefills her forms.
USUAL = {f"Personne.AdresseDomicile.{key}": value for key, value in ADDRESS.items()
         if key != "CodeINSEE"}
AGENT = "claire.moreau@demoville.test"
ADMIN = "nadia.roux@demoville.test"
#: Other citizens' census requests, for the agents' list (fictitious people and addresses).
OTHERS = [("lucas.martin@example.org", "Martin", "Lucas", "1"),
          ("ines.bernard@example.org", "Bernard", "Inès", "2"),
          ("hugo.petit@example.org", "Petit", "Hugo", "1")]
#: An elector whose registration is refused.
REFUSED = ("chloe.moreau@example.org", {"NomFamille": "Moreau", "PrenomUsuel": "Chloé",
                                        "Sexe": "2", "DateNaissance": "03/09/1999",
                                        "Nationalite": "FRA"})


@dataclass(frozen=True)
class Shot:
    """One screenshot: the page at ``path`` (``{names}`` taken from the demo) seen by ``who``
    (``citizen``, ``agent``, ``admin``, ``operator``, or None), after ``prepare`` if any;
    the viewport only, or the page's top ``height`` pixels (the whole page if shorter)."""

    name: str
    path: str
    who: str | None
    prepare: Callable[[Page], None] | None = None
    height: int | None = None
    phone: bool = False


def fill_recap(page: Page) -> None:
    """The RCO form filled for her son, then « Continuer vers le récapitulatif »."""
    fill_form(page, SON_FORM)
    attach(page, "Justificatif d'identité et de nationalité", "carte-identite.pdf",
           minimal_pdf("Carte nationale d'identite - DUPONT Lucas"))
    attach(page, "Livret de famille", "livret-de-famille.png", minimal_png())
    page.get_by_role("button", name="Continuer vers le récapitulatif").click()
    page.get_by_role("heading", name="Récapitulatif de votre demande").wait_for()


#: Every screenshot, in the README's order.
PAGES: list[Shot] = [
    Shot("accueil", "/", None),
    Shot("demarche-recensement", "/demarches/recensement", "citizen"),
    Shot("recapitulatif", "/demarches/recensement", "citizen", prepare=fill_recap,
         height=WHOLE),
    Shot("suivi", "/suivi", "citizen"),
    Shot("suivi-dossier", "/suivi/{rco}", "citizen", height=WHOLE),
    Shot("espace-confidentiel", "/espace", "citizen", height=WHOLE),
    Shot("suivi-telephone", "/suivi/{ile}", "citizen", phone=True),
    Shot("gestion", "/gestion", "agent", height=WHOLE),
    Shot("gestion-dossier", "/gestion/dossiers/{open_rco}", "agent", height=WHOLE),
    Shot("gestion-administration", "/gestion/administration", "admin", height=1160),
    Shot("ops", "/ops", "operator", height=WHOLE),
    Shot("courriel", "/dev/mail/{notification}", None, height=WHOLE),
    Shot("verification", "{verification}", None),
]


def seed(live: LiveApp) -> dict[str, str]:
    """The demo dossiers, run through the pipeline; returns what the paths of PAGES name."""
    ctx = live.runtime.ctx
    live.citizen(CITIZEN, profile=USUAL)
    for name, content in (("carte-identite-sophie.pdf", minimal_pdf("Carte d'identite")),
                          ("facture-eau.png", minimal_png())):
        keep_upload(ctx, CITIZEN, FileStorage(io.BytesIO(content), filename=name))
    agent = live.user("agent", AGENT).email
    live.user("admin", ADMIN)
    create_user(ctx, email="julien.garnier@demoville.test", role="agent", commune_insee=INSEE,
                password=PASSWORD)

    def decide(reference: str, action: Action, comment: str) -> None:
        act_on_dossier(ctx, live.commune_id, reference, action, actor=agent, channel="web",
                       comment=comment)

    # Her son's census: received, then accepted; the attestation is signed and deposited.
    rco_id, rco = live.file_dossier(CITIZEN, person={**SON_DATA, "AdresseDomicile": ADDRESS},
                                    **SON_PARENTS)
    # Her own registration, without the proof of address: à compléter.
    ile_id, ile = live.file_dossier(CITIZEN, demarche="InscriptionListesElectorales", person={
        "Civilite": "MME", "NomFamille": "Lambert", "NomUsage": "Dupont",
        "PrenomUsuel": "Sophie", "DateNaissance": "14/06/1984", "Nationalite": "FRA",
        "AdresseDomicile": ADDRESS, "LieuNaissance": {"Code": "COMMUNE", "Nom": "Arras"}},
        pieces=("justificatif_identite",), Rattachement={"Motif": "DOMICILE"})
    others = [live.file_dossier(email, person={
        "NomFamille": name, "PrenomUsuel": first, "Sexe": sex,
        "DateNaissance": born_years_ago(16, 30 + 20 * index)})
        for index, (email, name, first, sex) in enumerate(OTHERS)]
    refused_id, refused = live.file_dossier(
        REFUSED[0], demarche="InscriptionListesElectorales", person=REFUSED[1],
        pieces=("justificatif_identite", "justificatif_domicile"),
        Rattachement={"Motif": "DOMICILE"})

    for dossier_id in (rco_id, *(one for one, _ in others), refused_id):
        live.wait_transmitted(dossier_id)
    live.wait_status(ile_id, "incomplete")
    decide(rco, Action.RECU, "Dossier reçu : nous vérifions les pièces.")
    decide(rco, Action.ACCEPTER, "Recensement enregistré : l'attestation est dans votre espace "
                                 "confidentiel. Conservez-la, il n'en est pas délivré de "
                                 "duplicata.")
    decide(others[1][1], Action.RECU, "Dossier reçu, en cours d'instruction.")
    decide(refused, Action.REFUSER, "Le justificatif de domicile joint date de plus de 3 mois.")
    live.wait_status(rco_id, "closed")
    live.wait_status(refused_id, "closed")
    live.fail_notification(others[2][0])

    notification = next(mail for mail in live.mails(AGENTS_EMAIL, "agent_notification")
                        if others[0][1] in mail.subject)
    return {"rco": rco, "ile": ile, "open_rco": others[0][1], "notification": notification.id,
            "verification": verification_path(live, rco_id)}


def verification_path(live: LiveApp, dossier_id: str) -> str:
    """The address the attestation's QR code opens (its PDF keywords hold it), on this server."""
    ctx = live.runtime.ctx
    with ctx.db.transaction() as session:
        document = find_document(session, dossier_id, "attestation")
        assert document is not None, "no attestation issued"
        pdf = ctx.blobs.get(session, document.sha256)
    url = str(PdfFileReader(io.BytesIO(pdf), strict=False).trailer["/Info"]["/Keywords"])
    return url.removeprefix(ctx.settings.public_url)


def log_in(live: LiveApp, page: Page, who: str) -> None:
    if who == "citizen":
        live.citizen_log_in(page, live.citizen(CITIZEN))
    else:
        live.log_in(page, live.user(who))


def capture(live: LiveApp, shots: list[Shot], demo: dict[str, str]) -> tuple[list[Path],
                                                                                list[str]]:
    """Save each shot; return the files saved and what went wrong with the others."""
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    failed: list[str] = []
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for shot in shots:
                problem = take(live, browser, shot, demo)
                if problem:
                    failed.append(f"{shot.name}: {problem}")
                else:
                    saved.append(OUT / f"{shot.name}.png")
        finally:
            browser.close()
    return saved, failed


def take(live: LiveApp, browser: Browser, shot: Shot, demo: dict[str, str]) -> str | None:
    """One screenshot; None when saved, else why not."""
    context = browser.new_context(locale="fr-FR", viewport=PHONE if shot.phone else VIEWPORT,
                                  is_mobile=shot.phone, has_touch=shot.phone)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        if shot.who is not None:
            log_in(live, page, shot.who)
        response = page.goto(live.url + shot.path.format(**demo))
        if response is None or response.status >= 400:
            return f"{shot.path} answered {response.status if response else 'nothing'}"
        if shot.prepare is not None:
            shot.prepare(page)
        target = str(OUT / f"{shot.name}.png")
        if shot.height is None:
            page.screenshot(path=target)
        else:
            height = min(shot.height, page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(path=target, full_page=True, clip={
                "x": 0, "y": 0, "width": page.viewport_size["width"], "height": height})
        return None
    finally:
        context.close()


def main(argv: list[str]) -> int:
    missing = chromium_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    unknown = sorted(set(argv) - {shot.name for shot in PAGES})
    if unknown:
        print(f"pages inconnues : {', '.join(unknown)}", file=sys.stderr)
        return 2
    shots = [shot for shot in PAGES if not argv or shot.name in argv]
    with tempfile.TemporaryDirectory() as tmp:
        # Only these settings: an exported TELEDOSSIER_* must not point the demo elsewhere.
        settings = Settings.from_env({"TELEDOSSIER_DATABASE_URL": f"sqlite:///{tmp}/demo.db",
                                      "TELEDOSSIER_VAR_DIR": tmp,
                                      "TELEDOSSIER_MAIL_DOMAIN": "demoville.test"})
        upgrade(settings.database_url)
        runtime = build_runtime(settings)
        live = start_live_app(runtime)
        try:
            saved, failed = capture(live, shots, seed(live))
        finally:
            live.close()
            runtime.stop()
    for path in saved:
        print(path.relative_to(ROOT))
    for problem in failed:
        print(f"non enregistrée : {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
