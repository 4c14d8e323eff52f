"""Screenshots of the main pages for the README: a demo installation seen through Chromium.

    .venv/bin/python docs/screenshots.py          # every page of PAGES
    .venv/bin/python docs/screenshots.py ops      # only the pages named

Starts Télédossier in this process on a throw-away SQLite database (in-process broker, mails
kept in the database), files a few demo dossiers, and saves ``docs/screenshots/<name>.png`` for
each page, seen by an account of the role given (None: not logged in). Needs Debian's Chromium
(``apt-get install chromium``) and Playwright for Python (the ``dev`` extra); never downloads a
browser.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages first

from pipeline.migrate import upgrade  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from teledossier.bootstrap import build_runtime  # noqa: E402
from tests.browser.live import (  # noqa: E402
    LiveApp,
    chromium_missing,
    launch_chromium,
    start_live_app,
)

#: (name, path, login as): the page at ``path`` saved as ``<name>.png``, seen by an account of
#: that role (``operator``, ``agent``, ``admin``) or by an anonymous visitor (None).
PAGES: list[tuple[str, str, str | None]] = [
    ("ops", "/ops", "operator"),
]
VIEWPORT = {"width": 1280, "height": 900}
#: Demo citizens: fictitious addresses; the operators' page shows them masked anyway.
CITIZENS = ["lea.dupont@example.org", "lucas.martin@example.org", "ines.bernard@example.org",
            "hugo.petit@example.org"]


def seed(live: LiveApp) -> None:
    """A few dossiers through the pipeline, and one whose notification failed for good."""
    dossiers = [live.file_dossier(email)[0] for email in CITIZENS]
    for dossier_id in dossiers:
        live.wait_transmitted(dossier_id)
    live.fail_notification(dossiers[-1])


def capture(live: LiveApp, names: list[str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved = []
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for name, path, role in PAGES:
                if names and name not in names:
                    continue
                context = browser.new_context(locale="fr-FR", viewport=VIEWPORT)
                page = context.new_page()
                if role is not None:
                    live.log_in(page, live.user(role))
                page.goto(live.url + path)
                target = OUT / f"{name}.png"
                page.screenshot(path=str(target), full_page=True)
                context.close()
                saved.append(target)
        finally:
            browser.close()
    return saved


def main(argv: list[str]) -> int:
    missing = chromium_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    unknown = sorted(set(argv) - {name for name, _, _ in PAGES})
    if unknown:
        print(f"pages inconnues : {', '.join(unknown)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        # Only these settings: an exported TELEDOSSIER_* must not point the demo elsewhere.
        settings = Settings.from_env({"TELEDOSSIER_DATABASE_URL": f"sqlite:///{tmp}/demo.db",
                                      "TELEDOSSIER_VAR_DIR": tmp,
                                      "TELEDOSSIER_MAIL_DOMAIN": "demoville.test"})
        upgrade(settings.database_url)
        runtime = build_runtime(settings)
        live = start_live_app(runtime)
        try:
            seed(live)
            for path in capture(live, argv):
                print(path.relative_to(ROOT))
        finally:
            live.close()
            runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
