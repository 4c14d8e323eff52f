"""The all-in-one process killed mid-flight: after a restart every dossier reaches the agents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.mail_sink import MailSink
from tests.processes import AppProcess, api, app_env, free_port, rco_dossier, wait_ready, wait_until

pytestmark = pytest.mark.fault

DOSSIERS = 25
AGENTS = "etat-civil@demoville.test"


def test_up_killed_with_work_in_flight_loses_nothing_after_restart(tmp_path: Path) -> None:
    sink = MailSink().start()
    port = free_port()
    # Short delays, so that what the crash interrupted is taken up again within the test.
    env = app_env(tmp_path, port=str(port), smtp_url=sink.url, stuck_after_seconds="3",
                  reconcile_every_seconds="1", mail_claim_timeout_seconds="5")
    up = AppProcess("up", env, tmp_path)
    try:
        out = up.wait_for_output("Arrêt : Ctrl+C")
        token = re.search(r"jeton d'API\s*: (\S+)", out).group(1)
        wait_ready(port)
        references = []
        for index in range(DOSSIERS):
            status, answer = api(port, "POST", "/api/v1/dossiers", token, rco_dossier(index))
            assert status == 201, answer
            references.append(answer["reference"])
        up.kill()  # SIGKILL: the in-process queue and whatever it held are gone
        delivered = sum(AGENTS in r.recipients for r in sink.received)
        assert delivered < DOSSIERS, "the crash came too late to prove anything"

        up = AppProcess("up", env, tmp_path)
        up.wait_for_output("Arrêt : Ctrl+C")
        wait_ready(port)

        def all_transmitted() -> bool:
            return all(api(port, "GET", f"/api/v1/dossiers/{ref}", token)[1]["status"]
                       == "transmitted" for ref in references)

        wait_until(all_transmitted, 120, "every dossier transmitted after the restart")
        received = sink.wait_for(
            lambda got: sum(AGENTS in r.recipients for r in got) >= DOSSIERS, timeout=60)
        message_ids: dict[str, set[str]] = {}
        for mail in received:
            for ref in references:
                if AGENTS in mail.recipients and ref in mail.subject:
                    message_ids.setdefault(ref, set()).add(mail.message["Message-ID"])
        # Every dossier notified, each with one message: a kill between the server's acceptance
        # and the row's marking (the documented window) resends the same Message-ID, never another.
        assert sorted(message_ids) == sorted(references)
        assert all(len(ids) == 1 for ids in message_ids.values())
    finally:
        up.stop()
        sink.stop()
