"""A stage that never returns is cut by its time limit, retried, then parked in failed work,
while the other dossiers keep flowing — on PostgreSQL + RabbitMQ and in the all-in-one process."""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pipeline.ops.failed_work import MAX_FAILED_RUNS
from tests.fault.conftest import Installation
from tests.mail_sink import MailSink
from tests.processes import AppProcess, api, app_env, free_port, rco_dossier, wait_ready, wait_until
from workers.actors import TIMEOUT_RETRIES

pytestmark = pytest.mark.fault

HANGING = (sys.executable, "-m", "tests.fault.hanging_stage")
POISON = 8  # as many as the worker has threads, and more
ORDINARY = 6
LIMIT_SECONDS = 2
#: The fault installation's ``stuck_after_seconds``: the reconciler re-sends stuck work.
STUCK_AFTER_SECONDS = 5


def poison_dossier(index: int) -> dict[str, object]:
    dossier = rco_dossier(index)
    dossier["data"]["Personne"]["NomFamille"] = f"SANSFIN{index}"  # type: ignore[index]
    return dossier


def file_all(port: int, token: str, dossiers: list[dict[str, object]]) -> list[str]:
    references = []
    for dossier in dossiers:
        status, answer = api(port, "POST", "/api/v1/dossiers", token, dossier)
        assert status == 201, answer
        references.append(answer["reference"])
    return references


def status_of(port: int, token: str, reference: str) -> str:
    return api(port, "GET", f"/api/v1/dossiers/{reference}", token)[1]["status"]


def failed_stages(database_url: str) -> Counter[str]:
    """Failed-work rows per dossier reference."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT d.reference, f.reason FROM failed_work f "
                "JOIN dossiers d ON d.id = f.dossier_id WHERE f.queue = 'validation'")).all()
    finally:
        engine.dispose()
    for _, reason in rows:
        assert "TimeLimitExceeded" in reason, reason
    return Counter(reference for reference, _ in rows)


def runs(log: Path) -> Counter[str]:
    return Counter(log.read_text().split()) if log.exists() else Counter()


def check_poison_parked(database_url: str, log: Path, poison: list[str]) -> None:
    wait_until(lambda: set(failed_stages(database_url)) == set(poison), 120,
               "every never-ending stage parked in failed work")
    assert failed_stages(database_url) == Counter({ref: 1 for ref in poison})
    counted = runs(log)
    for reference in poison:
        # The broker's tries at least; never more than the cap, whatever re-sent the work.
        assert 1 + TIMEOUT_RETRIES <= counted[reference] <= MAX_FAILED_RUNS, counted


def test_never_ending_stage_is_parked_while_others_flow_on_rabbitmq(
        installation: Installation, tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    installation.env.update(TELEDOSSIER_STAGE_TIME_LIMIT_SECONDS=str(LIMIT_SECONDS),
                            HANGING_STAGE_LOG=str(log))
    installation.start("web")
    worker = installation.start("worker", HANGING)
    wait_ready(installation.port)
    port, token = installation.port, installation.token
    poison = file_all(port, token, [poison_dossier(i) for i in range(POISON)])
    ordinary = file_all(port, token, [rco_dossier(100 + i) for i in range(ORDINARY)])

    # Filed after eight never-ending stages, on a worker of four threads: still transmitted.
    installation.wait_all_transmitted(ordinary, timeout=60)
    check_poison_parked(installation.env["TELEDOSSIER_DATABASE_URL"], log, poison)
    # Parked for good: neither the broker nor the reconciler sends the work again.
    parked_runs = runs(log)
    late = file_all(port, token, [rco_dossier(200)])
    installation.wait_all_transmitted(late, timeout=30)
    time.sleep(STUCK_AFTER_SECONDS + 2)  # the reconciler would have re-sent it by now
    assert runs(log) == parked_runs
    assert all(status_of(port, token, ref) == "submitted" for ref in poison)
    assert worker.proc.poll() is None


def test_never_ending_stage_is_parked_in_the_all_in_one_process(tmp_path: Path) -> None:
    sink = MailSink().start()
    port = free_port()
    log = tmp_path / "runs.log"
    env = app_env(tmp_path, port=str(port), smtp_url=sink.url,
                  stuck_after_seconds=str(STUCK_AFTER_SECONDS), reconcile_every_seconds="1",
                  stage_time_limit_seconds=str(LIMIT_SECONDS))
    env["HANGING_STAGE_LOG"] = str(log)
    up = AppProcess("up", env, tmp_path, HANGING)
    try:
        out = up.wait_for_output("Arrêt : Ctrl+C")
        token = re.search(r"jeton d'API\s*: (\S+)", out).group(1)
        wait_ready(port)
        poison = file_all(port, token, [poison_dossier(i) for i in range(2)])
        # The stage holds SQLite's write lock while it runs: the time limit bounds the wait,
        # so the API keeps answering (slowly) instead of failing.
        ordinary = file_all(port, token, [rco_dossier(100 + i) for i in range(ORDINARY)])
        wait_until(lambda: all(status_of(port, token, ref) == "transmitted" for ref in ordinary),
                   90, "every ordinary dossier transmitted")
        database_url = f"sqlite:///{tmp_path / 'var' / 'teledossier.db'}"
        check_poison_parked(database_url, log, poison)
        status, _ = api(port, "GET", "/readyz", token)
        assert status == 200
    finally:
        up.stop()
        sink.stop()
