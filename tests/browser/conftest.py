"""Browser fixtures: Debian's Chromium driven by Playwright, and a live installation to visit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from teledossier.bootstrap import Runtime
from tests.browser.live import LiveApp, chromium_missing, in_ci, launch_chromium, start_live_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the browser tests; skipped without it, failed under CI=true.

    Package-scoped: Playwright's synchronous API keeps an event loop running in this thread
    while it is open, which the tests after these must not inherit."""
    missing = chromium_missing()
    if missing:
        if in_ci():
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Fresh browser contexts on demand, one per person of a test (a citizen, an agent): no
    cookie carries over from one to another, nor from another test."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A browser page of its own for the test."""
    return new_page()


@pytest.fixture
def live_app(runtime_factory: Callable[..., Runtime], sqlite_url: str) -> Iterator[LiveApp]:
    """Télédossier running in this process (SQLite, in-process broker) on a free port."""
    app = start_live_app(runtime_factory(sqlite_url))
    yield app
    app.close()  # before runtime_factory stops the runtime
