"""An operator, in Chromium, finds failed work on the operators' page and replays it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.live import LiveApp

pytestmark = pytest.mark.browser


def test_operator_replays_failed_work_and_the_dossier_moves_on(live_app: LiveApp,
                                                               page: Page) -> None:
    dossier_id, reference = live_app.file_dossier()
    live_app.wait_transmitted(dossier_id)
    failed_id = live_app.fail_notification(dossier_id)

    live_app.log_in(page, live_app.user("operator"))

    expect(page).to_have_url(re.compile(r"/ops/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Supervision de la chaîne de traitement")
    failed_table = page.get_by_role("table", name="Travail en échec, le plus récent d'abord")
    row = failed_table.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("ConnectionError: relais SMTP injoignable")
    expect(page.get_by_role("link", name="Travail en échec")).to_contain_text("(1)")

    row.get_by_role("button", name="Rejouer").click()

    expect(page.get_by_role("status")).to_contain_text(f"Travail n° {failed_id} rejoué")
    expect(page.get_by_text("Aucun travail en échec.")).to_be_visible()
    # The notification runs again: the dossier leaves the stage it was stuck in.
    live_app.wait_transmitted(dossier_id)
    # The relay deletes its outbox row just after publishing, so the worker may finish first:
    # the operator refreshes until the row is clear, as they would.
    notification_row = page.get_by_role("table", name=re.compile("^Par file")).get_by_role(
        "row", name=re.compile("^Notification des agents"))
    cleared = re.compile(r"notification\s+0\s+0\s+0")
    for _ in range(20):
        page.get_by_role("link", name="Actualiser").click()
        if cleared.search(notification_row.inner_text()):
            break
        page.wait_for_timeout(500)
    expect(notification_row).to_have_text(cleared)
    expect(page.get_by_role("heading", name="Dossiers bloqués")).to_be_visible()


def test_agent_cannot_reach_the_operators_page(live_app: LiveApp, page: Page) -> None:
    live_app.log_in(page, live_app.user("agent"))

    response = page.goto(f"{live_app.url}/ops")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
